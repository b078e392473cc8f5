// Fuzzes LoadCatalog (src/serve/catalog.h): the catalog YAML that `ferry serve` reads at start
// and on every reload, written by hand by whoever runs the server.
//
// LoadCatalog still takes a path and resolves `root`, table files and items_dir with
// realpath/stat on the real filesystem (issue 10 part 2 moves serve behind Env; then this
// target moves to a MemEnv like the store's). Until then it works in a private scratch
// directory, made once per process under $TMPDIR and removed at exit: a copy of the demo
// catalog's layout (empty table files, one valid memory item per domain), so the seeds made
// from demo/catalog.yaml get past the file checks into packages, domains and users. Each input
// is written to catalog.yaml there; LoadCatalog only reads.
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "base/path.h"
#include "fuzz/fuzz_util.h"
#include "serve/catalog.h"

namespace {

std::string* scratch = nullptr;

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  FUZZ_CHECK(out.good(), "cannot write " + path);
}

void MakeDir(const std::string& path) {
  FUZZ_CHECK(::mkdir(path.c_str(), 0755) == 0, "cannot create " + path);
}

void RemoveScratch() {
  if (scratch == nullptr) return;
  ::nftw(
      scratch->c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

// The demo's tree (demo/): data/ with the tables demo/catalog.yaml names, memory/ with its two
// domains.
void MakeScratch() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ferry-catalog-fuzz.XXXXXX";
  FUZZ_CHECK(::mkdtemp(templ.data()) != nullptr, "mkdtemp " + templ);
  scratch = new std::string(templ);
  std::atexit(RemoveScratch);
  for (const char* dir : {"data", "data/sales", "data/finance", "data/events", "data/events/2024",
                          "data/events/2025", "memory", "memory/playbook", "memory/glossary"}) {
    MakeDir(*scratch + "/" + dir);
  }
  for (const char* file :
       {"sales/orders.parquet", "sales/customers.parquet", "finance/invoices.parquet",
        "finance/fx_rates.parquet", "finance/payments_raw.parquet", "events/2024/part-0.parquet",
        "events/2025/part-0.parquet", "events/2025/part-1.parquet"}) {
    WriteText(*scratch + "/data/" + file, "PAR1");
  }
  WriteText(*scratch + "/memory/playbook/refunds.md",
            "---\nid: pb-001\ntitle: Refunds\nstatus: approved\nis_required: true\n---\nBody.\n");
  WriteText(*scratch + "/memory/glossary/arr.md",
            "---\nid: gl-001\ntitle: ARR\nstatus: approved\n---\nAnnual recurring revenue.\n");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MakeScratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = *scratch + "/catalog.yaml";
  WriteText(path, std::string(ferry::fuzz::AsText(data, size)));
  ferry::Result<std::shared_ptr<const ferry::serve::Catalog>> loaded =
      ferry::serve::LoadCatalog(path);
  if (!loaded.ok()) return 0;
  // The invariants catalog.h promises of a loaded catalog.
  const ferry::serve::Catalog& c = **loaded;
  for (const ferry::serve::CatalogTable& t : c.tables) {
    FUZZ_CHECK(ferry::IsSafePathSegment(t.id), t.id);
    FUZZ_CHECK(ferry::IsSafePathSegment(t.name), t.name);
    if (t.has_file()) FUZZ_CHECK(ferry::serve::IsInsideRoot(c.root, t.abs_path), t.abs_path);
  }
  for (const ferry::serve::CatalogPackage& p : c.packages) {
    FUZZ_CHECK(ferry::IsSafePathSegment(p.slug), p.slug);
    for (const std::string& id : p.tables) FUZZ_CHECK(c.FindTable(id) != nullptr, id);
  }
  for (const ferry::serve::CatalogDomain& d : c.domains) {
    FUZZ_CHECK(ferry::IsSafePathSegment(d.slug), d.slug);
    for (const ferry::serve::MemoryItem& item : d.items) {
      FUZZ_CHECK(ferry::IsSafePathSegment(item.id), item.id);
    }
  }
  for (const ferry::serve::CatalogUser& u : c.users) {
    FUZZ_CHECK(u.token_sha256.size() == 64, u.token_sha256);
    for (const std::string& id : u.stack.packages) FUZZ_CHECK(c.FindPackage(id) != nullptr, id);
    for (const std::string& id : u.stack.tables) FUZZ_CHECK(c.FindTable(id) != nullptr, id);
  }
  return 0;
}
