// Test support for the `ferry serve` integration tests (header-only: CMake builds only
// *_test.cc in this directory). SampleCatalog writes a small catalog (two users with different
// grants) into a temp dir; the helpers every integration test shares (ServeProcess,
// RunCommand, ReadFile, Md5Hex, ...) live in tests/support/ and are included here.
#ifndef FERRY_TESTS_SERVE_SERVE_FIXTURE_H_
#define FERRY_TESTS_SERVE_SERVE_FIXTURE_H_

#include <httplib.h>
// The tests that include this file use these directly (sockets, signals, threads).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/digests.h"
#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/loopback_port.h"
#include "support/run_command.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace ferry::testing {

// Deterministic pseudo-random bytes that start and end with the parquet magic.
inline std::string FakeParquet(size_t size, unsigned seed) {
  std::string s(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x & 0xff);
  }
  if (size >= 8) {
    s.replace(0, 4, "PAR1");
    s.replace(size - 4, 4, "PAR1");
  }
  return s;
}

// A catalog in a temp dir:
//   tables: orders (sales/orders.parquet), customers, events (dir: events/, two parts),
//           secret (finance/secret.parquet)
//   packages: sales [orders, customers] available; onboarding [customers] required;
//             finance [secret] available
//   memory domain: playbook (two approved items, one required)
//   users: ana (token "tok-ana"): grants sales, onboarding, playbook, tables [events];
//          stack sales, playbook, events
//          bo (token "tok-bo"): grants finance, onboarding; stack finance
class SampleCatalog {
 public:
  SampleCatalog() {
    WriteFile(Data("sales/orders.parquet"), FakeParquet(300'000, 1));
    WriteFile(Data("sales/customers.parquet"), FakeParquet(50'000, 2));
    WriteFile(Data("finance/secret.parquet"), FakeParquet(10'000, 3));
    WriteFile(Data("events/2026/01.parquet"), FakeParquet(7'000, 4));
    WriteFile(Data("events/02.parquet"), FakeParquet(9'000, 5));
    WriteFile(dir_.Join("memory/playbook/a.md"),
              "---\nid: a\ntitle: Alpha\nstatus: approved\nis_required: true\n---\nAlpha body\n");
    WriteFile(dir_.Join("memory/playbook/b.md"),
              "---\nid: b\ntitle: Beta\nstatus: approved\n---\nBeta body\n");
    WriteCatalog(Yaml());
  }

  std::string Yaml(const std::string& extra_tables = "") const {
    return "root: ./data\n"
           "tables:\n"
           "  - {id: orders, name: orders, file: sales/orders.parquet, query_mode: local}\n"
           "  - {id: customers, file: sales/customers.parquet}\n"
           "  - {id: secret, file: finance/secret.parquet}\n"
           "  - {id: events, dir: events/}\n" +
           extra_tables +
           "packages:\n"
           "  - {slug: sales, name: Sales, description: Sales data, tables: [orders, "
           "customers]}\n"
           "  - {slug: onboarding, name: Onboarding, requirement: required, tables: "
           "[customers]}\n"
           "  - {slug: finance, name: Finance, tables: [secret]}\n"
           "memory_domains:\n"
           "  - {slug: playbook, name: Playbook, description: How we work, items_dir: "
           "memory/playbook}\n"
           "users:\n"
           "  - name: ana\n"
           "    token_sha256: " +
           HashHex(HashAlgorithm::kSha256, "tok-ana") +
           "\n"
           "    grants: {packages: [sales, onboarding], memory_domains: [playbook], tables: "
           "[events]}\n"
           "    stack: {packages: [sales], memory_domains: [playbook], direct_tables: [events]}\n"
           "  - name: bo\n"
           "    token_sha256: " +
           HashHex(HashAlgorithm::kSha256, "tok-bo") +
           "\n"
           "    grants: {packages: [finance, onboarding]}\n"
           "    stack: {packages: [finance]}\n";
  }

  // Writes the catalog atomically (rename), as an editor or deploy script would.
  void WriteCatalog(const std::string& yaml) const {
    WriteFile(catalog() + ".tmp", yaml);
    std::filesystem::rename(catalog() + ".tmp", catalog());
  }

  std::string catalog() const { return dir_.Join("catalog.yaml"); }
  std::string Data(const std::string& rel) const { return dir_.Join("data/" + rel); }
  std::string Join(const std::string& rel) const { return dir_.Join(rel); }
  std::vector<std::string> ServeArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {"--catalog", catalog(), "--listen", "127.0.0.1:0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

 private:
  TempDir dir_;
};

inline httplib::Headers Auth(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SERVE_SERVE_FIXTURE_H_
