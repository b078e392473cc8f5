// Conditional manifests on MemEnv + ScriptedHttpClient (docs/PROTOCOL.md "Conditional
// manifests"): the pull keeps the last manifest with its ETag in .ferry/manifest.cache, asks
// If-None-Match, plans from the cached body on a 304 (and still repairs a damaged workspace),
// takes a changed manifest on a 200, and ignores a damaged cache.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "pull/cached_manifest.h"
#include "pull/pull_engine.h"
#include "pull/pull_test_util.h"

namespace ferry::pull {
namespace {

using nlohmann::json;
using testing::BundleBytes;
using testing::ExpectInvariants;
using testing::FakeCatalog;
using testing::Package;
using testing::ReadAll;
using testing::TableBytes;

constexpr char kRoot[] = "/ws";

std::string HeaderOf(const HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

class PullConditionalTest : public ::testing::Test {
 protected:
  PullConditionalTest() : catalog_(&http_), layout_(kRoot) {}

  void SetUp() override {
    catalog_.SetTable("tbl_o", TableBytes("tbl_o", 1));
    catalog_.SetTable("tbl_a", TableBytes("tbl_a", 1));
    catalog_.SetBundle("ops", BundleBytes("ops", 1));
    catalog_.SetManifest(
        json::array({catalog_.Entry("tbl_a", "a")}),
        json::array({Package("sales", json::array({catalog_.Entry("tbl_o", "orders")}))}),
        json::array({catalog_.Domain("ops")}));
  }

  // The manifest URL answers `replies` in turn (the last one repeating).
  void ScriptManifest(std::vector<ScriptedResponse> replies) {
    http_.Script("GET", catalog_.ManifestUrl(), std::move(replies));
  }
  ScriptedResponse Full(const std::string& etag) const {
    ScriptedResponse r;
    r.body = catalog_.manifest().dump();
    if (!etag.empty()) r.headers["ETag"] = etag;
    return r;
  }
  static ScriptedResponse NotModified(const std::string& etag) {
    ScriptedResponse r;
    r.status = 304;
    r.headers["ETag"] = etag;
    return r;
  }

  PullOutcome PullOk(bool dry_run = false) {
    mem_.AdvanceClock(10'000'000'000);
    PullOptions o;
    o.workspace = kRoot;
    o.server_url = testing::kServer;
    o.token = "secret";
    o.jobs = 3;
    o.dry_run = dry_run;
    o.retry.initial_backoff_ms = 1;
    Result<PullOutcome> r = RunPull(&mem_, &http_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    return std::move(r).value();
  }

  // The manifest requests so far.
  std::vector<HttpRequest> ManifestRequests() const {
    std::vector<HttpRequest> out;
    for (const HttpRequest& r : http_.requests()) {
      if (r.url == catalog_.ManifestUrl()) out.push_back(r);
    }
    return out;
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
};

TEST_F(PullConditionalTest, UnchangedManifestIs304AndThePullPlansFromTheCache) {
  ScriptManifest({Full("\"v1\""), NotModified("\"v1\"")});
  PullOutcome first = PullOk();
  EXPECT_FALSE(first.report.manifest_unchanged);
  ASSERT_EQ(ManifestRequests().size(), 1u);
  EXPECT_EQ(HeaderOf(ManifestRequests()[0], "If-None-Match"), "<none>");
  EXPECT_TRUE(ManifestRequests()[0].accept_compressed);
  Result<CachedManifest> cached = LoadCachedManifest(&mem_, CachedManifestPath(layout_));
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_EQ(cached->etag, "\"v1\"");
  EXPECT_EQ(cached->url, catalog_.ManifestUrl());
  EXPECT_EQ(cached->body, catalog_.manifest().dump());
  const size_t downloads = Downloads();

  PullOutcome second = PullOk();
  EXPECT_TRUE(second.report.manifest_unchanged);
  EXPECT_EQ(SyncReportToJson(second.report)["manifest"], "unchanged");
  ASSERT_EQ(ManifestRequests().size(), 2u);
  EXPECT_EQ(HeaderOf(ManifestRequests()[1], "If-None-Match"), "\"v1\"");
  EXPECT_EQ(second.report.total_changes(), 0);
  EXPECT_TRUE(second.report.notes.empty()) << second.report.notes[0];
  EXPECT_EQ(Downloads(), downloads);
  ExpectInvariants(&mem_, layout_, catalog_, "after the 304");
}

// "Whatever the server answers, a pull never trusts a cached manifest that the workspace no
// longer matches": the manifest is unchanged, the disk is not.
TEST_F(PullConditionalTest, DamagedWorkspaceIsRepairedOnA304WithoutDownloadingTheManifest) {
  ScriptManifest({Full("\"v1\""), NotModified("\"v1\"")});
  PullOk();
  const size_t downloads = Downloads();
  ASSERT_TRUE(mem_.RemoveFile(layout_.reference_path(layout_.package_dir("sales"), "orders")).ok());
  ASSERT_TRUE(WriteFileAtomically(&mem_, layout_.shared_path("tbl_a"), "PAR1 damaged PAR1").ok());
  ASSERT_TRUE(mem_.RemoveFile(layout_.bundle_path("ops")).ok());

  PullOutcome second = PullOk();
  EXPECT_TRUE(second.report.manifest_unchanged);
  EXPECT_EQ(Downloads(), downloads + 1) << "tbl_a again, and nothing else";
  ExpectInvariants(&mem_, layout_, catalog_, "repaired under an unchanged manifest");
}

TEST_F(PullConditionalTest, ChangedManifestIsA200WithANewETagThatReplacesTheCache) {
  ScriptManifest({Full("\"v1\"")});
  PullOk();
  catalog_.SetTable("tbl_o", TableBytes("tbl_o", 2));
  catalog_.SetManifest(
      json::array(),
      json::array({Package("sales", json::array({catalog_.Entry("tbl_o", "orders")}))}),
      json::array({catalog_.Domain("ops")}));
  ScriptManifest({Full("\"v2\"")});

  PullOutcome second = PullOk();
  EXPECT_FALSE(second.report.manifest_unchanged);
  EXPECT_EQ(HeaderOf(ManifestRequests().back(), "If-None-Match"), "\"v1\"");
  EXPECT_EQ(second.report.data_packages.updated, 1);
  EXPECT_EQ(second.report.direct_tables.removed, 1);
  ExpectInvariants(&mem_, layout_, catalog_, "after the change");
  Result<CachedManifest> cached = LoadCachedManifest(&mem_, CachedManifestPath(layout_));
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_EQ(cached->etag, "\"v2\"");
  EXPECT_EQ(cached->body, catalog_.manifest().dump());
}

TEST_F(PullConditionalTest, CorruptCacheFallsBackToAnUnconditionalGet) {
  ScriptManifest({Full("\"v1\"")});
  PullOk();
  const std::string path = CachedManifestPath(layout_);
  std::string text = ReadAll(&mem_, path);
  text[text.size() - 3] ^= 1;  // one bit of the body
  ASSERT_TRUE(WriteFileAtomically(&mem_, path, text).ok());

  PullOutcome second = PullOk();
  EXPECT_FALSE(second.report.manifest_unchanged);
  EXPECT_EQ(HeaderOf(ManifestRequests().back(), "If-None-Match"), "<none>");
  ASSERT_EQ(second.report.notes.size(), 1u);
  EXPECT_EQ(second.report.notes[0],
            "ignored the manifest cache (" + path +
                ": body does not match its sha256); fetched the whole manifest");
  ExpectInvariants(&mem_, layout_, catalog_, "after the full GET");
  EXPECT_TRUE(LoadCachedManifest(&mem_, path).ok()) << "rewritten by the full GET";

  ASSERT_TRUE(WriteFileAtomically(&mem_, path, "ferry manifest cache 1\nurl x\n").ok());
  PullOutcome third = PullOk();
  EXPECT_EQ(HeaderOf(ManifestRequests().back(), "If-None-Match"), "<none>");
  ASSERT_EQ(third.report.notes.size(), 1u);
  EXPECT_EQ(third.report.notes[0], "ignored the manifest cache (" + path +
                                       ": header damaged); fetched the whole manifest");
}

// The cached body is parsed while the conditional request is out. A cache that reads whole
// but does not parse (not one this ferry wrote) cannot answer a 304: the pull asks again,
// unconditionally, and plans from what the server sends.
TEST_F(PullConditionalTest, ACacheThatDoesNotParseIsNotUsedForA304) {
  ScriptManifest({Full("\"v1\"")});
  PullOk();
  const std::string path = CachedManifestPath(layout_);
  ASSERT_TRUE(
      SaveCachedManifest(&mem_, path, {catalog_.ManifestUrl(), "\"v1\"", "{not json"}).ok());
  ScriptManifest({NotModified("\"v1\""), Full("\"v1\"")});

  PullOutcome second = PullOk();
  EXPECT_FALSE(second.report.manifest_unchanged);
  std::vector<HttpRequest> asked = ManifestRequests();
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_EQ(HeaderOf(asked[1], "If-None-Match"), "\"v1\"");
  EXPECT_EQ(HeaderOf(asked[2], "If-None-Match"), "<none>");
  ASSERT_EQ(second.report.notes.size(), 1u);
  EXPECT_EQ(second.report.notes[0].rfind("ignored the manifest cache " + path + " (", 0), 0u)
      << second.report.notes[0];
  ExpectInvariants(&mem_, layout_, catalog_, "after the second GET");
  Result<CachedManifest> cached = LoadCachedManifest(&mem_, path);
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_EQ(cached->body, catalog_.manifest().dump()) << "rewritten by the full GET";
}

TEST_F(PullConditionalTest, NoETagNoCacheAndDryRunWritesNone) {
  ScriptManifest({Full("")});
  PullOk();
  EXPECT_TRUE(LoadCachedManifest(&mem_, CachedManifestPath(layout_)).status().IsNotFound());
  ScriptManifest({Full("\"v1\"")});
  PullOk(/*dry_run=*/true);
  EXPECT_TRUE(LoadCachedManifest(&mem_, CachedManifestPath(layout_)).status().IsNotFound());
}

}  // namespace
}  // namespace ferry::pull
