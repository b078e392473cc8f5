// Fuzzes DigestCache::Load (src/store/digest_cache.h): .ferry/digests.json, which a crash, a
// full disk or a user may have mangled. A corrupt cache must load as an empty or partial one,
// never fail the pull; the file lives in a MemEnv, so the fuzzer never touches the disk.
//
// The loaded entries are then used as a pull uses them (Md5Of, Refresh), since their numbers
// feed the racy-window arithmetic. Beyond "no crash": what Load kept, Save writes back so
// that the next Load keeps all of it without a warning (a cache that re-warns on every pull
// would never heal).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "fuzz/fuzz_util.h"
#include "store/digest_cache.h"

namespace {

// A file the loaded entries may describe. Made once and never touched, so its stat is fixed
// (device 0x6d656d00, the process's first MemEnv; inode 4; 4 bytes; mtime = ctime =
// MemEnv::kClockStartUnixNanos): fuzz/make_corpus.py writes a seed whose entry matches it.
constexpr char kFile[] = "/ws/orders.parquet";

// One env for the whole run, with the workspace's .ferry/ and kFile made once.
ferry::MemEnv* Env() {
  static ferry::MemEnv* env = [] {
    auto* e = new ferry::MemEnv();
    ferry::Status made = ferry::CreateDirs(e, "/ws/.ferry");
    FUZZ_CHECK(made.ok(), made.ToString());
    auto f = e->NewWritableFile(kFile);
    FUZZ_CHECK(f.ok() && (*f)->Append("PAR1").ok() && (*f)->Close().ok(), kFile);
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
  // The loaded entries in use: a lookup (trusted or re-hashed) and a refresh of all of them.
  // Only when kFile has an entry: a re-hash allocates a 1 MiB buffer, which would cost most
  // of an execution for inputs that never name the file.
  if (cache.Lookup(kFile).has_value()) {
    ferry::Result<std::string> md5 = cache.Md5Of(kFile);
    FUZZ_CHECK(md5.ok(), md5.status().ToString());
  }
  cache.Refresh("/ws");
  ferry::Status saved = cache.Save();
  FUZZ_CHECK(saved.ok(), saved.ToString());

  ferry::DigestCache again(Env(), path);
  FUZZ_CHECK(again.Load().ok(), path);
  FUZZ_CHECK(again.load_warning().empty(), again.load_warning());
  FUZZ_CHECK(again.size() == cache.size(),
             std::to_string(again.size()) + " != " + std::to_string(cache.size()));
  return 0;
}
