#include "base/fake_command_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace ferry {
namespace {

CommandSpec Spec(std::vector<std::string> argv) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

TEST(FakeCommandRunnerTest, RecordsEverySpecAndExitsZeroByDefault) {
  FakeCommandRunner fake;
  CommandSpec first = Spec({"rsync", "-a", "/src/run 1/", "nas:/dst/"});
  first.timeout_ms = 1234;
  first.env_overrides = {{"RCLONE_CONFIG", "/dev/null"}};
  Result<CommandResult> r1 = fake.Run(first);
  Result<CommandResult> r2 = fake.Run(Spec({"ssh", "nas", "sha256sum", "x"}));
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r1->ok());
  EXPECT_EQ(r1->exit_code, 0);
  ASSERT_EQ(fake.run_count(), 2u);
  const std::vector<CommandSpec> ran = fake.commands_ran();
  EXPECT_EQ(ran[0].argv, first.argv);
  EXPECT_EQ(ran[0].timeout_ms, 1234);
  EXPECT_EQ(ran[0].env_overrides, first.env_overrides);
  EXPECT_EQ(fake.command_lines(),
            (std::vector<std::string>{"rsync -a '/src/run 1/' nas:/dst/", "ssh nas sha256sum x"}));
}

TEST(FakeCommandRunnerTest, AnswersByProgramNameOrPath) {
  FakeCommandRunner fake;
  fake.OnProgram("rsync", FakeCommandRunner::Exit(23, "", "rsync: some files vanished"));
  Result<CommandResult> by_name = fake.Run(Spec({"rsync", "-a"}));
  Result<CommandResult> by_path = fake.Run(Spec({"/usr/bin/rsync", "-a"}));
  Result<CommandResult> other = fake.Run(Spec({"rclone", "copy"}));
  Result<CommandResult> lookalike = fake.Run(Spec({"/usr/bin/xrsync"}));
  EXPECT_EQ(by_name->exit_code, 23);
  EXPECT_EQ(by_name->stderr_text, "rsync: some files vanished");
  EXPECT_EQ(by_path->exit_code, 23);
  EXPECT_EQ(other->exit_code, 0);
  EXPECT_EQ(lookalike->exit_code, 0);
}

TEST(FakeCommandRunnerTest, LimitedRulesScriptASequence) {
  FakeCommandRunner fake;
  // rsync fails twice with a network error (exit 12), then succeeds.
  fake.OnProgram("rsync", FakeCommandRunner::Exit(12), 2);
  fake.OnProgram("rsync", FakeCommandRunner::Exit(0, "sent 10 bytes"));
  std::vector<int> codes;
  for (int i = 0; i < 4; ++i) codes.push_back(fake.Run(Spec({"rsync"}))->exit_code);
  EXPECT_EQ(codes, (std::vector<int>{12, 12, 0, 0}));
}

TEST(FakeCommandRunnerTest, MatcherAndResponderSeeTheWholeSpecAndMayAct) {
  testing::TempDir tmp;
  FakeCommandRunner fake;
  fake.On([](const CommandSpec& s) { return s.argv.size() == 3 && s.argv[1] == "copy"; },
          [](const CommandSpec& s, const std::atomic<bool>*) -> Result<CommandResult> {
            std::ofstream(s.argv[2] + "/copied") << "bytes";  // what rclone would have done
            return FakeCommandRunner::Exit(0);
          });
  ASSERT_TRUE(fake.Run(Spec({"rclone", "copy", tmp.path()})).ok());
  std::ifstream in(tmp.Join("copied"));
  std::string content;
  in >> content;
  EXPECT_EQ(content, "bytes");
}

TEST(FakeCommandRunnerTest, NotInstalledFailsToStartLikeTheRealRunner) {
  FakeCommandRunner fake;
  fake.NotInstalled("rclone");
  Result<CommandResult> r = fake.Run(Spec({"rclone", "version"}));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(),
            "cannot run 'rclone': not found on PATH; install it with apt-get install rclone");
  fake.FailToStart("ssh", Status::PermissionDenied("cannot run 'ssh': denied"), 1);
  EXPECT_EQ(fake.Run(Spec({"ssh"})).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(fake.Run(Spec({"ssh"})).ok());
  EXPECT_EQ(fake.run_count(), 3u);
}

TEST(FakeCommandRunnerTest, SetDefaultChangesTheUnmatchedAnswer) {
  FakeCommandRunner fake;
  fake.SetDefault(FakeCommandRunner::Exit(255, "", "ssh: connect to host nas port 22: refused"));
  EXPECT_EQ(fake.Run(Spec({"ssh"}))->exit_code, 255);
}

TEST(FakeCommandRunnerTest, CancelledBeforeTheCallRunsNothingButIsRecorded) {
  FakeCommandRunner fake;
  int calls = 0;
  fake.OnProgram("rsync",
                 [&](const CommandSpec&, const std::atomic<bool>*) -> Result<CommandResult> {
                   ++calls;
                   return FakeCommandRunner::Exit(0);
                 });
  std::atomic<bool> cancel{true};
  Result<CommandResult> r = fake.Run(Spec({"rsync"}), &cancel);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(fake.run_count(), 1u);
}

TEST(FakeCommandRunnerTest, ResponderMayWatchTheCancelFlag) {
  FakeCommandRunner fake;
  std::atomic<bool> started{false};
  fake.OnProgram("rsync",
                 [&](const CommandSpec&, const std::atomic<bool>* cancel) -> Result<CommandResult> {
                   started = true;
                   while (!cancel->load()) std::this_thread::yield();
                   CommandResult r;
                   r.cancelled = true;
                   return r;
                 });
  std::atomic<bool> cancel{false};
  Result<CommandResult> r = FakeCommandRunner::Exit(-1);
  std::thread runner([&] { r = fake.Run(Spec({"rsync"}), &cancel); });
  while (!started) std::this_thread::yield();
  // The fake's lock is not held while a responder runs: other calls still go through.
  EXPECT_TRUE(fake.Run(Spec({"ssh"}))->ok());
  cancel = true;
  runner.join();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
}

TEST(FakeCommandRunnerTest, ConcurrentCallsAreAllRecorded) {
  FakeCommandRunner fake;
  fake.OnProgram("rsync", FakeCommandRunner::Exit(0), 100);
  std::vector<std::thread> threads;
  std::atomic<int> zero_exits{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (fake.Run(Spec({"rsync"}))->exit_code == 0) ++zero_exits;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(fake.run_count(), 400u);
  EXPECT_EQ(zero_exits.load(), 400);
}

}  // namespace
}  // namespace ferry
