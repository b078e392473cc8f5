// How the `ferry` binary fails, end to end against a real `ferry serve` on loopback (and a
// plain web server for a foreign 404 page): exit codes, the one stderr line, the --json error
// document, and the summary a pull prints. Regression tests for issue 9's smaller findings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "serve/serve_fixture.h"
#include "support/loopback_http_server.h"
#include "support/run_command.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

constexpr char kTokenHint[] =
    "; pass --token, set FERRY_TOKEN or write the token file ~/.config/ferry/token";

// The last line of `text` without its '\n' (a pull may print progress lines before it).
std::string LastLine(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

class CliErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(catalog_.ServeArgs())) << server_.stderr_text();
  }
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0) << server_.stderr_text(); }

  // Runs ferry with `args` in an empty directory, with HOME there too and no FERRY_TOKEN, so
  // no token file of the machine's can be found: only what a test passes counts.
  CommandResult Ferry(const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {}) {
    RunOptions options;
    options.cwd = home_.path();
    options.env_unset = {"FERRY_TOKEN", "HOME"};
    options.env_add = {"HOME=" + home_.path()};
    options.env_add.insert(options.env_add.end(), env.begin(), env.end());
    std::vector<std::string> argv = {FerryBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, options);
  }

  std::string Workspace() const { return home_.Join("ws"); }

  SampleCatalog catalog_;
  ServeProcess server_;
  TempDir home_;  // HOME and the working directory of every run
};

