// RunCommand: runs a program to completion for a test and captures what it printed. The run
// has a deadline (60 s unless told): past it the program is killed, the result says
// timed_out and the test fails, instead of the suite hanging on a wedged child.
//
// stdout and stderr go to files in a temp dir (no pipe to drain, so no deadlock whatever the
// program prints), stdin comes from `input`.
//
// Thread-safety: reentrant.
#ifndef FERRY_TESTS_SUPPORT_RUN_COMMAND_H_
#define FERRY_TESTS_SUPPORT_RUN_COMMAND_H_

#include <chrono>
#include <string>
#include <vector>

namespace ferry::testing {

struct CommandResult {
  int exit_code = -1;  // or 128 + signal; -1 when it could not be started
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct RunOptions {
  std::string cwd;                     // empty: the test's working directory
  std::string input;                   // stdin
  std::vector<std::string> env_unset;  // inherited variables to drop, by name
  std::vector<std::string> env_add;    // "NAME=value"
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

// Runs `argv` (argv[0] looked up in PATH when it has no '/'). A start failure or a timeout
// is also reported as a test failure naming the program.
CommandResult RunCommand(const std::vector<std::string>& argv, const RunOptions& options);

// The serve tests' form: the environment without FERRY_TOKEN, plus `extra_env`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {});

// `command` run by /bin/sh -c, for tests that need a shell's redirections or pipes.
CommandResult RunShell(const std::string& command, const RunOptions& options = {});

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_RUN_COMMAND_H_
