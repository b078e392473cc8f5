// The pull engine end to end on MemEnv + ScriptedHttpClient: every scenario of seed 002
// (randomized invariants, idempotent re-pull, shared table across packages, memory-domain
// lifecycle) and the behaviours of issue 3 (updated counts, remote entries, wrong bytes,
// resume, 401, malformed manifest, corrupt state, foreign files, partitioned tables, lock).
#include "pull/pull_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "base/fault_injection_env.h"
#include "base/mem_env.h"
#include "pull/disk_budget.h"
#include "pull/pull_test_util.h"
#include "store/content_store.h"
#include "store/workspace_lock.h"

namespace ferry::pull {
namespace {

using nlohmann::json;
using testing::BundleBytes;
using testing::ExpectInvariants;
using testing::FakeCatalog;
using testing::Md5Hex;
using testing::Package;
using testing::ReadAll;
using testing::TableBytes;

constexpr char kRoot[] = "/ws";

class PullEngineTest : public ::testing::Test {
 protected:
  PullEngineTest() : catalog_(&http_), layout_(kRoot) {}

  PullOptions Options(Env* env_unused = nullptr) {
    (void)env_unused;
    PullOptions o;
    o.workspace = kRoot;
    o.server_url = testing::kServer;
    o.token = "secret";
    o.jobs = 3;
    o.retry.initial_backoff_ms = 1;
    o.link_order = order_;
    return o;
  }

  // Pulls on `env` (default: the MemEnv), advancing the clock first so digest cache entries
  // of the previous pull are not "racy" (as between two real pulls a few seconds apart).
  Result<PullOutcome> Pull(Env* env = nullptr, PullOptions* opts = nullptr) {
    mem_.AdvanceClock(10'000'000'000);
    PullOptions o = opts ? *opts : Options();
    return RunPull(env ? env : &mem_, &http_, o);
  }

  PullOutcome PullOk(Env* env = nullptr) {
    Result<PullOutcome> r = Pull(env);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    return std::move(r).value();
  }

  size_t Downloads() const {
    size_t n = 0;
    for (const HttpRequest& r : http_.requests()) {
      if (r.url.find("/api/data/") != std::string::npos) ++n;
    }
    return n;
  }

  MemEnv mem_;
  ScriptedHttpClient http_;
  FakeCatalog catalog_;
  WorkspaceLayout layout_;
  std::vector<LinkStrategy> order_ = DefaultLinkOrder();
};

// ---------------------------------------------------------------------------------------
// Seed 002: test_pull_invariants_property, over several seeds and every link strategy.

struct PropertyCase {
  const char* order;
  uint32_t seed;
};

class PullPropertyTest : public PullEngineTest,
                         public ::testing::WithParamInterface<PropertyCase> {};

TEST_P(PullPropertyTest, InvariantsHoldAfterEveryPullOfARandomManifestSequence) {
  order_ = *ParseLinkOrder(GetParam().order);
  std::mt19937 rng(GetParam().seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<>(lo, hi)(rng); };
  const std::vector<std::string> pool = {"tbl_a", "tbl_b", "tbl_c", "tbl_d", "tbl_e", "tbl_f"};
  std::map<std::string, int> version;
  auto sample = [&](int k) {
    std::vector<std::string> v = pool;
    std::shuffle(v.begin(), v.end(), rng);
    v.resize(k);
    return v;
  };

  for (int step = 0; step < 8; ++step) {
    // Pass 1: membership and the version of every table named (one md5 per id per manifest).
    std::vector<std::string> direct = sample(pick(0, 3));
    std::vector<std::pair<std::string, std::vector<std::string>>> pkgs;
    int n_pkgs = pick(0, 3);
    for (int i = 0; i < n_pkgs; ++i) pkgs.push_back({"pkg" + std::to_string(i), sample(pick(1, 3))});
    std::set<std::string> named(direct.begin(), direct.end());
    for (auto& [slug, ts] : pkgs) named.insert(ts.begin(), ts.end());
    for (const std::string& id : named) {
      int& v = version[id];
      if (v == 0) v = 1;
      if (chance(0.3)) ++v;
      catalog_.SetTable(id, TableBytes(id, v));
    }
    // Pass 2: entries. Occasionally a table swaps packages by name (same name, other id).
    json jdirect = json::array();
    for (const std::string& id : direct) jdirect.push_back(catalog_.Entry(id, id.substr(4)));
    json jpkgs = json::array();
    for (auto& [slug, ts] : pkgs) {
      json tables = json::array();
      for (const std::string& id : ts) tables.push_back(catalog_.Entry(id, id.substr(4)));
      jpkgs.push_back(Package(slug, tables));
    }
    json jdomains = json::array();
    for (const std::string slug : {"ops", "finance", "ml"}) {
      if (!chance(0.5)) continue;
      int& v = version["dom_" + slug];
      if (v == 0) v = 1;
      if (chance(0.3)) ++v;
      catalog_.SetBundle(slug, BundleBytes(slug, v));
      jdomains.push_back(catalog_.Domain(slug));
    }
    catalog_.SetManifest(jdirect, jpkgs, jdomains);

    PullOutcome out = PullOk();
    EXPECT_EQ(out.report.total_errors(), 0);
    EXPECT_TRUE(out.report.invariant_violations.empty())
        << out.report.invariant_violations.front();
    ExpectInvariants(&mem_, layout_, catalog_, "step " + std::to_string(step));
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(
    SeedsAndStrategies, PullPropertyTest,
    ::testing::Values(PropertyCase{"reflink,symlink,hardlink,copy", 42},
                      PropertyCase{"reflink,symlink,hardlink,copy", 1337},
                      PropertyCase{"symlink", 2024}, PropertyCase{"symlink", 7},
                      PropertyCase{"hardlink", 99}, PropertyCase{"hardlink", 4242},
                      PropertyCase{"copy", 5}, PropertyCase{"copy", 77},
                      PropertyCase{"symlink", 31337}, PropertyCase{"hardlink", 8}));

// ---------------------------------------------------------------------------------------
// Seed 002: test_pull_invariants_idempotent_repull — and "touches no file".

TEST_F(PullEngineTest, IdempotentRepullReportsZeroChangesAndTouchesNoFile) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetBundle("ops", BundleBytes("ops", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}),
                       json::array({Package("sales", json::array({catalog_.Entry("tbl_a", "a"),
                                                                   catalog_.Entry("tbl_b", "b")}))}),
                       json::array({catalog_.Domain("ops")}));
  PullOutcome first = PullOk();
  EXPECT_EQ(first.report.direct_tables.added, 1);
  EXPECT_EQ(first.report.data_packages.added, 2);
  EXPECT_EQ(first.report.memory_domains.added, 1);
  EXPECT_EQ(Downloads(), 2u);  // tbl_a once, although three... two references want it
  ExpectInvariants(&mem_, layout_, catalog_, "first");

  FaultInjectionEnv watch(&mem_);
  const size_t requests_before = http_.requests().size();
  PullOutcome second = PullOk(&watch);
  EXPECT_EQ(second.report.total_changes(), 0);
  EXPECT_EQ(second.report.total_errors(), 0);
  EXPECT_EQ(second.report.bytes_downloaded, 0u);
  // The very first no-op pull already reads no file bytes: downloads are stamped with a past
  // mtime before their digest is recorded, so no entry is racy.
  EXPECT_EQ(second.report.bytes_hashed, 0u) << "a no-op pull must read no file bytes";
  EXPECT_TRUE(second.plan.empty());
  for (const std::string& step : watch.log()) {
    EXPECT_EQ(step.find("/ws/data/"), std::string::npos) << "no-op pull wrote: " << step;
    EXPECT_EQ(step.find("/ws/memory/"), std::string::npos) << "no-op pull wrote: " << step;
  }
  // Only the manifest was requested.
  ASSERT_EQ(http_.requests().size(), requests_before + 1);
  EXPECT_EQ(http_.requests().back().url, catalog_.ManifestUrl());
  ExpectInvariants(&mem_, layout_, catalog_, "second");
}

// "A no-op pull of a 10 GB workspace reads no file bytes", for every link strategy, with the
// no-op pull in the same clock tick as the cold one (no time for entries to stop being racy),
// plain and partitioned tables, a table shared by two references (a hardlink moves the
// canonical's ctime).
class NoOpPullTest : public PullEngineTest,
                     public ::testing::WithParamInterface<const char*> {};

TEST_P(NoOpPullTest, FirstNoOpPullAfterAColdPullReadsNoFileBytes) {
  order_ = *ParseLinkOrder(GetParam());
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  const std::string p1 = "PAR1 part one PAR1", p2 = "PAR1 part two PAR1";
  http_.ScriptBody(catalog_.TableUrl("events") + "?part=a%2F01.parquet", p1);
  http_.ScriptBody(catalog_.TableUrl("events") + "?part=a%2F02.parquet", p2);
  json events = {{"id", "events"},
                 {"name", "events"},
                 {"parts", json::array({{{"path", "a/01.parquet"}, {"md5", Md5Hex(p1)}, {"size_bytes", p1.size()}},
                                        {{"path", "a/02.parquet"}, {"md5", Md5Hex(p2)}, {"size_bytes", p2.size()}}})}};
  catalog_.SetManifest(
      json::array({catalog_.Entry("tbl_a", "a")}),
      json::array({Package("sales", json::array({catalog_.Entry("tbl_a", "a"),
                                                 catalog_.Entry("tbl_b", "b"), events})),
                   Package("logs", json::array({events}))}),
      json::array());
  PullOptions o = Options();
  Result<PullOutcome> cold = RunPull(&mem_, &http_, o);
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  ASSERT_EQ(cold->report.total_errors(), 0);
  ASSERT_EQ(cold->report.data_packages.added, 4);
  Result<PullOutcome> noop = RunPull(&mem_, &http_, o);  // no clock advance at all
  ASSERT_TRUE(noop.ok()) << noop.status().ToString();
  EXPECT_EQ(noop->report.total_changes(), 0);
  EXPECT_TRUE(noop->plan.empty());
  EXPECT_EQ(noop->report.bytes_hashed, 0u) << "a no-op pull must read no file bytes";
}

INSTANTIATE_TEST_SUITE_P(EveryLinkStrategy, NoOpPullTest,
                         ::testing::Values("reflink", "symlink", "hardlink", "copy"));

// ---------------------------------------------------------------------------------------
// Seed 002: test_pull_invariants_remove_with_overlap_preserves_shared.

TEST_F(PullEngineTest, DropPackageKeepsTableSharedWithAnotherAndBothDropsRemoveIt) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  const json a = catalog_.Entry("tbl_a", "a");
  catalog_.SetManifest(json::array(),
                       json::array({Package("p1", json::array({a})), Package("p2", json::array({a}))}),
                       json::array());
  PullOk();
  const std::string shared = layout_.shared_path("tbl_a");
  ASSERT_TRUE(*PathExists(&mem_, shared));
  EXPECT_EQ(Downloads(), 1u);
  ExpectInvariants(&mem_, layout_, catalog_, "both");

