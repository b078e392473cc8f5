// `ferry hash` end to end: runs the real binary (env FERRY_BINARY) and GNU coreutils'
// sha256sum / md5sum on the same tree of awkward names, and compares their bytes.
//
// Unreadable files: the suite runs as root, which reads any file whatever its mode. The test
// for "Permission denied" therefore runs ferry as user `nobody` through util-linux's setpriv
// (essential on Debian), from a copy of the binary in the test's temp dir, when it is root,
// and plainly otherwise. A read error after a successful open is produced with
// /proc/self/mem, whose offset 0 is never mapped, so read() fails with EIO for every user.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/ferry_binary.h"
#include "support/file_contents.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace ferry {
namespace {

using RunResult = testing::CommandResult;
using testing::ReadFile;
using testing::WriteFile;

// Runs argv[0] (looked up in PATH) in `cwd` with `input` on stdin; captures stdout/stderr.
RunResult RunProcess(const std::vector<std::string>& argv, const std::string& cwd,
                     const std::string& input = "") {
  testing::RunOptions options;
  options.cwd = cwd;
  options.input = input;
  return testing::RunCommand(argv, options);
}

// Deterministic, non-repeating bytes.
std::string Bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed | 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

constexpr char kBig[] = "tree/sub/big.bin";
constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class HashCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* dir : {"tree", "tree/sub", "tree/a", "tree/Stra\xc3\x9f" "e"}) {
      ASSERT_EQ(mkdir(tmp_.Join(dir).c_str(), 0755), 0) << dir;
    }
    // Every awkward name the format has to survive, with the relative paths as ferry should
    // print them, in byte order.
    files_ = {
        "tree/Stra\xc3\x9f" "e/\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf.parquet",  // Straße/データ
        "tree/a b",   // sorts before tree/a/x: ' ' < '/'
        "tree/a/x",
        "tree/back\\slash",
        "tree/both\\and\nnewline",
        "tree/carriage\rreturn",
        "tree/empty",
        "tree/new\nline",
        "tree/space name.txt",
        kBig,
    };
    std::sort(files_.begin(), files_.end());
    for (size_t i = 0; i < files_.size(); ++i) {
      std::string content = files_[i] == kBig         ? Bytes(3 << 20, 7)
                            : files_[i] == "tree/empty" ? ""
                                                      : "content of " + files_[i];
      WriteFile(tmp_.Join(files_[i]), content);
    }
  }

  RunResult Ferry(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), testing::FerryBinary());
    return RunProcess(args, tmp_.path(), input);
  }
  RunResult Tool(std::vector<std::string> args) { return RunProcess(args, tmp_.path()); }

  // `tool` (sha256sum or md5sum) over every file of the tree, in byte order.
  std::string GnuOverTree(const std::string& tool) {
    std::vector<std::string> argv = {tool};
    argv.insert(argv.end(), files_.begin(), files_.end());
    RunResult r = Tool(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string Path(const std::string& rel) const { return tmp_.Join(rel); }

  testing::TempDir tmp_;
  std::vector<std::string> files_;
};

TEST_F(HashCommandTest, DirectoryOutputEqualsSha256sumByteForByte) {
  RunResult r = Ferry({"hash", "tree"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, GnuOverTree("sha256sum"));
}

TEST_F(HashCommandTest, Md5OutputEqualsMd5sumByteForByte) {
  RunResult r = Ferry({"hash", "--algo", "md5", "tree"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, GnuOverTree("md5sum"));
}

TEST_F(HashCommandTest, EscapedNamesAreWrittenLikeGnu) {
  RunResult r = Ferry({"hash", "tree/new\nline", "tree/back\\slash", "tree/empty"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string expected_hex_of_newline = Tool({"sha256sum", "tree/new\nline"}).out.substr(1, 64);
  EXPECT_EQ(r.out, "\\" + expected_hex_of_newline + "  tree/new\\nline\n" +
                       Tool({"sha256sum", "tree/back\\slash"}).out +
                       std::string(kEmptySha256) + "  tree/empty\n");
}

TEST_F(HashCommandTest, WalkOrderIsWholePathByteOrder) {
  RunResult r = Ferry({"hash", "tree/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Names with '\n' are escaped, so the output has exactly one line per file.
  std::vector<std::string> printed;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) printed.push_back(line.substr(line.find("  ") + 2));
  std::vector<std::string> expected = {
      "tree/Stra\xc3\x9f" "e/\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf.parquet",
      "tree/a b", "tree/a/x", "tree/back\\\\slash", "tree/both\\\\and\\nnewline",
      "tree/carriage\\rreturn", "tree/empty", "tree/new\\nline", "tree/space name.txt",
      "tree/sub/big.bin"};
  EXPECT_EQ(printed, expected);
}

TEST_F(HashCommandTest, ArgumentOrderIsKeptAndJobsDoNotChangeOutput) {
  std::vector<std::string> args = {"hash", kBig, "tree/empty", "tree/a", "tree/space name.txt"};
  RunResult one = Ferry([&] { auto a = args; a.insert(a.begin() + 1, {"--jobs", "1"}); return a; }());
  RunResult many = Ferry([&] { auto a = args; a.insert(a.begin() + 1, {"--jobs", "8"}); return a; }());
  RunResult gnu = Tool({"sha256sum", kBig, "tree/empty", "tree/a/x", "tree/space name.txt"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(one.out, gnu.out);
  EXPECT_EQ(many.out, gnu.out);
}

TEST_F(HashCommandTest, StandardInputIsHashedAsDash) {
  RunResult r = Ferry({"hash", "-"}, "abc");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n");
}

TEST_F(HashCommandTest, CheckPassesOnSha256sumsOwnOutput) {
  WriteFile(Path("SHA256SUMS"), GnuOverTree("sha256sum"));
  RunResult r = Ferry({"hash", "--check", "SHA256SUMS"});
  RunResult gnu = Tool({"sha256sum", "-c", "SHA256SUMS"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, gnu.out);  // including "\tree/new\nline: OK"
}

TEST_F(HashCommandTest, CheckInfersMd5FromDigestLength) {
  WriteFile(Path("MD5SUMS"), GnuOverTree("md5sum"));
  RunResult r = Ferry({"hash", "-c", "MD5SUMS"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, Tool({"md5sum", "-c", "MD5SUMS"}).out);
}

TEST_F(HashCommandTest, CheckAcceptsBinaryModeAndTagLines) {
  RunResult binary = Tool({"sha256sum", "--binary", "tree/a b", "tree/back\\slash"});
  RunResult tagged = Tool({"md5sum", "--tag", "tree/empty"});
  ASSERT_NE(binary.out.find(" *tree/a b"), std::string::npos) << binary.out;
  WriteFile(Path("mixed"), binary.out + tagged.out);
  RunResult r = Ferry({"hash", "-c", "mixed"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tree/a b: OK\ntree/back\\slash: OK\ntree/empty: OK\n");
}

// Issue 9: `ferry hash -c` rejected "<hex> <name>" (one space), which sha256sum 9 accepts as
// the reversed BSD form (md5 -r). What GNU does with it depends on the lines before it, in the
// same list or an earlier one of the run; ferry must print what sha256sum prints.
TEST_F(HashCommandTest, CheckReadsOneSpaceLinesLikeSha256sum) {
  // "<hex>  <name>\n" from sha256sum, made "<hex> <name>\n".
  auto one_space = [&](const std::string& name) {
    std::string line = Tool({"sha256sum", name}).out;
    return line.erase(64, 1);
  };
  auto two_spaces = [&](const std::string& name) { return Tool({"sha256sum", name}).out; };
  struct Case {
    const char* what;
    std::vector<std::string> lists;
    int ferry_exit;  // -1: the same as sha256sum's
  };
  const std::vector<Case> cases = {
      {"one-space lines only", {one_space("tree/empty") + one_space("tree/a b")}, -1},
      // Then a two-space line names " tree/empty", which does not exist.
      {"one-space first", {one_space("tree/a b") + two_spaces("tree/empty")}, -1},
      // GNU warns and exits 0 unless --strict; ferry is always strict.
      {"two-space first", {two_spaces("tree/empty") + one_space("tree/a b")}, 1},
      // The first list decides for the second: GNU exits 1, ferry 2 (a list without one valid
      // line is a usage error).
      {"across lists", {two_spaces("tree/empty"), one_space("tree/a b")}, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<std::string> gnu = {"sha256sum", "-c"}, ferry = {"hash", "-c"};
    for (size_t i = 0; i < c.lists.size(); ++i) {
      const std::string name = "L" + std::to_string(i);
      WriteFile(Path(name), c.lists[i]);
      gnu.push_back(name);
      ferry.push_back(name);
    }
    RunResult want = Tool(gnu);
    RunResult got = Ferry(ferry);
    EXPECT_EQ(got.out, want.out) << got.err;
    EXPECT_EQ(got.exit_code, c.ferry_exit < 0 ? want.exit_code : c.ferry_exit) << got.err;
  }
  WriteFile(Path("L0"), one_space("tree/empty") + one_space("tree/a b"));
  RunResult r = Ferry({"hash", "-c", "L0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tree/empty: OK\ntree/a b: OK\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(HashCommandTest, CheckCatchesAFlippedByte) {
  WriteFile(Path("SHA256SUMS"), GnuOverTree("sha256sum"));
  std::string big = ReadFile(Path(kBig));
  big[big.size() / 2] ^= 0x01;
  WriteFile(Path(kBig), big);
  RunResult r = Ferry({"hash", "--check", "SHA256SUMS"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, Tool({"sha256sum", "-c", "SHA256SUMS"}).out);
  EXPECT_NE(r.out.find("tree/sub/big.bin: FAILED\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "ferry: WARNING: 1 computed checksum did NOT match\n");
}

TEST_F(HashCommandTest, CheckReportsMissingFile) {
  WriteFile(Path("SHA256SUMS"), GnuOverTree("sha256sum"));
  ASSERT_EQ(unlink(Path("tree/empty").c_str()), 0);
  RunResult r = Ferry({"hash", "--check", "SHA256SUMS"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("tree/empty: FAILED open or read\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tree/a b: OK\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err,
            "ferry: cannot read: tree/empty: No such file or directory; check the path\n"
            "ferry: WARNING: 1 listed file could not be read\n");
}

TEST_F(HashCommandTest, CheckIgnoreMissingSkipsMissingFiles) {
  WriteFile(Path("SHA256SUMS"), GnuOverTree("sha256sum"));
  ASSERT_EQ(unlink(Path("tree/empty").c_str()), 0);
  RunResult r = Ferry({"hash", "--check", "SHA256SUMS", "--ignore-missing"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("tree/empty"), std::string::npos) << r.out;
}

TEST_F(HashCommandTest, CheckNamesMalformedLineByNumber) {
  std::string sums = GnuOverTree("sha256sum");
  size_t second_line_end = sums.find('\n', sums.find('\n') + 1);
  sums.insert(second_line_end + 1, "this is not a checksum line\n");
  WriteFile(Path("SHA256SUMS"), sums);
  RunResult r = Ferry({"hash", "-c", "SHA256SUMS"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "ferry: SHA256SUMS:3: improperly formatted checksum line; expected '<hex>  <path>' "
            "as sha256sum or md5sum writes it\n"
            "ferry: WARNING: 1 line is improperly formatted\n");
  // The valid lines were still verified.
  EXPECT_NE(r.out.find("tree/sub/big.bin: OK\n"), std::string::npos) << r.out;
}

TEST_F(HashCommandTest, CheckWithoutAnyValidLineIsAUsageError) {
  WriteFile(Path("junk"), "hello\nworld\n");
  RunResult r = Ferry({"hash", "-c", "junk"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("ferry: junk:1: improperly formatted checksum line"), std::string::npos);
  EXPECT_NE(r.err.find("ferry: junk:2: improperly formatted checksum line"), std::string::npos);
  EXPECT_NE(r.err.find("ferry: junk: no properly formatted checksum lines found"),
            std::string::npos)
      << r.err;
}

TEST_F(HashCommandTest, CheckWithMissingListIsAUsageError) {
  RunResult r = Ferry({"hash", "-c", "nope.sums"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "ferry: cannot read checksum list: nope.sums: No such file or directory; check the "
            "path\n");
}

TEST_F(HashCommandTest, CheckWithForcedAlgoRejectsOtherDigests) {
  WriteFile(Path("MD5SUMS"), Tool({"md5sum", "tree/empty"}).out);
  RunResult r = Ferry({"hash", "--algo", "sha256", "-c", "MD5SUMS"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ferry: MD5SUMS:1: improperly formatted checksum line"),
            std::string::npos)
      << r.err;
}

TEST_F(HashCommandTest, MissingPathIsReportedAndOthersStillHashed) {
  RunResult r = Ferry({"hash", "tree/empty", "nope", "tree/a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, std::string(kEmptySha256) + "  tree/empty\n" +
                       Tool({"sha256sum", "tree/a/x"}).out);
  EXPECT_EQ(r.err, "ferry: cannot hash: nope: No such file or directory; check the path\n");
}

TEST_F(HashCommandTest, UnknownAlgorithmIsAUsageError) {
  RunResult r = Ferry({"hash", "--algo", "sha1", "tree"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "ferry: unknown hash algorithm 'sha1'; use sha256 or md5\n");
}

TEST_F(HashCommandTest, ZeroJobsIsAUsageError) {
  RunResult r = Ferry({"hash", "--jobs", "0", "tree"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("ferry: "), std::string::npos);
}

TEST_F(HashCommandTest, UnreadableFileIsReported) {
  WriteFile(Path("locked"), "secret");
  ASSERT_EQ(chmod(Path("locked").c_str(), 0000), 0);
  std::vector<std::string> argv = {testing::FerryBinary(), "hash", "locked", "tree/empty"};
  if (geteuid() == 0) {
    // Root reads mode-000 files; run ferry as nobody, who may traverse the temp dir. The build
    // tree may sit where nobody cannot reach (a clone under /root), so nobody runs a copy.
    ASSERT_EQ(chmod(tmp_.path().c_str(), 0755), 0);
    WriteFile(Path("ferry-copy"), ReadFile(testing::FerryBinary()));
    ASSERT_EQ(chmod(Path("ferry-copy").c_str(), 0755), 0);
    argv = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            Path("ferry-copy"), "hash", "locked", "tree/empty"};
  }
  RunResult r = RunProcess(argv, tmp_.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, std::string(kEmptySha256) + "  tree/empty\n");
  EXPECT_EQ(r.err,
            "ferry: cannot hash: locked: Permission denied; check its permissions, or run as a "
            "user who may read it\n");
}

TEST_F(HashCommandTest, ReadErrorAfterOpenIsReported) {
  RunResult r = Ferry({"hash", "/proc/self/mem"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "ferry: cannot hash: /proc/self/mem: Input/output error; check that the path names "
            "a readable file and that its disk is healthy\n");
}

TEST_F(HashCommandTest, JsonListsPathAlgoAndDigest) {
  RunResult r = Ferry({"--json", "hash", "tree/empty", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["path"], "tree/empty");
  EXPECT_EQ(j[0]["algo"], "sha256");
  EXPECT_EQ(j[0]["digest"], kEmptySha256);
  EXPECT_EQ(j[1]["path"], "nope");
  EXPECT_TRUE(j[1].contains("error"));
}

TEST_F(HashCommandTest, JsonCheckReportsEachResult) {
  WriteFile(Path("SUMS"), Tool({"sha256sum", "tree/empty", "tree/a b"}).out);
  WriteFile(Path("tree/a b"), "changed");
  RunResult r = Ferry({"hash", "--json", "-c", "SUMS"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["path"], "tree/empty");
  EXPECT_EQ(j[0]["result"], "ok");
  EXPECT_EQ(j[1]["path"], "tree/a b");
  EXPECT_EQ(j[1]["result"], "failed");
  EXPECT_NE(j[1]["expected"], j[1]["actual"]);
}

}  // namespace
}  // namespace ferry
