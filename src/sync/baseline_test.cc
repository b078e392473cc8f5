#include "sync/baseline.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::sync {
namespace {

BaselineRecord Record(std::string path, EntryKind kind, std::string content) {
  BaselineRecord r;
  r.path = std::move(path);
  r.kind = kind;
  if (kind != EntryKind::kDir) {
    r.hash = HashBytes(content);
    r.size = content.size();
  }
  r.a = {1767225600123456789, 42, 0644};
  r.b = {-5, 7, 0755};
  return r;
}

Baseline Sample() {
  Baseline b("local:/home/me/notes", "local:/mnt/nas/my notes");
  Status s =
      b.SetRecords({Record("z.txt", EntryKind::kFile, "zzz"), Record("dir", EntryKind::kDir, ""),
                    Record("dir/with space%and\nnewline", EntryKind::kFile, "x"),
                    Record("link", EntryKind::kSymlink, "../target")});
  EXPECT_TRUE(s.ok()) << s.ToString();
  return b;
}

void ExpectSameRecords(const Baseline& x, const Baseline& y) {
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const BaselineRecord& p = x.records()[i];
    const BaselineRecord& q = y.records()[i];
    EXPECT_EQ(p.path, q.path);
    EXPECT_EQ(p.kind, q.kind);
    EXPECT_EQ(p.size, q.size);
    EXPECT_EQ(p.hash, q.hash);
    EXPECT_EQ(p.a.mtime_ns, q.a.mtime_ns);
    EXPECT_EQ(p.a.inode, q.a.inode);
    EXPECT_EQ(p.a.mode, q.a.mode);
    EXPECT_EQ(p.b.mtime_ns, q.b.mtime_ns);
    EXPECT_EQ(p.b.inode, q.b.inode);
    EXPECT_EQ(p.b.mode, q.b.mode);
  }
}

TEST(BaselineTest, RoundTripsThroughTextWithOddPaths) {
  Baseline b = Sample();
  Result<Baseline> back = ParseBaseline(SerializeBaseline(b), "x");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id_a(), "local:/home/me/notes");
  EXPECT_EQ(back->id_b(), "local:/mnt/nas/my notes");
  ExpectSameRecords(b, *back);
}

TEST(BaselineTest, TextFormatIsTheDocumentedOne) {
  Baseline b("local:/a", "local:/b");
  ASSERT_TRUE(
      b.SetRecords({Record("d", EntryKind::kDir, ""), Record("d/f 1", EntryKind::kFile, "abc")})
          .ok());
  EXPECT_EQ(SerializeBaseline(b),
            "ferry-sync-baseline 1\n"
            "a local:/a\n"
            "b local:/b\n"
            "d - 0 1767225600123456789 42 644 -5 7 755 d\n"
            "f ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 3 "
            "1767225600123456789 42 644 -5 7 755 d/f%201\n"
            "end 2\n");
}

TEST(BaselineTest, FindUsesTheSortedRecords) {
  Baseline b = Sample();
  EXPECT_EQ(b.records().front().path, "dir");
  ASSERT_NE(b.Find("link"), nullptr);
  EXPECT_EQ(b.Find("link")->kind, EntryKind::kSymlink);
  EXPECT_EQ(b.Find("nope"), nullptr);
  EXPECT_EQ(b.Find("di"), nullptr);
}

TEST(BaselineTest, TwoRecordsForOnePathAreRefused) {
  Baseline b("a", "b");
  Status s = b.SetRecords({Record("x", EntryKind::kFile, "1"), Record("x", EntryKind::kFile, "2")});
  EXPECT_EQ(s.message(), "sync baseline: two records for 'x'");
}