  catalog_.SetManifest(json::array(), json::array({Package("p1", json::array({a}))}), json::array());
  PullOutcome drop_one = PullOk();
  EXPECT_EQ(drop_one.report.data_packages.removed, 1);
  EXPECT_TRUE(*PathExists(&mem_, shared)) << "shared parquet must survive while p1 holds it";
  EXPECT_FALSE(*PathExists(&mem_, layout_.package_dir("p2")));
  ExpectInvariants(&mem_, layout_, catalog_, "p1 only");

  catalog_.SetManifest(json::array(), json::array(), json::array());
  PullOutcome drop_both = PullOk();
  EXPECT_EQ(drop_both.report.data_packages.removed, 1);
  EXPECT_FALSE(*PathExists(&mem_, shared)) << "shared parquet must go when its count hits 0";
  ExpectInvariants(&mem_, layout_, catalog_, "none");
}

TEST_F(PullEngineTest, DroppingManyPackagesAtOnceRemovesEveryReferenceInParallel) {
  // 30 packages of 8 tables; table i is held by packages i%30 and (i+1)%30, so every
  // canonical is shared. Dropping all but package 0 unlinks 29*8 references on `jobs`
  // threads and must remove exactly the canonicals no kept reference names.
  constexpr int kPackages = 30, kPerPackage = 8;
  std::vector<json> tables(kPackages);
  for (int i = 0; i < kPackages * kPerPackage / 2; ++i) {
    const std::string id = "t" + std::to_string(i);
    catalog_.SetTable(id, TableBytes(id, 1));
    for (int p : {i % kPackages, (i + 1) % kPackages}) {
      if (tables[p].size() < kPerPackage) tables[p].push_back(catalog_.Entry(id, id));
    }
  }
  json all = json::array();
  for (int p = 0; p < kPackages; ++p) {
    all.push_back(Package("p" + std::to_string(p), json(tables[p])));
  }
  catalog_.SetManifest(json::array(), all, json::array());
  PullOk();
  ExpectInvariants(&mem_, layout_, catalog_, "all packages");

  catalog_.SetManifest(json::array(), json::array({all[0]}), json::array());
  PullOptions o = Options();
  o.jobs = 6;
  Result<PullOutcome> dropped = Pull(nullptr, &o);
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  int removed_refs = 0;
  for (int p = 1; p < kPackages; ++p) removed_refs += static_cast<int>(tables[p].size());
  EXPECT_EQ(dropped->report.data_packages.removed, removed_refs);
  EXPECT_EQ(dropped->report.total_errors(), 0);
  for (int p = 1; p < kPackages; ++p) {
    EXPECT_FALSE(*PathExists(&mem_, layout_.package_dir("p" + std::to_string(p)))) << p;
  }
  std::set<std::string> kept;
  for (const json& t : tables[0]) kept.insert(t["id"].get<std::string>());
  for (int i = 0; i < kPackages * kPerPackage / 2; ++i) {
    const std::string id = "t" + std::to_string(i);
    EXPECT_EQ(*PathExists(&mem_, layout_.shared_path(id)), kept.count(id) > 0) << id;
  }
  ExpectInvariants(&mem_, layout_, catalog_, "package 0 only");
  // The freed canonicals went through .ferry/trash/, which is empty by the time the pull
  // reports; a leftover of an interrupted pull is emptied by the next one.
  EXPECT_TRUE(mem_.ListDir(layout_.trash_dir()).value().empty());
  ASSERT_TRUE(WriteFileAtomically(&mem_, JoinPath(layout_.trash_dir(), "t9.parquet"), "x").ok());
  PullOk();
  EXPECT_TRUE(mem_.ListDir(layout_.trash_dir()).value().empty());
}

// ---------------------------------------------------------------------------------------
// Seed 002: test_pull_invariants_memory_domain_lifecycle.

TEST_F(PullEngineTest, MemoryDomainLifecycle) {
  catalog_.SetBundle("finance", BundleBytes("finance", 1));
  catalog_.SetManifest(json::array(), json::array(), json::array({catalog_.Domain("finance")}));
  PullOutcome added = PullOk();
  EXPECT_EQ(added.report.memory_domains.added, 1);
  const std::string bundle = layout_.bundle_path("finance");
  EXPECT_EQ(ReadAll(&mem_, bundle), BundleBytes("finance", 1));
  ExpectInvariants(&mem_, layout_, catalog_, "added");

  // Same token: not re-fetched. New token: re-fetched, counted as updated.
  size_t fetches = http_.CountRequests("GET", catalog_.BundleUrl("finance"));
  PullOk();
  EXPECT_EQ(http_.CountRequests("GET", catalog_.BundleUrl("finance")), fetches);
  catalog_.SetBundle("finance", BundleBytes("finance", 2));
  catalog_.SetManifest(json::array(), json::array(), json::array({catalog_.Domain("finance")}));
  PullOutcome updated = PullOk();
  EXPECT_EQ(updated.report.memory_domains.updated, 1);
  EXPECT_EQ(ReadAll(&mem_, bundle), BundleBytes("finance", 2));

  // Missing file: re-fetched even with the same token.
  ASSERT_TRUE(mem_.RemoveFile(bundle).ok());
  PullOk();
  EXPECT_EQ(ReadAll(&mem_, bundle), BundleBytes("finance", 2));

  catalog_.SetManifest(json::array(), json::array(), json::array());
  PullOutcome removed = PullOk();
  EXPECT_EQ(removed.report.memory_domains.removed, 1);
  EXPECT_FALSE(*PathExists(&mem_, bundle));
  EXPECT_FALSE(*PathExists(&mem_, DirName(bundle)));
  ExpectInvariants(&mem_, layout_, catalog_, "removed");
}

// ---------------------------------------------------------------------------------------
// Issue 3 behaviours.

TEST_F(PullEngineTest, UpdatedCountsEveryReferenceOfAChangedTable) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  auto manifest = [&] {
    const json a = catalog_.Entry("tbl_a", "a");
    catalog_.SetManifest(json::array({a}),
                         json::array({Package("p1", json::array({a})),
                                      Package("p2", json::array({a}))}),
                         json::array());
  };
  manifest();
  PullOk();
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 2));
  manifest();
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.direct_tables.updated, 1);
  EXPECT_EQ(out.report.data_packages.updated, 2) << "the seed counts only the first reference";
  EXPECT_EQ(Downloads(), 2u);
  ExpectInvariants(&mem_, layout_, catalog_, "after update");
}

