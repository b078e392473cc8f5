// The subcommand table of the `ferry` binary (like ninja's -t tools): each command is one
// class in its own cmd_<name>.cc that declares its options and runs. main.cc knows only the
// table. Commands are thin: parse, call an engine in libferry, render, map Status -> exit code.
#ifndef FERRY_CLI_COMMAND_H_
#define FERRY_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <vector>

namespace ferry::cli {

// Options every command accepts (before or after the command's name).
struct GlobalOptions {
  bool json = false;  // machine-readable output on stdout
  int verbosity = 0;  // -1 quiet, 0 default, 1 -v, 2 -vv
};

class Command {
 public:
  Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;
  virtual ~Command() = default;

  // Declares the command's positional arguments and options on its CLI11 subcommand.
  virtual void Configure(CLI::App* app) = 0;
  // Runs after a successful parse; returns the process exit code (see exit_codes.h).
  virtual int Run(const GlobalOptions& global) = 0;
};

struct CommandSpec {
  const char* name;
  const char* summary;  // one line, shown by `ferry help`
  std::unique_ptr<Command> (*make)();
};

// Every command, in the order `ferry help` lists them.
const std::vector<CommandSpec>& AllCommands();

// Factories, one per cmd_<name>.cc.
std::unique_ptr<Command> NewHashCommand();
std::unique_ptr<Command> NewPullCommand();
std::unique_ptr<Command> NewAuditCommand();
std::unique_ptr<Command> NewServeCommand();
std::unique_ptr<Command> NewStackCommand();
std::unique_ptr<Command> NewPushCommand();
std::unique_ptr<Command> NewSyncCommand();

}  // namespace ferry::cli

#endif  // FERRY_CLI_COMMAND_H_
