// Test helpers for the pull engine's unit tests (header-only, included by *_test.cc only):
// a FakeCatalog that scripts a ScriptedHttpClient like the catalog server of PROTOCOL.md
// (single-file and partitioned tables), and the invariant checker of seed 002 (the four
// invariants, plus byte checks of every reference and every canonical).
#ifndef FERRY_PULL_PULL_TEST_UTIL_H_
#define FERRY_PULL_PULL_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/mem_env.h"
#include "base/path.h"
#include "ferry/env.h"
#include "net/scripted_http_client.h"
#include "net/url.h"
#include "store/sync_state.h"
#include "store/workspace_layout.h"
#include "support/digests.h"

namespace ferry::pull::testing {

inline constexpr char kServer[] = "http://catalog.test";

using ferry::testing::Md5Hex;

// Deterministic "parquet" bytes per (id, version): PAR1 at both ends, so the magic check
// passes too.
inline std::string TableBytes(const std::string& id, int version) {
  return "PAR1|id=" + id + "|v=" + std::to_string(version) + "|" +
         std::string(static_cast<size_t>(100 + (version * 37 + id.size() * 11) % 300), 'x') +
         "|PAR1";
}

inline std::string BundleBytes(const std::string& slug, int version) {
  return "# " + slug + "\n\nversion " + std::to_string(version) + "\n";
}

// A partitioned table's parts: path inside the table's directory -> bytes.
using PartBytes = std::map<std::string, std::string>;

// The text ReadReference (below) gives for a directory holding `parts`: "<name>=<bytes>;"
// over the sorted entries of each directory level, a subdirectory's text nested in its own.
inline std::string PartsText(const PartBytes& parts) {
  std::map<std::string, PartBytes> subdirs;
  std::map<std::string, std::string> entries;  // name -> text, sorted as ListDir lists them
  for (const auto& [path, bytes] : parts) {
    const size_t slash = path.find('/');
    if (slash == std::string::npos) {
      entries[path] = bytes;
    } else {
      subdirs[path.substr(0, slash)][path.substr(slash + 1)] = bytes;
    }
  }
  for (const auto& [name, sub] : subdirs) entries[name] = PartsText(sub);
  std::string out;
  for (const auto& [name, text] : entries) out += name + "=" + text + ";";
  return out;
}

// The server side: tables (id -> bytes; a partitioned table's PartsText), bundles (slug -> bytes)
// and the manifest document.
class FakeCatalog {
 public:
  explicit FakeCatalog(ScriptedHttpClient* http) : http_(http) {}

  std::string TableUrl(const std::string& id) const {
    return std::string(kServer) + "/api/data/" + id + "/download";
  }
  std::string BundleUrl(const std::string& slug) const {
    return std::string(kServer) + "/api/memory/bundle?domain=" + slug;
  }
  std::string ManifestUrl() const { return std::string(kServer) + "/api/sync/manifest"; }

  void SetTable(const std::string& id, const std::string& bytes) {
    tables_[id] = bytes;
    http_->ScriptBody(TableUrl(id), bytes);
  }
  void SetBundle(const std::string& slug, const std::string& bytes) {
    bundles_[slug] = bytes;
    http_->ScriptBody(BundleUrl(slug), bytes);
  }
  // A partitioned table: each part served at <table url>?part=<path>, as ferry serve does.
  void SetPartitionedTable(const std::string& id, const PartBytes& parts) {
    tables_[id] = PartsText(parts);
    parts_[id] = parts;
    for (const auto& [path, bytes] : parts) {
      http_->ScriptBody(TableUrl(id) + "?part=" + UrlEncodeQueryValue(path), bytes);
    }
  }
  // The bytes a reference to `id` shows (ReadReference's text for a partitioned table).
  const std::string& table(const std::string& id) const { return tables_.at(id); }
  const std::string& bundle(const std::string& slug) const { return bundles_.at(slug); }