TEST_F(PullEngineTest, RemoteAndServerOnlyTablesDropTheirLocalCopy) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_b", "b")}))}),
                       json::array());
  PullOk();
  json a = catalog_.Entry("tbl_a", "a");
  a["query_mode"] = "remote";
  json b = catalog_.Entry("tbl_b", "b");
  b["server_only"] = true;
  catalog_.SetManifest(json::array({a}), json::array({Package("p", json::array({b}))}),
                       json::array());
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.direct_tables.removed, 1);
  EXPECT_EQ(out.report.data_packages.removed, 1);
  EXPECT_FALSE(*PathExists(&mem_, layout_.reference_path(layout_.direct_dir(), "a")));
  EXPECT_FALSE(*PathExists(&mem_, layout_.shared_path("tbl_a")));
  EXPECT_FALSE(*PathExists(&mem_, layout_.shared_path("tbl_b")));
}

// ferry serve announces a server_only table as remote too (PROTOCOL.md, "Older clients").
TEST_F(PullEngineTest, ServerOnlyTableAnnouncedAsRemoteDropsItsLocalCopy) {
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array(),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_b", "b")}))}),
                       json::array());
  PullOk();
  json b = catalog_.Entry("tbl_b", "b");
  b["server_only"] = true;
  b["query_mode"] = "remote";
  catalog_.SetManifest(json::array(), json::array({Package("p", json::array({b}))}),
                       json::array());
  const size_t downloads = Downloads();
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.data_packages.removed, 1);
  EXPECT_EQ(out.report.total_errors(), 0);
  EXPECT_EQ(Downloads(), downloads);
  EXPECT_FALSE(*PathExists(&mem_, layout_.reference_path(layout_.package_dir("p"), "b")));
  EXPECT_FALSE(*PathExists(&mem_, layout_.shared_path("tbl_b")));
}

TEST_F(PullEngineTest, ManifestRequestSaysThatItDownloadsParts) {
  catalog_.SetManifest(json::array(), json::array(), json::array());
  PullOk();
  const std::vector<HttpRequest> requests = http_.requests();  // a copy: keep it alive
  ASSERT_FALSE(requests.empty());
  const HttpRequest& req = requests.front();
  EXPECT_EQ(req.url, catalog_.ManifestUrl());
  const std::pair<std::string, std::string> features{"X-Ferry-Features", "parts"};
  EXPECT_NE(std::find(req.headers.begin(), req.headers.end(), features), req.headers.end());
}

