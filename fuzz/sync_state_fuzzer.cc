// Fuzzes LoadSyncState (src/store/sync_state.h): sync_state.json, which the seed engine, a
// user's editor or a torn disk may have written. The file lives in a MemEnv, so the fuzzer
// never touches the disk.
//
// Beyond "no crash": a state that loads must survive SaveSyncState's text unchanged, since
// every pull writes back what it read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "fuzz/fuzz_util.h"
#include "store/sync_state.h"

namespace {

ferry::MemEnv* Env() {
  static ferry::MemEnv* env = new ferry::MemEnv();
  return env;
}

void Write(const std::string& path, std::string_view text) {
  auto f = Env()->NewWritableFile(path);
  FUZZ_CHECK(f.ok(), f.status().ToString());
  FUZZ_CHECK((*f)->Append(text).ok(), path);
  FUZZ_CHECK((*f)->Close().ok(), path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = "/sync_state.json";
  Write(path, ferry::fuzz::AsText(data, size));
  std::vector<std::string> warnings;
  ferry::Result<ferry::SyncState> state = ferry::LoadSyncState(Env(), path, &warnings);
  if (!state.ok()) return 0;

  const std::string text = ferry::SyncStateText(*state);
  const std::string saved = "/saved_sync_state.json";
  Write(saved, text);
  ferry::Result<ferry::SyncState> again = ferry::LoadSyncState(Env(), saved, nullptr);
  FUZZ_CHECK(again.ok(), again.status().ToString() + "\n" + text);
  FUZZ_CHECK(again->direct_tables == state->direct_tables, text);
  FUZZ_CHECK(again->data_packages == state->data_packages, text);
  FUZZ_CHECK(again->memory_domains == state->memory_domains, text);
  FUZZ_CHECK(again->last_sync_unix == state->last_sync_unix, text);
  return 0;
}