  // Entry for a table whose bytes are set.
  nlohmann::json Entry(const std::string& id, const std::string& name) const {
    if (auto p = parts_.find(id); p != parts_.end()) {
      nlohmann::json parts = nlohmann::json::array();
      for (const auto& [path, bytes] : p->second) {
        parts.push_back({{"path", path}, {"md5", Md5Hex(bytes)}, {"size_bytes", bytes.size()}});
      }
      return {{"id", id}, {"name", name}, {"query_mode", "local"}, {"parts", parts}};
    }
    return {{"id", id},
            {"name", name},
            {"md5", Md5Hex(tables_.at(id))},
            {"size_bytes", tables_.at(id).size()},
            {"query_mode", "local"}};
  }
  nlohmann::json Domain(const std::string& slug) const {
    return {{"slug", slug}, {"name", slug}, {"md5", Md5Hex(bundles_.at(slug))}};
  }

  void SetManifest(const nlohmann::json& direct, const nlohmann::json& packages,
                   const nlohmann::json& domains) {
    manifest_ = {{"server_time", "2026-01-01T00:00:00+00:00"},
                 {"tables", nlohmann::json::object()},
                 {"direct_tables", direct},
                 {"data_packages", packages},
                 {"memory_domains", domains}};
    http_->ScriptBody(ManifestUrl(), manifest_.dump());
  }
  const nlohmann::json& manifest() const { return manifest_; }

