#include "sync/baseline.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/mem_env.h"

namespace ferry::sync {
namespace {

std::pair<std::string, BaselineRecord> Record(std::string path, EntryKind kind,
                                              std::string content) {
  BaselineRecord r;
  r.kind = kind;
  if (kind != EntryKind::kDir) {
    r.hash = HashBytes(content);
    r.size = content.size();
  }
  r.a = {1767225600123456789, 42, 0644};
  r.b = {-5, 7, 0755};
  return {std::move(path), r};
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
    EXPECT_EQ(x.path(p), y.path(q));
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

TEST(BaselineTest, RoundTripsThroughBothFormatsWithOddPaths) {
  Baseline b = Sample();
  for (const std::string& bytes : {SerializeBaseline(b), SerializeBaselineV1Text(b)}) {
    Result<Baseline> back = ParseBaseline(bytes, "x");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->id_a(), "local:/home/me/notes");
    EXPECT_EQ(back->id_b(), "local:/mnt/nas/my notes");
    ExpectSameRecords(b, *back);
  }
  EXPECT_EQ(ParseBaseline(SerializeBaseline(b), "x")->format_version(), 2u);
  EXPECT_EQ(ParseBaseline(SerializeBaselineV1Text(b), "x")->format_version(), 1u);
}

TEST(BaselineTest, BinaryFormatIsTheDocumentedOne) {
  Baseline b("local:/a", "local:/b");
  ASSERT_TRUE(
      b.SetRecords({Record("d", EntryKind::kDir, ""), Record("d/f", EntryKind::kFile, "abc")})
          .ok());
  std::string bytes = SerializeBaseline(b);
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [](uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  std::string stamps = u64(1767225600123456789) + u64(42) + u32(0644) +
                       u64(static_cast<uint64_t>(-5)) + u64(7) + u32(0755);
  std::string hash(reinterpret_cast<const char*>(HashBytes("abc").data()), 32);
  std::string body = "ferry-sync-baseline 2\n" + u32(8) + "local:/a" + u32(8) + "local:/b" +
                     u64(2) + "d" + u32(0) + u32(1) + "d" + u64(0) + stamps +  // d: no hash
                     "f" + u32(1) + u32(2) + "/f" + hash + u64(3) + stamps;    // "d" + "/f"
  ASSERT_GE(bytes.size(), body.size());
  EXPECT_EQ(bytes.substr(0, body.size()), body);
  uint64_t fnv = 14695981039346656037ULL;
  for (unsigned char c : body) fnv = (fnv ^ c) * 1099511628211ULL;
  EXPECT_EQ(bytes.substr(body.size()), "end" + u64(2) + u64(fnv));
}

TEST(BaselineTest, EveryTruncationOrFlippedByteOfABinaryFileIsCorruption) {
  std::string bytes = SerializeBaseline(Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<Baseline> r = ParseBaseline(bytes.substr(0, n), "x");
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << "truncated at " << n;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    Result<Baseline> r = ParseBaseline(damaged, "x");
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << "byte " << i << " flipped";
  }
  Result<Baseline> r = ParseBaseline(bytes + "x", "/s/x.baseline");
  EXPECT_EQ(r.status().message(),
            "sync baseline /s/x.baseline trailer: bytes after 'end'; remove the file to start "
            "over with a first sync (nothing is deleted without a baseline)");
}

// LoadBaseline decodes a format 2 file in 1 MiB pieces: records straddling the pieces'
// edges come back whole.
TEST(BaselineTest, ALargeBinaryFileLoadsAcrossReadPieces) {
  MemEnv env;
  ASSERT_TRUE(CreateDirs(&env, "/state").ok());
  Baseline big("local:/a", "local:/b");
  std::vector<std::pair<std::string, BaselineRecord>> records;
  for (int i = 0; i < 12000; ++i) {
    records.push_back(
        Record("dir" + std::to_string(i % 7) + "/" + std::to_string(i) + std::string(40, 'n'),
               EntryKind::kFile, std::to_string(i)));
  }
  ASSERT_TRUE(big.SetRecords(std::move(records)).ok());
  ASSERT_GT(SerializeBaseline(big).size(), size_t{1} << 20);
  ASSERT_TRUE(SaveBaseline(&env, "/state/big.baseline", big).ok());
  Result<std::optional<Baseline>> loaded = LoadBaseline(&env, "/state/big.baseline");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ExpectSameRecords(big, **loaded);
}

// A baseline written by an older ferry (format 1, text) is still read.
TEST(BaselineTest, AFormat1TextFileIsStillLoaded) {
  MemEnv env;
  ASSERT_TRUE(CreateDirs(&env, "/state").ok());
  ASSERT_TRUE(
      WriteFileAtomically(&env, "/state/old.baseline", SerializeBaselineV1Text(Sample()), 0600)
          .ok());
  Result<std::optional<Baseline>> loaded = LoadBaseline(&env, "/state/old.baseline");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->format_version(), 1u);
  EXPECT_EQ((*loaded)->id_b(), "local:/mnt/nas/my notes");
  ExpectSameRecords(Sample(), **loaded);
}

TEST(BaselineTest, Format1TextIsTheDocumentedOne) {
  Baseline b("local:/a", "local:/b");
  ASSERT_TRUE(
      b.SetRecords({Record("d", EntryKind::kDir, ""), Record("d/f 1", EntryKind::kFile, "abc")})
          .ok());
  EXPECT_EQ(SerializeBaselineV1Text(b),
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
  EXPECT_EQ(b.path(b.records().front()), "dir");
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

TEST(BaselineTest, TruncatedOrDamagedTextFilesAreCorruptionNamingTheLine) {
  std::string text = SerializeBaselineV1Text(Sample());
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
  // docs/SYNC.md "Performance": <= 300 bytes per file in all, of which ~13 MB of a 100,000
  // file sync is the process itself; the record, whose path is in the arena, is 96.
  EXPECT_LE(sizeof(BaselineRecord), 96u);
}

TEST(BaselineTest, AppendKeepsThePathsInOrderAndRefusesOneOutOfOrder) {
  Baseline b("a", "b");
  ASSERT_TRUE(b.Append("d", Record("d", EntryKind::kDir, "").second).ok());
  ASSERT_TRUE(b.Append("d/x", Record("d/x", EntryKind::kFile, "1").second).ok());
  EXPECT_EQ(b.Append("d/x", Record("d/x", EntryKind::kFile, "2").second).message(),
            "sync baseline: 'd/x' does not sort after 'd/x'");
  EXPECT_EQ(b.Append("c", Record("c", EntryKind::kFile, "2").second).message(),
            "sync baseline: 'c' does not sort after 'd/x'");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.path(0), "d");
  EXPECT_EQ(b.path(1), "d/x");
  ASSERT_NE(b.Find("d/x"), nullptr);
  EXPECT_EQ(b.Find("d/x")->hash, HashBytes("1"));
}

// A copy holds its own paths: the original may go away.
TEST(BaselineTest, ACopyKeepsItsPathsAfterTheOriginalIsGone) {
  std::optional<Baseline> original = Sample();
  Baseline copy = *original;
  original.reset();
  ExpectSameRecords(Sample(), copy);
}

}  // namespace
}  // namespace ferry::sync
