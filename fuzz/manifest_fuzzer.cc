// Fuzzes ParseManifest (src/pull/manifest.h): the body of GET /api/sync/manifest, which comes
// from the network. Whatever the body, the parse returns a manifest or an error; an accepted
// entry only ever names safe path segments and absolute http(s) URLs, since the planner joins
// those names onto the workspace and the downloader fetches those URLs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/path.h"
#include "fuzz/fuzz_util.h"
#include "pull/manifest.h"

namespace {

void CheckTable(const ferry::pull::ManifestTable& t) {
  FUZZ_CHECK(ferry::IsSafePathSegment(t.id), t.id);
  FUZZ_CHECK(ferry::IsSafePathSegment(t.name), t.name);
  for (const ferry::pull::ManifestPart& p : t.parts) {
    FUZZ_CHECK(ferry::IsSafeRelativePath(p.path), p.path);
  }
  if (!t.skipped()) FUZZ_CHECK(ferry::fuzz::IsHttpUrl(t.url), t.url);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::Result<ferry::pull::Manifest> m = ferry::pull::ParseManifest(
      ferry::fuzz::AsText(data, size), "http://127.0.0.1:8765/api/sync/manifest");
  if (!m.ok()) return 0;
  for (const ferry::pull::ManifestTable& t : m->direct_tables) CheckTable(t);
  for (const ferry::pull::ManifestPackage& p : m->data_packages) {
    FUZZ_CHECK(ferry::IsSafePathSegment(p.slug), p.slug);
    for (const ferry::pull::ManifestTable& t : p.tables) CheckTable(t);
  }
  for (const ferry::pull::ManifestDomain& d : m->memory_domains) {
    FUZZ_CHECK(ferry::IsSafePathSegment(d.slug), d.slug);
    FUZZ_CHECK(ferry::fuzz::IsHttpUrl(d.url), d.url);
  }
  return 0;
}
