// FakeCommandRunner: the CommandRunner for logic tests. It starts nothing: it records every
// CommandSpec it is asked to run (commands_ran(), in call order) and answers from a script.
//
// The script is a list of rules, tried in the order they were added; the first rule whose
// matcher accepts the spec and that has uses left answers it. A rule matches by program
// (argv[0], or its basename: "rsync" matches "/usr/bin/rsync") or by any predicate on the
// spec. A rule answers with a fixed CommandResult, a Status (the program "could not be
// started"), or a function of the spec, which may also act (create the files rsync would
// have copied). A rule added with `times` answers that many calls and then steps aside, so
// "rsync fails twice, then succeeds" is three lines. When no rule matches, the answer is the
// default result: exit 0 with no output (SetDefault changes it).
//
// The cancel flag is honoured like the real runner: when it is already true, nothing is
// "run" (but the spec is still recorded) and the result says cancelled.
//
// Thread-safety: all methods may be called concurrently. A responder runs without the lock
// held, so it may block (to test cancel and concurrency) or call back into the fake.
#ifndef FERRY_BASE_FAKE_COMMAND_RUNNER_H_
#define FERRY_BASE_FAKE_COMMAND_RUNNER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/command_runner.h"

namespace ferry {

class FakeCommandRunner : public CommandRunner {
 public:
  using Matcher = std::function<bool(const CommandSpec& spec)>;
  using Responder = std::function<Result<CommandResult>(const CommandSpec& spec,
                                                        const std::atomic<bool>* cancel)>;
  static constexpr int kAlways = -1;

  FakeCommandRunner() = default;

  // A CommandResult that exited with `exit_code` and printed the given text.
  static CommandResult Exit(int exit_code, std::string stdout_text = "",
                            std::string stderr_text = "");

  // Answers calls whose program is `program` with `result`.
  void OnProgram(const std::string& program, CommandResult result, int times = kAlways);
  // Answers calls whose program is `program` by calling `responder`.
  void OnProgram(const std::string& program, Responder responder, int times = kAlways);
  // Answers calls that `matcher` accepts by calling `responder`.
  void On(Matcher matcher, Responder responder, int times = kAlways);
  // Calls whose program is `program` fail to start with `status` (e.g. ProgramNotFoundError).
  void FailToStart(const std::string& program, Status status, int times = kAlways);
  // Calls whose program is `program` fail to start as if it were not installed.
  void NotInstalled(const std::string& program);
  // The answer when no rule matches (initially Exit(0)).
  void SetDefault(CommandResult result);

  Result<CommandResult> Run(const CommandSpec& spec,
                            const std::atomic<bool>* cancel = nullptr) override;

  // Every spec passed to Run, in call order (copies).
  std::vector<CommandSpec> commands_ran() const;
  // commands_ran() reduced to argv, each joined with DescribeCommand: easy to assert on.
  std::vector<std::string> command_lines() const;
  size_t run_count() const;

  // True when argv[0] is `program` or a path whose last segment is `program`.
  static bool ProgramIs(const CommandSpec& spec, const std::string& program);

 private:
  struct Rule {
    Matcher matcher;
    Responder responder;
    int uses_left;  // kAlways, or how many more calls this rule answers
  };

  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  CommandResult default_result_ = Exit(0);
  std::vector<CommandSpec> ran_;
};

}  // namespace ferry

#endif  // FERRY_BASE_FAKE_COMMAND_RUNNER_H_