TEST_F(PullEngineTest, WrongBytesKeepThePreviousFileAndReportThatTable) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array(),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_a", "a"),
                                                              catalog_.Entry("tbl_b", "b")}))}),
                       json::array());
  PullOk();
  // The manifest announces v2 of tbl_a, the server keeps serving v1's bytes; tbl_b changes
  // properly.
  json a2 = catalog_.Entry("tbl_a", "a");
  a2["md5"] = Md5Hex(TableBytes("tbl_a", 2));
  a2["size_bytes"] = TableBytes("tbl_a", 1).size();
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 2));
  catalog_.SetManifest(json::array(),
                       json::array({Package("p", json::array({a2, catalog_.Entry("tbl_b", "b")}))}),
                       json::array());
  size_t before = http_.CountRequests("GET", catalog_.TableUrl("tbl_a"));
  PullOutcome out = PullOk();
  EXPECT_EQ(http_.CountRequests("GET", catalog_.TableUrl("tbl_a")) - before, 3u)
      << "a mismatch is retried twice";
  ASSERT_EQ(out.report.data_packages.errors.size(), 1u);
  EXPECT_EQ(out.report.data_packages.errors[0].name, "a");
  EXPECT_NE(out.report.data_packages.errors[0].error.find("do not verify"), std::string::npos)
      << out.report.data_packages.errors[0].error;
  EXPECT_EQ(out.report.data_packages.updated, 1);  // tbl_b
  // The previous good file and its reference are untouched.
  EXPECT_EQ(ReadAll(&mem_, layout_.shared_path("tbl_a")), TableBytes("tbl_a", 1));
  EXPECT_EQ(ReadAll(&mem_, layout_.reference_path(layout_.package_dir("p"), "a")),
            TableBytes("tbl_a", 1));
  EXPECT_EQ(ReadAll(&mem_, layout_.reference_path(layout_.package_dir("p"), "b")),
            TableBytes("tbl_b", 2));
  std::vector<std::string> w;
  SyncState st = *LoadSyncState(&mem_, layout_.state_path(), &w);
  EXPECT_EQ(st.data_packages["p"]["a"].md5, Md5Hex(TableBytes("tbl_a", 1)));
}

TEST_F(PullEngineTest, InterruptedDownloadResumesWithRange) {
  const std::string bytes = TableBytes("tbl_a", 1) + std::string(5000, 'y') + "PAR1";
  catalog_.SetTable("tbl_a", bytes);
  ScriptedResponse dies;
  dies.body = bytes;
  dies.supports_range = true;
  dies.fail_after_bytes = 1000;
  ScriptedResponse ok;
  ok.body = bytes;
  ok.supports_range = true;
  http_.Script("GET", catalog_.TableUrl("tbl_a"), {dies, ok});
  http_.set_chunk_size(250);
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.total_errors(), 0);
  std::vector<HttpRequest> downloads;
  for (const HttpRequest& r : http_.requests()) {
    if (r.url == catalog_.TableUrl("tbl_a")) downloads.push_back(r);
  }
  ASSERT_EQ(downloads.size(), 2u);
  EXPECT_FALSE(downloads[0].range_first.has_value());
  ASSERT_TRUE(downloads[1].range_first.has_value());
  EXPECT_EQ(*downloads[1].range_first, 1000u);
  EXPECT_EQ(out.report.bytes_downloaded, bytes.size()) << "each byte fetched once";
  EXPECT_EQ(ReadAll(&mem_, layout_.reference_path(layout_.direct_dir(), "a")), bytes);
}

TEST_F(PullEngineTest, TwoHundredToARangeRequestStartsOver) {
  const std::string bytes = TableBytes("tbl_a", 3);
  catalog_.SetTable("tbl_a", bytes);
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  // A stale partial from an earlier run of the same version, with garbage in it.
  const std::string partial =
      std::string(kRoot) + "/.ferry/partial/tbl_a." + Md5Hex(bytes) + ".part";
  ASSERT_TRUE(CreateDirs(&mem_, DirName(partial)).ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, partial, "garbage!").ok());
  ScriptedResponse full;
  full.body = bytes;  // no supports_range: the Range is ignored and 200 comes back
  http_.Script("GET", catalog_.TableUrl("tbl_a"), {full});
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.total_errors(), 0);
  EXPECT_EQ(ReadAll(&mem_, layout_.shared_path("tbl_a")), bytes);
  EXPECT_FALSE(*PathExists(&mem_, partial));
}

TEST_F(PullEngineTest, ServerErrorThenSuccessIsRetried) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  ScriptedResponse boom;
  boom.status = 503;
  boom.body = "busy";
  ScriptedResponse ok;
  ok.body = TableBytes("tbl_a", 1);
  http_.Script("GET", catalog_.TableUrl("tbl_a"), {boom, ok});
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.total_errors(), 0);
  EXPECT_EQ(http_.CountRequests("GET", catalog_.TableUrl("tbl_a")), 2u);
  ExpectInvariants(&mem_, layout_, catalog_, "after retry");
}

TEST_F(PullEngineTest, UnauthorizedIsFinalAndNotRetried) {
  ScriptedResponse denied;
  denied.status = 401;
  http_.Script("GET", catalog_.ManifestUrl(), {denied});
  Result<PullOutcome> r = Pull();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthorized);
  EXPECT_NE(r.status().message().find("refused the token"), std::string::npos);
  EXPECT_EQ(http_.CountRequests("GET", catalog_.ManifestUrl()), 1u);
  ASSERT_EQ(http_.requests().size(), 1u);
  const auto headers = http_.requests()[0].headers;
  ASSERT_EQ(headers.size(), 2u);  // and X-Ferry-Features: ManifestRequestSaysThatItDownloadsParts
  EXPECT_EQ(headers[0].first, "Authorization");
  EXPECT_EQ(headers[0].second, "Bearer secret");
}

