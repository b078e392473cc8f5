// Fuzzes DigestCache::Load (src/store/digest_cache.h): .ferry/digests.json, which a crash, a
// full disk or a user may have mangled. A corrupt cache must load as an empty or partial one,
// never fail the pull; the file lives in a MemEnv, so the fuzzer never touches the disk.
//
// Beyond "no crash": what Load kept, Save writes back so that the next Load keeps all of it
// without a warning (a cache that re-warns on every pull would never heal).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "fuzz/fuzz_util.h"
#include "store/digest_cache.h"

namespace {

// One env for the whole run, with the workspace's .ferry/ made once.
ferry::MemEnv* Env() {
  static ferry::MemEnv* env = [] {
    auto* e = new ferry::MemEnv();
    ferry::Status made = ferry::CreateDirs(e, "/ws/.ferry");
    FUZZ_CHECK(made.ok(), made.ToString());
    return e;
  }();
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = "/ws/.ferry/digests.json";
  {
    auto f = Env()->NewWritableFile(path);
    FUZZ_CHECK(f.ok(), f.status().ToString());
    FUZZ_CHECK((*f)->Append(ferry::fuzz::AsText(data, size)).ok(), path);
    FUZZ_CHECK((*f)->Close().ok(), path);
  }
  ferry::DigestCache cache(Env(), path);
  ferry::Status loaded = cache.Load();
  FUZZ_CHECK(loaded.ok(), loaded.ToString());  // corrupt is a warning, never an error
  ferry::Status saved = cache.Save();
  FUZZ_CHECK(saved.ok(), saved.ToString());

  ferry::DigestCache again(Env(), path);
  FUZZ_CHECK(again.Load().ok(), path);
  FUZZ_CHECK(again.load_warning().empty(), again.load_warning());
  FUZZ_CHECK(again.size() == cache.size(),
             std::to_string(again.size()) + " != " + std::to_string(cache.size()));
  return 0;
}
