#include "store/sync_state.h"

#include <gtest/gtest.h>

#include "base/fault_injection_env.h"
#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry {
namespace {

// Exactly what the seed's _write_sync_state writes: json.dumps(state, indent=2,
// sort_keys=True), absolute paths, absolute-symlink strategy, no size, an extra top-level key
// carried over by `{**prev, ...}`, and no trailing newline.
constexpr char kSeedState[] = R"({
  "data_packages": {
    "sales": {
      "orders": {
        "md5": "0cc175b9c0f1b6a831c399e269772661",
        "ref_path": "/ws/data/sales/orders.parquet",
        "shared_path": "/ws/data/_shared/t1.parquet",
        "strategy": "symlink",
        "table_id": "t1"
      },
      "regions": {
        "md5": "",
        "ref_path": "/ws/data/sales/regions.parquet",
        "shared_path": "/ws/data/_shared/t2.parquet",
        "strategy": "hardlink",
        "table_id": "t2"
      }
    }
  },
  "direct_tables": {
    "fx": {
      "md5": "92eb5ffee6ae2fec3ad71c777531578f",
      "ref_path": "/ws/data/_direct/fx.parquet",
      "shared_path": "/ws/data/_shared/t3.parquet",
      "strategy": "copy",
      "table_id": "t3"
    }
  },
  "last_sync_unix": 1767225600,
  "legacy_cursor": {
    "page": 3,
    "tags": [
      "a",
      "b"
    ]
  },
  "memory_domains": {
    "ops": {
      "md5": "tok-1",
      "path": "/ws/memory/ops/bundle.md",
      "slug": "ops"
    }
  }
})";

class SyncStateTest : public ::testing::Test {
 protected:
  void Write(const std::string& text) {
    ASSERT_TRUE(CreateDirs(&env_, "/ws").ok());
    ASSERT_TRUE(WriteFileAtomically(&env_, kPath, text).ok());
  }
  std::string Read() { return ReadFileToString(&env_, kPath, 1 << 20).value(); }

  static constexpr char kPath[] = "/ws/sync_state.json";
  MemEnv env_;
};

TEST_F(SyncStateTest, LoadsAStateWrittenByTheSeed) {
  Write(kSeedState);
  std::vector<std::string> warnings;
  Result<SyncState> state = LoadSyncState(&env_, kPath, &warnings);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(state->data_packages.size(), 1u);
  const TableRef& orders = state->data_packages.at("sales").at("orders");
  EXPECT_EQ(orders.table_id, "t1");
  EXPECT_EQ(orders.md5, "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(orders.shared_path, "/ws/data/_shared/t1.parquet");
  EXPECT_EQ(orders.ref_path, "/ws/data/sales/orders.parquet");
  EXPECT_EQ(orders.strategy, LinkStrategy::kSymlink);
  EXPECT_EQ(orders.size, 0u);
  EXPECT_FALSE(orders.partitioned);
  EXPECT_EQ(state->data_packages.at("sales").at("regions").strategy, LinkStrategy::kHardlink);
  EXPECT_EQ(state->direct_tables.at("fx").strategy, LinkStrategy::kCopy);
  EXPECT_EQ(state->memory_domains.at("ops"),
            (MemoryEntry{"ops", "tok-1", "/ws/memory/ops/bundle.md"}));
  EXPECT_EQ(state->last_sync_unix, 1767225600);
  EXPECT_EQ(state->extra.size(), 1u);
  EXPECT_EQ(state->extra["legacy_cursor"]["page"], 3);
  EXPECT_EQ(AllReferences(*state).size(), 3u);
}

TEST_F(SyncStateTest, SaveKeepsTheSeedKeysAndUnknownTopLevelKeys) {
  Write(kSeedState);
  SyncState state = LoadSyncState(&env_, kPath, nullptr).value();
  state.data_packages["sales"]["orders"].size = 4096;
  ASSERT_TRUE(SaveSyncState(&env_, kPath, state).ok());

  nlohmann::json saved = nlohmann::json::parse(Read());
  nlohmann::json seed = nlohmann::json::parse(kSeedState);
  // Every key the seed wrote is still there with the same value (modulo the size we set).
  EXPECT_EQ(saved["legacy_cursor"], seed["legacy_cursor"]);
  EXPECT_EQ(saved["last_sync_unix"], seed["last_sync_unix"]);
  EXPECT_EQ(saved["memory_domains"], seed["memory_domains"]);
  const nlohmann::json& orders = saved["data_packages"]["sales"]["orders"];
  for (const char* key : {"table_id", "md5", "shared_path", "ref_path", "strategy"}) {
    EXPECT_EQ(orders[key], seed["data_packages"]["sales"]["orders"][key]) << key;
  }
  EXPECT_EQ(orders.size(), 7u) << orders.dump();
  EXPECT_EQ(orders["size_bytes"], 4096);
  EXPECT_EQ(orders["partitioned"], false);
  EXPECT_EQ(saved["direct_tables"]["fx"]["strategy"], "copy");

  SyncState again = LoadSyncState(&env_, kPath, nullptr).value();
  EXPECT_EQ(again.data_packages, state.data_packages);
  EXPECT_EQ(again.direct_tables, state.direct_tables);
  EXPECT_EQ(again.memory_domains, state.memory_domains);
  EXPECT_EQ(again.extra, state.extra);
}

TEST_F(SyncStateTest, SavedTextIsPrettySortedJsonLikeTheSeed) {
  SyncState state;
  state.last_sync_unix = 7;
  state.direct_tables["b"] = TableRef{"t2", "", "/s/t2.parquet", "/r/b.parquet",
                                      LinkStrategy::kHardlink, 3, true};
  ASSERT_TRUE(CreateDirs(&env_, "/ws").ok());
  ASSERT_TRUE(SaveSyncState(&env_, kPath, state).ok());
  EXPECT_EQ(Read(), R"({
  "data_packages": {},
  "direct_tables": {
    "b": {
      "md5": "",
      "partitioned": true,
      "ref_path": "/r/b.parquet",
      "shared_path": "/s/t2.parquet",
      "size_bytes": 3,
      "strategy": "hardlink",
      "table_id": "t2"
    }
  },
  "last_sync_unix": 7,
  "memory_domains": {}
}
)");
}

