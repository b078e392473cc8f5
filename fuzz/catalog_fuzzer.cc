// Fuzzes LoadCatalog (src/serve/catalog.h): the catalog YAML that `ferry serve` reads at start
// and on every reload, written by hand by whoever runs the server.
//
// LoadCatalog reads through an Env (the real disk in `ferry serve`); here it reads a MemEnv made
// once per process: a copy of the demo catalog's layout under /srv (empty table files, one
// valid memory item per domain), so the seeds made from demo/catalog.yaml get past the file
// checks into packages, domains and users. Each input is written to /srv/catalog.yaml;
// LoadCatalog only reads, so the tree stays the same from one input to the next, and no input
// touches the disk.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "fuzz/fuzz_util.h"
#include "serve/catalog.h"

namespace {

constexpr const char* kScratch = "/srv";
ferry::MemEnv* env = nullptr;

void WriteText(const std::string& path, const std::string& text) {
  ferry::Status s = ferry::WriteFileAtomically(env, path, text, 0644);
  FUZZ_CHECK(s.ok(), "cannot write " + path + ": " + s.message());
}

void MakeDir(const std::string& path) {
  FUZZ_CHECK(env->CreateDir(path, 0755).ok(), "cannot create " + path);
}

// The demo's tree (demo/): data/ with the tables demo/catalog.yaml names, memory/ with its two
// domains.
void MakeScratch() {
  env = new ferry::MemEnv();  // lives as long as the process
  const std::string scratch_dir = kScratch;
  MakeDir(scratch_dir);
  for (const char* dir : {"data", "data/sales", "data/finance", "data/events", "data/events/2024",
                          "data/events/2025", "memory", "memory/playbook", "memory/glossary"}) {
    MakeDir(scratch_dir + "/" + dir);
  }
  for (const char* file :
       {"sales/orders.parquet", "sales/customers.parquet", "finance/invoices.parquet",
        "finance/fx_rates.parquet", "finance/payments_raw.parquet", "events/2024/part-0.parquet",
        "events/2025/part-0.parquet", "events/2025/part-1.parquet"}) {
    WriteText(scratch_dir + "/data/" + file, "PAR1");
  }
  WriteText(scratch_dir + "/memory/playbook/refunds.md",
            "---\nid: pb-001\ntitle: Refunds\nstatus: approved\nis_required: true\n---\nBody.\n");
  WriteText(scratch_dir + "/memory/glossary/arr.md",
            "---\nid: gl-001\ntitle: ARR\nstatus: approved\n---\nAnnual recurring revenue.\n");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MakeScratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = std::string(kScratch) + "/catalog.yaml";
  WriteText(path, std::string(ferry::fuzz::AsText(data, size)));
  ferry::Result<std::shared_ptr<const ferry::serve::Catalog>> loaded =
      ferry::serve::LoadCatalog(env, path);
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