TEST(BaselineTest, TruncatedOrDamagedFilesAreCorruptionNamingTheLine) {
  std::string text = SerializeBaseline(Sample());
  std::string truncated = text.substr(0, text.rfind("end"));
  Result<Baseline> r = ParseBaseline(truncated, "/s/x.baseline");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(),
            "sync baseline /s/x.baseline line 8: truncated (no 'end' line); remove the file to "
            "start over with a first sync (nothing is deleted without a baseline)");
  std::string wrong_count = text.substr(0, text.rfind("end")) + "end 3\n";
  EXPECT_EQ(ParseBaseline(wrong_count, "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseBaseline("hello\n", "x").status().code(), StatusCode::kCorruption);
  std::string bad_path = "ferry-sync-baseline 1\na x\nb y\nd - 0 0 0 0 0 0 0 ../up\nend 1\n";
  EXPECT_EQ(ParseBaseline(bad_path, "x").status().code(), StatusCode::kCorruption);
}

TEST(BaselineTest, FileNameIsAHashOfBothRootsInOrder) {
  std::string ab = BaselineFileName("local:/a", "local:/b");
  EXPECT_EQ(ab.size(), 16u + std::string(".baseline").size());
  EXPECT_EQ(ab, BaselineFileName("local:/a", "local:/b"));
  EXPECT_NE(ab, BaselineFileName("local:/b", "local:/a"));
  EXPECT_NE(ab, BaselineFileName("local:/a\nlocal:/b", ""));
}

TEST(BaselineTest, ABaselineOfOtherRootsIsRefused) {
  Baseline b = Sample();
  EXPECT_TRUE(CheckBaselineRoots(b, "local:/home/me/notes", "local:/mnt/nas/my notes", "f").ok());
  Status s = CheckBaselineRoots(b, "local:/home/me/notes", "local:/mnt/other", "/s/f.baseline");
  EXPECT_EQ(s.code(), StatusCode::kRefused);
  EXPECT_EQ(s.message(),
            "sync baseline /s/f.baseline belongs to local:/home/me/notes and local:/mnt/nas/my "
            "notes, not to local:/home/me/notes and local:/mnt/other; check the roots, or pass "
            "--force to start over with a first sync");
}

TEST(BaselineTest, MissingFileMeansFirstSync) {
  MemEnv env;
  Result<std::optional<Baseline>> loaded = LoadBaseline(&env, "/state/none.baseline");
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

// A crash at any moment of a save leaves the whole old baseline or the whole new one.
TEST(BaselineTest, LoadAfterACrashSeesTheOldOrTheNewBaselineWhole) {
  MemEnv env;
  ASSERT_TRUE(CreateDirs(&env, "/state").ok());
  Baseline old_one("a", "b");
  ASSERT_TRUE(old_one.SetRecords({Record("old", EntryKind::kFile, "1")}).ok());
  ASSERT_TRUE(SaveBaseline(&env, "/state/p.baseline", old_one).ok());
  env.MarkAllDurable();

  // Saved, then the power goes: the new one is durable.
  ASSERT_TRUE(SaveBaseline(&env, "/state/p.baseline", Sample()).ok());
  env.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  Result<std::optional<Baseline>> after = LoadBaseline(&env, "/state/p.baseline");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ExpectSameRecords(Sample(), **after);

  // A temp written but not renamed (the crash came first): the old one is still whole.
  ASSERT_TRUE(SaveBaseline(&env, "/state/p.baseline", old_one).ok());
  env.MarkAllDurable();
  {
    auto temp = env.NewWritableFile(MakeTempPathFor("/state/p.baseline"), 0600).value();
    ASSERT_TRUE(temp->Append(SerializeBaseline(Sample())).ok());
  }
  env.SimulateCrash(MemEnv::CrashOutcome::kLoseUnsynced);
  after = LoadBaseline(&env, "/state/p.baseline");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ExpectSameRecords(old_one, **after);
}

TEST(BaselineTest, ARecordStaysSmall) {
  // docs/SYNC.md: <= 300 bytes per file in memory; the record itself, before its path's heap.
  EXPECT_LE(sizeof(BaselineRecord), 140u);
}

}  // namespace
}  // namespace ferry::sync