TEST_F(SyncStateTest, SavedTextIsExactlyNlohmannsDumpOfTheState) {
  // SaveSyncState writes the text itself (fast); it must stay byte-identical to
  // SyncStateToJson(state).dump(2), including escapes, UTF-8 and preserved keys.
  Write(kSeedState);
  SyncState state = LoadSyncState(&env_, kPath, nullptr).value();
  state.direct_tables["quote\"tab\tnl\ncaf\xc3\xa9"] =
      TableRef{"t\x01", "m", "/s/\\x", "/r/\x7f", LinkStrategy::kReflink, 1, false};
  state.data_packages["empty"];
  state.extra["zz_after_everything"] = nlohmann::json::array({1, nlohmann::json::object()});
  state.extra["aa_first"] = "x";
  state.last_sync_unix = -5;
  ASSERT_TRUE(SaveSyncState(&env_, kPath, state).ok());
  EXPECT_EQ(Read(), SyncStateToJson(state).dump(2) + "\n");
}

TEST_F(SyncStateTest, InvalidUtf8InANameIsReplacedNotFatal) {
  SyncState state;
  state.direct_tables["bad\xff"] =
      TableRef{"t1", "", "/s/t1.parquet", "/r/bad\xff.parquet", LinkStrategy::kCopy, 0, false};
  ASSERT_TRUE(CreateDirs(&env_, "/ws").ok());
  ASSERT_TRUE(SaveSyncState(&env_, kPath, state).ok());
  SyncState again = LoadSyncState(&env_, kPath, nullptr).value();
  ASSERT_EQ(again.direct_tables.size(), 1u);
  EXPECT_EQ(again.direct_tables.begin()->first, "bad\xef\xbf\xbd");  // U+FFFD
}

TEST_F(SyncStateTest, MissingFileIsAnEmptyState) {
  Result<SyncState> state = LoadSyncState(&env_, kPath, nullptr);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(state->direct_tables.empty());
  EXPECT_TRUE(state->data_packages.empty());
  EXPECT_TRUE(state->memory_domains.empty());
  EXPECT_EQ(state->last_sync_unix, 0);
}

TEST_F(SyncStateTest, UnparseableFileIsCorruptionNamingThePath) {
  Write("{\"direct_tables\": {\"x\": ");
  Result<SyncState> state = LoadSyncState(&env_, kPath, nullptr);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), StatusCode::kCorruption);
  EXPECT_NE(state.status().message().find(kPath), std::string::npos)
      << state.status().message();
  EXPECT_NE(state.status().message().find("ferry audit --heal"), std::string::npos);
}

TEST_F(SyncStateTest, WrongTypesAreCorruption) {
  for (const char* text : {"[]", R"({"direct_tables": []})", R"({"data_packages": "x"})",
                           R"({"memory_domains": 3})", R"({"last_sync_unix": "yesterday"})"}) {
    Write(text);
    Result<SyncState> state = LoadSyncState(&env_, kPath, nullptr);
    ASSERT_FALSE(state.ok()) << text;
    EXPECT_EQ(state.status().code(), StatusCode::kCorruption) << text;
  }
  Write(R"({"direct_tables": []})");
  EXPECT_EQ(LoadSyncState(&env_, kPath, nullptr).status().message(),
            "read /ws/sync_state.json: \"direct_tables\" is not an object; the state is corrupt "
            "(run `ferry audit --heal` to rebuild it from disk)");
}