TEST_F(PullEngineTest, RedirectIsRefusedNamingTheLocation) {
  ScriptedResponse moved;
  moved.status = 302;
  moved.headers["Location"] = "http://elsewhere.test/manifest";
  http_.Script("GET", catalog_.ManifestUrl(), {moved});
  Result<PullOutcome> r = Pull();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("http://elsewhere.test/manifest"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(http_.requests().size(), 1u) << "never followed";
}

// ---------------------------------------------------------------------------------------
// Issue 9 item 2: downloads are bounded by size_bytes and by the free space.

// What is left under .ferry/partial (names), "" when nothing.
std::string PartialsLeft(Env* env, const WorkspaceLayout& layout) {
  Result<std::vector<DirEntry>> left = env->ListDir(layout.partial_dir());
  std::string names;
  if (!left.ok()) return names;
  for (const DirEntry& e : *left) names += e.name + " ";
  return names;
}

size_t CountOf(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(PullEngineTest, BodyLongerThanSizeBytesIsCutAtTheAnnouncedSizeAndTheOldFileKept) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  PullOk();
  // v2 announces 10 bytes; the server streams 4 MiB (a stand-in for "forever").
  json a2 = catalog_.Entry("tbl_a", "a");
  a2["md5"] = Md5Hex("0123456789");
  a2["size_bytes"] = 10;
  ScriptedResponse flood;
  flood.body = "0123456789" + std::string(4 << 20, 'x');
  http_.Script("GET", catalog_.TableUrl("tbl_a"), {flood});
  http_.set_chunk_size(4);  // the 10th byte and the 11th arrive in one chunk
  catalog_.SetManifest(json::array({a2}), json::array(), json::array());
  PullOutcome out = PullOk();
  EXPECT_LE(out.report.bytes_downloaded, 3u * 10u) << "three attempts, each cut at 10 bytes";
  ASSERT_EQ(out.report.direct_tables.errors.size(), 1u);
  EXPECT_EQ(out.report.direct_tables.errors[0].name, "a");
  EXPECT_NE(out.report.direct_tables.errors[0].error.find(
                "more bytes than the 10 the manifest announces; the transfer was cut there"),
            std::string::npos)
      << out.report.direct_tables.errors[0].error;
  EXPECT_EQ(ReadAll(&mem_, layout_.shared_path("tbl_a")), TableBytes("tbl_a", 1));
  EXPECT_EQ(ReadAll(&mem_, layout_.reference_path(layout_.direct_dir(), "a")),
            TableBytes("tbl_a", 1));
  EXPECT_EQ(PartialsLeft(&mem_, layout_), "");
}

TEST_F(PullEngineTest, PartLongerThanItsSizeBytesIsCutThere) {
  const std::string p1 = "PAR1 part one PAR1";
  const std::string url1 = catalog_.TableUrl("events") + "?part=01.parquet";
  const std::string url2 = catalog_.TableUrl("events") + "?part=02.parquet";
  http_.ScriptBody(url1, p1);
  ScriptedResponse flood;
  flood.body = std::string(1 << 20, 'x');
  http_.Script("GET", url2, {flood});
  json entry = {
      {"id", "events"},
      {"name", "events"},
      {"parts",
       json::array(
           {{{"path", "01.parquet"}, {"md5", Md5Hex(p1)}, {"size_bytes", p1.size()}},
            {{"path", "02.parquet"}, {"md5", Md5Hex("PAR1 two PAR1")}, {"size_bytes", 13}}})}};
  http_.ScriptBody(catalog_.ManifestUrl(), json({{"direct_tables", json::array({entry})},
                                                 {"data_packages", json::array()},
                                                 {"memory_domains", json::array()}})
                                               .dump());
  PullOutcome out = PullOk();
  EXPECT_LE(out.report.bytes_downloaded, p1.size() + 3u * 13u);
  ASSERT_EQ(out.report.direct_tables.errors.size(), 1u);
  EXPECT_NE(out.report.direct_tables.errors[0].error.find("more bytes than the 13"),
            std::string::npos)
      << out.report.direct_tables.errors[0].error;
  EXPECT_FALSE(*PathExists(&mem_, layout_.shared_path("events")));
}

TEST_F(PullEngineTest, NotEnoughFreeSpaceFailsEachTableUpFrontWithOneSummaryLine) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_b", "b")}))}),
                       json::array());
  // A partial of tbl_a from an interrupted run: it goes too (it only holds space).
  const std::string stale =
      layout_.partial_dir() + "/tbl_a." + Md5Hex(TableBytes("tbl_a", 1)) + ".part";
  ASSERT_TRUE(CreateDirs(&mem_, layout_.partial_dir()).ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, stale, "PAR1|id").ok());
  mem_.SetFreeSpace(kFreeSpaceMargin + 50);  // smaller than either table
  PullOutcome out = PullOk();
  EXPECT_EQ(Downloads(), 0u) << "nothing is asked for that cannot be stored";
  EXPECT_EQ(PartialsLeft(&mem_, layout_), "");
  ASSERT_EQ(out.report.total_errors(), 2);
  for (const TypeReport* t : {&out.report.direct_tables, &out.report.data_packages}) {
    ASSERT_EQ(t->errors.size(), 1u);
    EXPECT_EQ(t->errors[0].code, StatusCode::kNoSpace);
    EXPECT_NE(t->errors[0].error.find("not enough disk space for table tbl_"), std::string::npos)
        << t->errors[0].error;
  }
  const std::string text = FormatSyncReportText(out.report);
  EXPECT_EQ(CountOf(text, "error:"), 1u) << text;
  EXPECT_NE(text.find("  error: 2 tables not synced: not enough space on the disk (first: "
                      "not enough disk space for table tbl_"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("plus a 64 MiB margin in /ws/.ferry/partial, which has 64 MiB free); "
                      "free space on that filesystem and run `ferry pull` again"),
            std::string::npos)
      << text;
}

TEST_F(PullEngineTest, DiskFullMidPullRemovesThePartialsAndSumsUpInOneLine) {
  for (const char* id : {"tbl_a", "tbl_b", "tbl_c"}) catalog_.SetTable(id, TableBytes(id, 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a"), catalog_.Entry("tbl_b", "b"),
                                    catalog_.Entry("tbl_c", "c")}),
                       json::array(), json::array());
  FaultInjectionEnv faulty(&mem_);
  faulty.FailNth(FaultOp::kAppend, 1, StatusCode::kNoSpace);  // the first table's first bytes
  PullOptions o = Options();
  o.jobs = 1;
  Result<PullOutcome> r = Pull(&faulty, &o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Downloads(), 1u) << "no download starts after the disk refused one";
  EXPECT_EQ(PartialsLeft(&mem_, layout_), "");
  ASSERT_EQ(r->report.direct_tables.errors.size(), 3u);
  for (const EntryErrorReport& e : r->report.direct_tables.errors) {
    EXPECT_EQ(e.code, StatusCode::kNoSpace) << e.error;
  }
  const std::string text = FormatSyncReportText(r->report);
  EXPECT_EQ(CountOf(text, "error:"), 1u) << text;
  EXPECT_NE(text.find("  error: 3 tables not synced: not enough space on the disk (first: "
                      "download of table tbl_"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(".part: No space left on device (injected)); free space on that "
                      "filesystem and run `ferry pull` again (what synced is kept)\n"),
            std::string::npos)
      << text;
  // Once there is room, the next pull gets everything.
  PullOutcome again = PullOk();
  EXPECT_EQ(again.report.total_errors(), 0);
  ExpectInvariants(&mem_, layout_, catalog_, "after the disk was freed");
}

