#include "support/thread_state.h"

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace ferry::testing {
namespace {

// The state letter of /proc/self/task/<tid>/stat (after the ")" that ends the name), or 0.
char ThreadState(long tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

}  // namespace

bool WaitUntilThreadSleeps(const std::atomic<long>* tid, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    const long id = tid->load();
    if (id != 0 && ThreadState(id) == 'S') return true;
    std::this_thread::yield();  // the state changes by itself; nothing to wait on but it
  }
  return false;
}

}  // namespace ferry::testing
