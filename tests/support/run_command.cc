#include "support/run_command.h"

#include <gtest/gtest.h>

#include "support/child_process.h"
#include "support/file_contents.h"
#include "support/temp_dir.h"

namespace ferry::testing {

CommandResult RunCommand(const std::vector<std::string>& argv, const RunOptions& options) {
  TempDir io;
  SpawnOptions spawn;
  spawn.argv = argv;
  spawn.cwd = options.cwd;
  spawn.env_unset = options.env_unset;
  spawn.env_add = options.env_add;
  spawn.stdin_path = io.Join("in");
  spawn.stdout_path = io.Join("out");
  spawn.stderr_path = io.Join("err");
  CommandResult result;
  if (!WriteFile(spawn.stdin_path, options.input)) return result;
  ChildProcess child;
  std::string error;
  if (!child.Start(spawn, &error)) {
    ADD_FAILURE() << error;
    return result;
  }
  result.exit_code = child.Wait(options.timeout, &result.timed_out);
  result.out = ReadFile(spawn.stdout_path);
  result.err = ReadFile(spawn.stderr_path);
  if (result.timed_out) {
    ADD_FAILURE() << argv[0] << " still ran after " << options.timeout.count()
                  << " ms and was killed; its stderr:\n"
                  << result.err;
  }
  return result;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env) {
  RunOptions options;
  options.env_unset = {"FERRY_TOKEN"};
  options.env_add = extra_env;
  return RunCommand(argv, options);
}

CommandResult RunShell(const std::string& command, const RunOptions& options) {
  return RunCommand({"/bin/sh", "-c", command}, options);
}

}  // namespace ferry::testing