TEST_F(PullEngineTest, PermissionDeniedMidPullSumsUpInOneLine) {
  for (const char* id : {"tbl_a", "tbl_b"}) catalog_.SetTable(id, TableBytes(id, 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a"), catalog_.Entry("tbl_b", "b")}),
                       json::array(), json::array());
  FaultInjectionEnv faulty(&mem_);
  faulty.FailNth(FaultOp::kOpenWrite, 1, StatusCode::kPermissionDenied);
  PullOptions o = Options();
  o.jobs = 1;
  Result<PullOutcome> r = Pull(&faulty, &o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(PartialsLeft(&mem_, layout_), "");
  ASSERT_EQ(r->report.direct_tables.errors.size(), 2u);
  const std::string text = FormatSyncReportText(r->report);
  EXPECT_EQ(CountOf(text, "error:"), 1u) << text;
  EXPECT_NE(text.find("  error: 2 tables not synced: permission denied (first: download of "
                      "table tbl_"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Permission denied (injected)); make the workspace writable by this user "
                      "and run `ferry pull` again"),
            std::string::npos)
      << text;
}

// ---------------------------------------------------------------------------------------
// Issue 9 item 3: the bearer token goes to the server's origin only.

TEST_F(PullEngineTest, TokenGoesOnlyToTheServersOrigin) {
  for (const char* id : {"tbl_a", "tbl_b", "tbl_c"}) catalog_.SetTable(id, TableBytes(id, 1));
  catalog_.SetBundle("playbook", BundleBytes("playbook", 1));
  const std::string cdn = "https://cdn.test/bucket/tbl_a.parquet?X-Sig=abc";
  const std::string other_port = "http://catalog.test:8081/api/data/tbl_b/download";
  const std::string same_origin = "HTTP://Catalog.Test:80/api/data/tbl_c/download";
  const std::string far_bundle = "http://bundles.test/playbook.md";
  http_.ScriptBody(cdn, TableBytes("tbl_a", 1));
  http_.ScriptBody(other_port, TableBytes("tbl_b", 1));
  http_.ScriptBody(same_origin, TableBytes("tbl_c", 1));
  http_.ScriptBody(far_bundle, BundleBytes("playbook", 1));
  json a = catalog_.Entry("tbl_a", "a"), b = catalog_.Entry("tbl_b", "b"),
       c = catalog_.Entry("tbl_c", "c");
  a["parquet_url"] = cdn;
  b["parquet_url"] = other_port;
  c["parquet_url"] = same_origin;
  json d = catalog_.Domain("playbook");
  d["bundle_url"] = far_bundle;
  catalog_.SetManifest(json::array({a, b, c}), json::array(), json::array({d}));
  PullOutcome out = PullOk();
  ASSERT_EQ(out.report.total_errors(), 0);
  ExpectInvariants(&mem_, layout_, catalog_, "pulled from three origins");

  std::map<std::string, std::string> auth;  // url -> Authorization sent ("" = none)
  for (const HttpRequest& req : http_.requests()) {
    std::string value;
    for (const auto& [name, v] : req.headers) {
      if (name == "Authorization") value = v;
    }
    auth[req.url] = value;
  }
  EXPECT_EQ(auth.at(catalog_.ManifestUrl()), "Bearer secret");
  EXPECT_EQ(auth.at(same_origin), "Bearer secret");
  EXPECT_EQ(auth.at(cdn), "") << "a CDN is another origin";
  EXPECT_EQ(auth.at(other_port), "") << "another port is another origin";
  EXPECT_EQ(auth.at(far_bundle), "") << "a bundle elsewhere is another origin";
}

TEST_F(PullEngineTest, ForbiddenTableDownloadStopsThePull) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  ScriptedResponse denied;
  denied.status = 403;
  http_.Script("GET", catalog_.TableUrl("tbl_a"), {denied});
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  Result<PullOutcome> r = Pull();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthorized);
  EXPECT_EQ(http_.CountRequests("GET", catalog_.TableUrl("tbl_a")), 1u);
}

TEST_F(PullEngineTest, MalformedManifestChangesNothingOnDisk) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  PullOk();
  const std::string state_before = ReadAll(&mem_, layout_.state_path());
  for (const std::string& body :
       {std::string("<html>oops</html>"),
        std::string(R"({"direct_tables": [], "data_packages": [{"slug": "s", "tables": [{"id": "x", "name": 7}]}], "memory_domains": []})"),
        std::string(R"({"direct_tables": []})")}) {
    http_.ScriptBody(catalog_.ManifestUrl(), body);
    FaultInjectionEnv watch(&mem_);
    Result<PullOutcome> r = Pull(&watch);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    for (const std::string& step : watch.log()) {
      EXPECT_EQ(step.find("/ws/data"), std::string::npos) << step;
      EXPECT_EQ(step.find("sync_state"), std::string::npos) << step;
    }
  }
  http_.ScriptBody(catalog_.ManifestUrl(),
                   R"({"direct_tables": [], "data_packages": [{"slug": "s", "tables": [{"id": "x", "name": 7}]}], "memory_domains": []})");
  Result<PullOutcome> r = Pull();
  EXPECT_EQ(r.status().message(),
            "manifest from http://catalog.test/api/sync/manifest: "
            "data_packages[0].tables[0].name: expected string, got number");
  EXPECT_EQ(ReadAll(&mem_, layout_.state_path()), state_before);
  EXPECT_EQ(ReadAll(&mem_, layout_.reference_path(layout_.direct_dir(), "a")),
            TableBytes("tbl_a", 1));
}

TEST_F(PullEngineTest, UnsafeEntryIsRejectedAloneAndItsPreviousEntryKept) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array(),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_a", "a")}))}),
                       json::array());
  PullOk();
  json bad_id = catalog_.Entry("tbl_a", "a");
  bad_id["id"] = "../../etc";
  json bad_pkg = Package("../evil", json::array({catalog_.Entry("tbl_b", "b")}));
  json bad_name = catalog_.Entry("tbl_b", "a/b");
  catalog_.SetManifest(json::array({bad_name, catalog_.Entry("tbl_b", "b")}),
                       json::array({Package("p", json::array({bad_id})), bad_pkg}),
                       json::array({{{"slug", ".."}, {"md5", "x"}}}));
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.direct_tables.added, 1);  // "b" still synced
  ASSERT_EQ(out.report.direct_tables.errors.size(), 1u);
  EXPECT_EQ(out.report.direct_tables.errors[0].error,
            "direct_tables[0].name: unsafe path segment 'a/b'");
  ASSERT_EQ(out.report.data_packages.errors.size(), 2u);
  EXPECT_EQ(out.report.memory_domains.errors.size(), 1u);
  EXPECT_EQ(out.report.data_packages.removed, 0) << "p/a's entry was refused, not removed";
  EXPECT_EQ(ReadAll(&mem_, layout_.reference_path(layout_.package_dir("p"), "a")),
            TableBytes("tbl_a", 1));
  EXPECT_FALSE(*PathExists(&mem_, "/etc"));
  EXPECT_FALSE(*PathExists(&mem_, "/ws/evil"));
}