// fuzz/sync_state_fuzzer.cc: a fractional last_sync_unix was cast to int64 without a range
// check, undefined behaviour for 1e300 (UBSan: "outside the range of representable values").
TEST_F(SyncStateTest, LastSyncUnixOutOfInt64RangeIsCorruptionNotUndefinedBehaviour) {
  for (const char* text : {R"({"last_sync_unix": 1e300})", R"({"last_sync_unix": -1e300})",
                           R"({"last_sync_unix": 9223372036854775808.0})"}) {
    Write(text);
    Result<SyncState> state = LoadSyncState(&env_, kPath, nullptr);
    ASSERT_FALSE(state.ok()) << text;
    EXPECT_EQ(state.status().message(),
              "read /ws/sync_state.json: \"last_sync_unix\" is not a Unix time in seconds; the "
              "state is corrupt (run `ferry audit --heal` to rebuild it from disk)")
        << text;
  }
  // The seed's fractional times still load, truncated to whole seconds.
  Write(R"({"last_sync_unix": 1767225600.75})");
  Result<SyncState> state = LoadSyncState(&env_, kPath, nullptr);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->last_sync_unix, 1767225600);
}

TEST_F(SyncStateTest, MalformedEntriesAreDroppedWithAWarning) {
  Write(R"({
    "direct_tables": {
      "ok": {"table_id": "t1", "shared_path": "/s/t1.parquet", "ref_path": "/r/ok.parquet",
             "strategy": "symlink", "md5": null},
      "no_id": {"shared_path": "/s/t2.parquet", "ref_path": "/r/no_id.parquet",
                "strategy": "symlink"},
      "bad_type": {"table_id": 5, "shared_path": "/s", "ref_path": "/r", "strategy": "copy"},
      "not_object": "x",
      "pre_strategy": {"table_id": "t3", "shared_path": "/s/t3.parquet",
                       "ref_path": "/r/pre_strategy.parquet"}
    },
    "data_packages": {"p": 7, "q": {"a": {"table_id": "t1", "shared_path": "/s/t1.parquet",
                                          "ref_path": "/q/a.parquet", "strategy": "wormhole"}}}
  })");
  std::vector<std::string> warnings;
  Result<SyncState> state = LoadSyncState(&env_, kPath, &warnings);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->direct_tables.size(), 2u);
  EXPECT_EQ(state->direct_tables.at("ok").md5, "");
  // A state from before strategies were recorded keeps its row, as a copy.
  EXPECT_EQ(state->direct_tables.at("pre_strategy").strategy, LinkStrategy::kCopy);
  EXPECT_EQ(state->data_packages.count("p"), 0u);
  EXPECT_EQ(state->data_packages.at("q").at("a").strategy, LinkStrategy::kCopy);
  EXPECT_EQ(warnings.size(), 6u);
  bool named = false;
  for (const std::string& w : warnings) {
    if (w == "/ws/sync_state.json: direct_tables.no_id lacks table_id, shared_path or "
             "ref_path; entry dropped") {
      named = true;
    }
  }
  EXPECT_TRUE(named);
}

TEST_F(SyncStateTest, ACrashDuringSaveLeavesTheOldOrTheNewStateWhole) {
  Write(kSeedState);
  SyncState next = LoadSyncState(&env_, kPath, nullptr).value();
  next.last_sync_unix = 1800000000;
  next.direct_tables.erase("fx");

  FaultInjectionEnv probe(&env_);
  ASSERT_TRUE(SaveSyncState(&probe, kPath, next).ok());
  const int64_t steps = probe.steps();
  ASSERT_GT(steps, 3);
  for (int64_t k = 0; k < steps; ++k) {
    Write(kSeedState);
    FaultInjectionEnv faulty(&env_);
    faulty.CrashAfterSteps(k);
    EXPECT_FALSE(SaveSyncState(&faulty, kPath, next).ok()) << k;
    Result<SyncState> after = LoadSyncState(&env_, kPath, nullptr);
    ASSERT_TRUE(after.ok()) << "crash after step " << k << ": " << after.status().ToString();
    EXPECT_TRUE(after->last_sync_unix == 1767225600 || after->last_sync_unix == 1800000000);
    EXPECT_EQ(after->direct_tables.size(), after->last_sync_unix == 1767225600 ? 1u : 0u);
  }
}

TEST(LinkStrategyTest, NamesRoundTrip) {
  for (LinkStrategy s : DefaultLinkOrder()) {
    EXPECT_EQ(ParseLinkStrategy(LinkStrategyName(s)).value(), s);
  }
  EXPECT_EQ(ParseLinkStrategy("Symlink").status().message(),
            "unknown link strategy 'Symlink'; use reflink, symlink, hardlink or copy");
}

TEST(LinkStrategyTest, ParsesOrders) {
  EXPECT_EQ(ParseLinkOrder("reflink,symlink,hardlink,copy").value(), DefaultLinkOrder());
  EXPECT_EQ(ParseLinkOrder(" hardlink , copy ").value(),
            (std::vector<LinkStrategy>{LinkStrategy::kHardlink, LinkStrategy::kCopy}));
  EXPECT_EQ(ParseLinkOrder("copy").value(), std::vector<LinkStrategy>{LinkStrategy::kCopy});
  EXPECT_EQ(ParseLinkOrder("copy,,symlink").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLinkOrder("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLinkOrder("copy,copy").status().message(),
            "link order names 'copy' twice; list each strategy at most once");
  EXPECT_EQ(ParseLinkOrder("symlink,teleport").status().message(),
            "unknown link strategy 'teleport'; use reflink, symlink, hardlink or copy");
}

}  // namespace
}  // namespace ferry