 private:
  ScriptedHttpClient* http_;
  std::map<std::string, std::string> tables_;
  std::map<std::string, PartBytes> parts_;  // partitioned tables only
  std::map<std::string, std::string> bundles_;
  nlohmann::json manifest_;
};

inline nlohmann::json Package(const std::string& slug, nlohmann::json tables) {
  return {{"id", "id_" + slug}, {"slug", slug}, {"name", slug}, {"tables", std::move(tables)}};
}

inline std::string ReadAll(Env* env, const std::string& path) {
  Result<std::string> s = ReadFileToString(env, path, 1u << 30);
  return s.ok() ? *s : std::string("<unreadable: ") + s.status().message() + ">";
}

// The bytes a reference exposes: the file (through a symlink), or for a directory the
// concatenation "<part>=<bytes>;" over its sorted files.
inline std::string ReadReference(Env* env, const std::string& path) {
  Result<FileInfo> info = env->Stat(path);
  if (!info.ok()) return "<missing>";
  if (!info->is_directory()) return ReadAll(env, path);
  std::string out;
  Result<std::vector<DirEntry>> entries = env->ListDir(path);
  if (!entries.ok()) return "<unlistable>";
  for (const DirEntry& e : *entries) {
    out += e.name + "=" + ReadReference(env, JoinPath(path, e.name)) + ";";
  }
  return out;
}

// What the workspace must contain after a successful pull of `manifest` (whose tables' bytes
// are in `catalog`): seed 002's four invariants, plus every reference and bundle holding the
// manifest's exact bytes. Adds a gtest failure per violation.
inline void ExpectInvariants(Env* env, const WorkspaceLayout& layout, const FakeCatalog& catalog,
                             const std::string& where) {
  SCOPED_TRACE(where);
  std::vector<std::string> warnings;
  Result<SyncState> st = LoadSyncState(env, layout.state_path(), &warnings);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  const nlohmann::json& m = catalog.manifest();

  // Expected references: ref path -> table id.
  std::map<std::string, std::string> want;
  for (const auto& t : m["direct_tables"]) {
    want[layout.reference_path(layout.direct_dir(), t["name"].get<std::string>())] = t["id"];
  }
  for (const auto& p : m["data_packages"]) {
    for (const auto& t : p["tables"]) {
      want[layout.reference_path(layout.package_dir(p["slug"].get<std::string>()),
                                 t["name"].get<std::string>())] = t["id"];
    }
  }
  // Invariant 2 (no broken references) + state == manifest.
  std::set<std::string> state_refs, state_shared;
  for (const TableRef* r : AllReferences(*st)) {
    state_refs.insert(r->ref_path);
    state_shared.insert(r->shared_path);
    Result<bool> shared_exists = PathExists(env, r->shared_path);
    EXPECT_TRUE(shared_exists.ok() && *shared_exists)
        << "broken reference: " << r->ref_path << " -> " << r->shared_path;
    auto w = want.find(r->ref_path);
    EXPECT_NE(w, want.end()) << "state has a reference the manifest does not: " << r->ref_path;
    if (w != want.end()) {
      EXPECT_EQ(r->table_id, w->second);
      EXPECT_EQ(ReadReference(env, r->ref_path), catalog.table(w->second))
          << "wrong bytes under " << r->ref_path;
      // The canonical itself is whole: a reference by copy or hardlink hides a canonical
      // that lost parts, and the next link from it would not.
      EXPECT_EQ(ReadReference(env, r->shared_path), catalog.table(w->second))
          << "wrong bytes in the canonical " << r->shared_path;
    }
  }
  for (const auto& [ref, id] : want) {
    EXPECT_TRUE(state_refs.count(ref)) << "manifest reference missing from state: " << ref;
  }
  // Invariant 1: no orphan canonicals.
  Result<std::vector<DirEntry>> shared = env->ListDir(layout.shared_dir());
  if (shared.ok()) {
    for (const DirEntry& e : *shared) {
      EXPECT_TRUE(state_shared.count(JoinPath(layout.shared_dir(), e.name)))
          << "orphan _shared entry: " << e.name;
    }
  }
  // Invariant 3: every entry in a non-_shared data subdirectory is a state reference.
  Result<std::vector<DirEntry>> subs = env->ListDir(layout.data_dir());
  if (subs.ok()) {
    for (const DirEntry& d : *subs) {
      if (d.type != FileType::kDirectory || d.name == "_shared") continue;
      Result<std::vector<DirEntry>> files = env->ListDir(JoinPath(layout.data_dir(), d.name));
      ASSERT_TRUE(files.ok());
      for (const DirEntry& f : *files) {
        const std::string p = JoinPath(JoinPath(layout.data_dir(), d.name), f.name);
        EXPECT_TRUE(state_refs.count(p)) << "untracked file under data/: " << p;
      }
    }
  }
  // Invariant 4: memory bundles <-> stack, with the stack's bytes.
  std::set<std::string> want_domains, have_domains;
  for (const auto& d : m["memory_domains"]) want_domains.insert(d["slug"].get<std::string>());
  Result<std::vector<DirEntry>> mem = env->ListDir(layout.memory_dir());
  if (mem.ok()) {
    for (const DirEntry& d : *mem) have_domains.insert(d.name);
  }
  EXPECT_EQ(have_domains, want_domains) << "memory bundle/stack mismatch";
  for (const std::string& slug : want_domains) {
    EXPECT_EQ(ReadAll(env, layout.bundle_path(slug)), catalog.bundle(slug));
  }
  std::set<std::string> state_domains;
  for (const auto& [slug, e] : st->memory_domains) state_domains.insert(slug);
  EXPECT_EQ(state_domains, want_domains);
}

// A link order and what the crash leaves (MemEnv::CrashOutcome): the parameter of the pull
// crash tests, which run every case under every link order and both crash outcomes.
struct CrashCase {
  const char* order;
  MemEnv::CrashOutcome outcome;
};

inline std::vector<CrashCase> AllCrashCases() {
  std::vector<CrashCase> cases;
  for (MemEnv::CrashOutcome outcome :
       {MemEnv::CrashOutcome::kKernelKeptEverything, MemEnv::CrashOutcome::kLoseUnsynced}) {
    for (const char* order : {"symlink", "hardlink", "reflink,symlink,hardlink,copy", "copy"}) {
      cases.push_back(CrashCase{order, outcome});
    }
  }
  return cases;
}

// "symlink_LoseUnsynced": the first link of the order and the outcome.
inline std::string CrashCaseName(const ::testing::TestParamInfo<CrashCase>& info) {
  std::string n = info.param.order;
  return n.substr(0, n.find(',')) + (info.param.outcome == MemEnv::CrashOutcome::kLoseUnsynced
                                         ? "_LoseUnsynced"
                                         : "_KernelKeptAll");
}

}  // namespace ferry::pull::testing

#endif  // FERRY_PULL_PULL_TEST_UTIL_H_