TEST_F(PullEngineTest, CorruptStateIsRebuiltFromDiskWithoutRefetching) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetBundle("ops", BundleBytes("ops", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_a", "a")}))}),
                       json::array({catalog_.Domain("ops")}));
  PullOk();
  ASSERT_TRUE(WriteFileAtomically(&mem_, layout_.state_path(), "{\"direct_tables\": [1, 2").ok());
  const size_t downloads = Downloads();
  PullOutcome out = PullOk();
  EXPECT_EQ(Downloads(), downloads) << "files tracked again from disk, not re-downloaded";
  EXPECT_EQ(out.report.direct_tables.added + out.report.data_packages.added, 0);
  bool noted = false;
  for (const std::string& n : out.report.notes) {
    noted = noted || n.find("rebuilt from the files on disk") != std::string::npos;
  }
  EXPECT_TRUE(noted);
  ExpectInvariants(&mem_, layout_, catalog_, "after rebuild");
}

TEST_F(PullEngineTest, AnalystFileInAPackageDirectorySurvivesTheDropOfThePackage) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetManifest(json::array(),
                       json::array({Package("sales", json::array({catalog_.Entry("tbl_a", "a")}))}),
                       json::array());
  PullOk();
  const std::string mine = layout_.package_dir("sales") + "/notes.txt";
  ASSERT_TRUE(WriteFileAtomically(&mem_, mine, "my notes").ok());
  catalog_.SetManifest(json::array(), json::array(), json::array());
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.data_packages.removed, 1);
  EXPECT_EQ(ReadAll(&mem_, mine), "my notes");
  bool noted = false;
  for (const std::string& n : out.report.notes) noted = noted || n.find("notes.txt") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_FALSE(*PathExists(&mem_, layout_.shared_path("tbl_a")));
}

TEST_F(PullEngineTest, PartitionedTableIsADirectorySwappedInWhole) {
  const std::string p1 = "PAR1 part one PAR1", p2 = "PAR1 part two PAR1";
  http_.ScriptBody(catalog_.TableUrl("events") + "?part=2026%2F01.parquet", p1);
  http_.ScriptBody(catalog_.TableUrl("events") + "?part=2026%2F02.parquet", p2);
  json entry = {{"id", "events"},
                {"name", "events"},
                {"parts", json::array({{{"path", "2026/01.parquet"}, {"hash", Md5Hex(p1)}, {"size_bytes", p1.size()}},
                                       {{"path", "2026/02.parquet"}, {"md5", Md5Hex(p2)}, {"size_bytes", p2.size()}}})}};
  http_.ScriptBody(catalog_.ManifestUrl(),
                   json({{"direct_tables", json::array()},
                         {"data_packages", json::array({Package("logs", json::array({entry}))})},
                         {"memory_domains", json::array()}})
                       .dump());
  PullOutcome out = PullOk();
  ASSERT_EQ(out.report.total_errors(), 0) << out.report.data_packages.errors[0].error;
  EXPECT_EQ(out.report.data_packages.added, 1);
  const std::string ref = layout_.reference_path(layout_.package_dir("logs"), "events");
  EXPECT_EQ(ReadAll(&mem_, ref + "/2026/01.parquet"), p1);
  EXPECT_EQ(ReadAll(&mem_, ref + "/2026/02.parquet"), p2);
  std::string views = ReadAll(&mem_, layout_.views_sql_path());
  EXPECT_NE(views.find("CREATE OR REPLACE VIEW \"logs\".\"events\" AS SELECT * FROM "
                       "read_parquet('/ws/data/logs/events.parquet/**/*.parquet');"),
            std::string::npos)
      << views;
  // Idempotent as well.
  PullOutcome again = PullOk();
  EXPECT_EQ(again.report.total_changes(), 0);
  EXPECT_EQ(again.report.bytes_downloaded, 0u);
}

TEST_F(PullEngineTest, ViewsSqlListsEverySchemaAndView) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "orders")}),
                       json::array({Package("sales", json::array({catalog_.Entry("tbl_b", "b"),
                                                                  catalog_.Entry("tbl_a", "a")}))}),
                       json::array());
  PullOk();
  EXPECT_EQ(ReadAll(&mem_, layout_.views_sql_path()),
            "-- Written by ferry pull: one schema per data package (\"direct\" for direct tables),\n"
            "-- one view per table. Open with: duckdb -init data/views.sql\n"
            "CREATE SCHEMA IF NOT EXISTS \"direct\";\n"
            "CREATE OR REPLACE VIEW \"direct\".\"orders\" AS SELECT * FROM read_parquet('/ws/data/_direct/orders.parquet');\n"
            "CREATE SCHEMA IF NOT EXISTS \"sales\";\n"
            "CREATE OR REPLACE VIEW \"sales\".\"a\" AS SELECT * FROM read_parquet('/ws/data/sales/a.parquet');\n"
            "CREATE OR REPLACE VIEW \"sales\".\"b\" AS SELECT * FROM read_parquet('/ws/data/sales/b.parquet');\n");
}

TEST_F(PullEngineTest, DryRunPrintsThePlanAndChangesNothing) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  PullOptions o = Options();
  o.dry_run = true;
  FaultInjectionEnv watch(&mem_);
  Result<PullOutcome> r = Pull(&watch, &o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(watch.steps(), 0) << watch.log().front();
  EXPECT_FALSE(*PathExists(&mem_, kRoot));
  ASSERT_EQ(r->plan.fetches.size(), 1u);
  std::string text = FormatPlanText(r->plan);
  EXPECT_NE(text.find("add              _direct/a -> tbl_a"), std::string::npos) << text;
  EXPECT_EQ(Downloads(), 0u);
}

TEST_F(PullEngineTest, SecondPullOnALockedWorkspaceFailsNamingTheHolder) {
  catalog_.SetManifest(json::array(), json::array(), json::array());
  Result<std::unique_ptr<FileLock>> held = LockWorkspace(&mem_, layout_, "pull", false);
  ASSERT_TRUE(held.ok());
  Result<PullOutcome> r = Pull();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBusy);
  EXPECT_NE(r.status().message().find("pid "), std::string::npos) << r.status().message();
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(PullEngineTest, HandDeletedReferenceAndCanonicalAreHealedByTheNextPull) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetTable("tbl_b", TableBytes("tbl_b", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}),
                       json::array({Package("p", json::array({catalog_.Entry("tbl_b", "b")}))}),
                       json::array());
  PullOk();
  ASSERT_TRUE(mem_.RemoveFile(layout_.reference_path(layout_.direct_dir(), "a")).ok());
  ASSERT_TRUE(mem_.Chmod(layout_.shared_dir(), 0755).ok());
  ASSERT_TRUE(mem_.RemoveFile(layout_.shared_path("tbl_b")).ok());
  // And an orphan nobody references.
  ASSERT_TRUE(WriteFileAtomically(&mem_, layout_.shared_path("zzz"), "orphan").ok());
  PullOutcome out = PullOk();
  EXPECT_EQ(out.report.total_errors(), 0);
  EXPECT_TRUE(out.report.invariant_violations.empty());
  ExpectInvariants(&mem_, layout_, catalog_, "healed");
}

}  // namespace
}  // namespace ferry::pull