// Issue 9: `ferry help stack` said 2 for an unknown item, the binary exited 3. The server
// answers 403 alike for an unknown item and one not granted (it does not tell which exist).
TEST_F(CliErrorsTest, StackItemThatIsUnknownOrNotGrantedExitsTwo) {
  CommandResult r = Ferry(
      {"stack", "add", "packages", "nosuch", "--server", server_.url(), "--token", "tok-ana"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "ferry: package 'nosuch' is not in your grants (no such item, or not granted to "
            "you); 'ferry stack list' shows what you may add or remove\n");
  r = Ferry(
      {"stack", "add", "packages", "finance", "--server", server_.url(), "--token", "tok-ana"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Ferry({"stack", "remove", "memory_domains", "nosuch", "--server", server_.url(), "--token",
             "tok-ana"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err,
            "ferry: memory domain 'nosuch' is not in your grants (no such item, or not granted "
            "to you); 'ferry stack list' shows what you may add or remove\n");
  // What the help promises.
  r = Ferry({"help", "stack"});
  EXPECT_NE(r.out.find("2 bad usage, or an item that does not exist or is not granted to you"),
            std::string::npos)
      << r.out;
}

// Issue 9: pull without a token asked the server, stack refused up front: now both ask, and
// the server's 401 says what is missing (exit 3).
TEST_F(CliErrorsTest, NoTokenAsksTheServerAndItsRefusalSaysWhatToDo) {
  const std::string missing =
      ": HTTP 401 Unauthorized: missing 'Authorization: Bearer <token>' header" +
      std::string(kTokenHint);
  CommandResult r = Ferry({"stack", "list", "--server", server_.url()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err, "ferry: GET " + server_.url() + "/api/catalog" + missing + "\n");
  r = Ferry({"stack", "add", "packages", "sales", "--server", server_.url()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err, "ferry: PUT " + server_.url() + "/api/stack/packages/sales" + missing + "\n");
  r = Ferry({"pull", "--server", server_.url(), "--workspace", Workspace()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(LastLine(r.err), "ferry: GET " + server_.url() + "/api/sync/manifest" + missing);

  // The same token sources for both: a token file in HOME is found by stack as by pull.
  WriteFile(home_.Join(".config/ferry/token"), "tok-ana\n");
  r = Ferry({"stack", "list", "--server", server_.url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Ferry({"pull", "--server", server_.url(), "--workspace", Workspace(), "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliErrorsTest, RefusedTokenGivesTheServersReasonAndTheSameHint) {
  CommandResult r = Ferry({"stack", "list", "--server", server_.url(), "--token", "wrong"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err, "ferry: GET " + server_.url() +
                       "/api/catalog: HTTP 401 Unauthorized: unknown token; check --token or "
                       "FERRY_TOKEN" +
                       kTokenHint + "\n");
}

// Issue 9: a failed command printed nothing on stdout under --json.
TEST_F(CliErrorsTest, JsonFailurePrintsAnErrorDocumentForEveryCommand) {
  struct Case {
    const char* what;
    std::vector<std::string> args;
    int exit_code;
    const char* code;
  };
  const std::string url = server_.url();
  const std::vector<Case> cases = {
      {"stack item",
       {"--json", "stack", "add", "packages", "nosuch", "--server", url, "--token", "tok-ana"},
       2,
       "invalid argument"},
      {"stack token", {"stack", "list", "--json", "--server", url}, 3, "unauthorized"},
      {"pull token",
       {"pull", "--json", "--server", url, "--workspace", Workspace()},
       3,
       "unauthorized"},
      {"pull unreachable",
       {"--json", "pull", "--server", "http://127.0.0.1:1", "--workspace", Workspace()},
       3,
       "unavailable"},
      {"pull bad --link",
       {"--json", "pull", "--server", url, "--link", "teleport"},
       2,
       "invalid argument"},
      {"hash algo", {"--json", "hash", "--algo", "sha1", "x"}, 2, "invalid argument"},
      {"serve catalog", {"--json", "serve", "--catalog", home_.Join("none.yaml")}, 2, nullptr},
      {"parse error", {"--json", "pull"}, 2, "invalid argument"},
      {"help topic", {"--json", "help", "nosuch"}, 2, "invalid argument"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    CommandResult r = Ferry(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    json j = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "stdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_EQ(j["ok"], false);
    EXPECT_EQ(j["error"]["exit_code"], c.exit_code);
    if (c.code != nullptr) {
      EXPECT_EQ(j["error"]["code"], c.code);
    }
    // The message is the stderr line's.
    EXPECT_EQ("ferry: " + j["error"]["message"].get<std::string>(), LastLine(r.err));
  }
  CommandResult r = Ferry(
      {"--json", "stack", "add", "packages", "nosuch", "--server", url, "--token", "tok-ana"});
  EXPECT_EQ(json::parse(r.out),
            json::parse(R"({"ok": false, "error": {"code": "invalid argument", "message":
                "package 'nosuch' is not in your grants (no such item, or not granted to you); 'ferry stack list' shows what you may add or remove",
                "exit_code": 2}})"));
}

// Issue 9: a 404 embedded the server's HTML page in the message.
TEST_F(CliErrorsTest, NotFoundSaysWhatWasAskedAndNeverQuotesAPage) {
  LoopbackHttpServer web;
  web.server().Get(".*", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>\n<h1>Not "
        "Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n",
        "text/html; charset=iso-8859-1");
  });
  web.Start();
  CommandResult r =
      Ferry({"pull", "--server", web.url("/catalog"), "--token", "t", "--workspace", Workspace()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(LastLine(r.err), "ferry: GET " + web.url("/catalog/api/sync/manifest") +
                                 ": HTTP 404 Not Found (is --server the catalog server?)");
  r = Ferry({"stack", "list", "--server", web.url(""), "--token", "t"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err, "ferry: GET " + web.url("/api/catalog") +
                       ": HTTP 404 Not Found (is --server the catalog server?)\n");

  // ferry serve's own 404 is JSON: its reason is given, not its syntax.
  r = Ferry({"pull", "--server", server_.url() + "/nope", "--token", "tok-ana", "--workspace",
             Workspace()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(LastLine(r.err), "ferry: GET " + server_.url() +
                                 "/nope/api/sync/manifest: HTTP 404 Not Found: no such endpoint; "
                                 "see docs/PROTOCOL.md (is --server the catalog server?)");
}

// Issue 9: "data packages: 5 added" counted table references; and the reflink note said "copy
// instead" when symlinks were made.
TEST_F(CliErrorsTest, PullSummarySaysWhatItCountsAndWhichLinkWasUsed) {
  // ana: sales [orders, customers] and onboarding [customers]; direct table events; playbook.
  CommandResult r =
      Ferry({"pull", "--server", server_.url(), "--token", "tok-ana", "--workspace", Workspace()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.out.substr(0, r.out.find("memory domains")),
            "direct tables: 1 added, 0 updated, 0 removed\n"
            "data packages (table references): 3 added in 2 packages, 0 updated, 0 removed\n");
  EXPECT_EQ(r.out.find("copy instead"), std::string::npos) << r.out;
  const size_t note = r.out.find("note: reflink dropped for this run: ");
  if (note != std::string::npos) {  // a filesystem that cannot clone (ext4, overlayfs, tmpfs)
    const std::string line = r.out.substr(note, r.out.find('\n', note) - note);
    const std::string tail = "(the filesystem cannot clone); references made with symlink instead";
    ASSERT_GE(line.size(), tail.size()) << line;
    EXPECT_EQ(line.substr(line.size() - tail.size()), tail) << line;
  }

  // ana drops sales: two references removed, one package; the JSON says both.
  r = Ferry(
      {"stack", "remove", "packages", "sales", "--server", server_.url(), "--token", "tok-ana"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Ferry({"pull", "--json", "--server", server_.url(), "--token", "tok-ana", "--workspace",
             Workspace()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["data_packages"]["removed"], 2);
  EXPECT_EQ(j["data_packages"]["packages"], json::parse(R"({"added":0,"updated":0,"removed":1})"));
}

}  // namespace
}  // namespace ferry::testing