namespace ferry::pull {
namespace {

// Issue 9: a state edited (or corrupted) to name a file elsewhere made the next pull delete it.
TEST_F(PullEngineTest, StateNamingAFileOutsideTheWorkspaceNeverTouchesIt) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetBundle("ops", BundleBytes("ops", 1));
  catalog_.SetManifest(json::array(),
                       json::array({Package("sales", json::array({catalog_.Entry("tbl_a", "a")}))}),
                       json::array({catalog_.Domain("ops")}));
  PullOk();
  const std::string precious = "/some/where/precious.parquet";
  const std::string notes = "/some/where/notes.md";
  ASSERT_TRUE(CreateDirs(&mem_, "/some/where").ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, precious, "years of work").ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, notes, "my notes").ok());
  std::vector<std::string> w;
  SyncState st = *LoadSyncState(&mem_, layout_.state_path(), &w);
  st.data_packages["sales"]["a"].shared_path = precious;
  st.data_packages["sales"]["a"].ref_path = precious;
  st.memory_domains["ops"].path = notes;
  ASSERT_TRUE(SaveSyncState(&mem_, layout_.state_path(), st).ok());

  // The package and the domain leave the stack: the pull removes what it recorded.
  catalog_.SetManifest(json::array(), json::array(), json::array());
  PullOutcome out = PullOk();
  EXPECT_EQ(ReadAll(&mem_, precious), "years of work");
  EXPECT_EQ(ReadAll(&mem_, notes), "my notes");
  int skipped = 0;
  for (const std::string& h : out.report.healed) {
    skipped += h.find("outside this workspace") != std::string::npos;
  }
  EXPECT_EQ(skipped, 3) << "shared_path and ref_path of the table, path of the domain";
  // What the entries made inside the workspace is still removed.
  EXPECT_FALSE(*PathExists(&mem_, layout_.shared_path("tbl_a")));
  EXPECT_FALSE(*PathExists(&mem_, layout_.package_dir("sales")));
  EXPECT_FALSE(*PathExists(&mem_, layout_.bundle_path("ops")));
  ExpectInvariants(&mem_, layout_, catalog_, "after the edited state");
}

}  // namespace
}  // namespace ferry::pull

namespace ferry::pull {
namespace {

// Fails, for `layout`, the rename that puts sync_state.json in place (the final record) and
// every listing of memory/ after the first (the first is the recovery's scan for temps; the
// audit at the end of the pull lists it again).
class RecordAndAuditFailEnv : public EnvWrapper {
 public:
  RecordAndAuditFailEnv(Env* target, const WorkspaceLayout& layout)
      : EnvWrapper(target), layout_(layout) {}
  Status Rename(const std::string& from, const std::string& to) override {
    if (to == layout_.state_path()) return Status::IoError("rename " + to + ": injected");
    return EnvWrapper::Rename(from, to);
  }
  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    if (path == layout_.memory_dir() && ++memory_listings_ > 1) {
      return Status::IoError("list " + path + ": injected");
    }
    return EnvWrapper::ListDir(path);
  }

 private:
  WorkspaceLayout layout_;
  std::atomic<int> memory_listings_{0};
};

// Issue 10: with --jobs > 1 the record is written while the audit runs; a failed audit
// returned its own Status and dropped the record write's.
TEST_F(PullEngineTest, FailedAuditDoesNotDropTheFailedRecordWrite) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetBundle("ops", BundleBytes("ops", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(),
                       json::array({catalog_.Domain("ops")}));
  PullOk();
  RecordAndAuditFailEnv failing(&mem_, layout_);
  PullOptions o = Options();
  ASSERT_GT(o.jobs, 1) << "the record is written alongside the audit only with --jobs > 1";
  Result<PullOutcome> r = Pull(&failing, &o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_EQ(r.status().message(),
            "rename /ws/sync_state.json: injected; the audit also failed: "
            "list /ws/memory: injected");
}

// Recovery is a plan action: --dry-run lists exactly what the next pull heals before it plans.
TEST_F(PullEngineTest, DryRunListsTheRecoveryTheNextPullMakes) {
  catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
  catalog_.SetManifest(json::array({catalog_.Entry("tbl_a", "a")}), json::array(), json::array());
  PullOk();
  // What an interrupted run leaves: a temp beside a reference, a canonical in the trash, and
  // an interrupted swap of tbl_a's canonical (the old one parked aside, the new one not in).
  const std::string temp = MakeTempPathFor(layout_.reference_path(layout_.direct_dir(), "a"));
  ASSERT_TRUE(WriteFileAtomically(&mem_, temp, "half").ok());
  ASSERT_TRUE(CreateDirs(&mem_, layout_.trash_dir()).ok());
  const std::string trash = JoinPath(layout_.trash_dir(), "old.parquet");
  ASSERT_TRUE(WriteFileAtomically(&mem_, trash, "dropped").ok());
  const std::string shared = layout_.shared_path("tbl_a");
  ASSERT_TRUE(mem_.Chmod(layout_.shared_dir(), 0755).ok());
  ASSERT_TRUE(mem_.Rename(shared, AsidePathFor(shared)).ok());

  PullOptions dry = Options();
  dry.dry_run = true;
  Result<PullOutcome> planned = Pull(&mem_, &dry);
  ASSERT_TRUE(planned.ok()) << planned.status().ToString();
  std::vector<std::string> listed;
  for (const RepairAction& r : planned->plan.repairs) listed.push_back(r.finding);
  EXPECT_EQ(listed, (std::vector<std::string>{
                        "interrupted install: " + shared,
                        "leftover temp file: " + temp,
                        "leftover trash: " + trash + " (a dropped canonical not yet freed)",
                    }));
  EXPECT_NE(FormatPlanText(planned->plan).find("repair           leftover temp file: " + temp),
            std::string::npos)
      << FormatPlanText(planned->plan);
  EXPECT_TRUE(*PathExists(&mem_, temp)) << "a dry run changes nothing";

  PullOutcome done = PullOk();
  EXPECT_EQ(done.report.healed, listed);
  EXPECT_EQ(Downloads(), 1u) << "the canonical put back from aside is not downloaded again";
  EXPECT_FALSE(*PathExists(&mem_, temp));
  EXPECT_FALSE(*PathExists(&mem_, trash));
  EXPECT_FALSE(*PathExists(&mem_, AsidePathFor(shared)));
  ExpectInvariants(&mem_, layout_, catalog_, "after recovery");
}

}  // namespace
}  // namespace ferry::pull
