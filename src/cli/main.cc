// The `ferry` binary: a thin shell over libferry. Parses the global options and the
// subcommand table (cli/commands.cc), then hands over to the chosen command.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "ferry/version.h"

namespace ferry::cli {
namespace {

// True if `--json` is among the arguments (before a lone "--"), for reporting a failed parse
// in the form the caller asked for.
bool ArgvHasJsonFlag(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg == "--json") return true;
  }
  return false;
}

int Main(int argc, char** argv) {
  CLI::App app{"ferry: move a data team's data without ever losing it", "ferry"};
  app.set_version_flag("--version", std::string("ferry ") + FERRY_VERSION);
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options are accepted after the command's name too
  app.footer(
      "Run 'ferry help COMMAND' for a command's options. Exit codes: 0 ok, 1 partial "
      "failure, 2 usage or config error, 3 peer unreachable or unauthorized, 4 needs a "
      "human, 5 refused for safety. With --json, a command that fails prints "
      "{\"ok\": false, \"error\": {\"code\", \"message\", \"exit_code\"}} on "
      "stdout.");

  GlobalOptions global;
  int64_t verbose = 0;
  bool quiet = false;
  app.add_flag("--json", global.json, "Print machine-readable JSON on stdout");
  app.add_flag("-v,--verbose", verbose, "More log output (-vv for debug)");
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");

  std::vector<std::unique_ptr<Command>> commands;
  std::vector<CLI::App*> subs;
  for (const CommandSpec& spec : AllCommands()) {
    commands.push_back(spec.make());
    CLI::App* sub = app.add_subcommand(spec.name, spec.summary);
    commands.back()->Configure(sub);
    subs.push_back(sub);
  }

  std::string help_topic;
  CLI::App* help = app.add_subcommand("help", "Show help for ferry or one command");
  help->add_option("COMMAND", help_topic, "The command to explain");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // The parse failed, so global.json may not be set yet; the flag alone decides.
    global.json = global.json || ArgvHasJsonFlag(argc, argv);
    return ReportFailure(
        global, Status::InvalidArgument(std::string(e.what()) + "; run 'ferry help' for usage"));
  }

  global.verbosity = quiet ? -1 : static_cast<int>(verbose);
  InitLogging(global.verbosity);

  if (help->parsed() || app.get_subcommands().empty()) {
    if (help_topic.empty()) {
      std::fputs(app.get_formatter()->make_help(&app, "ferry", CLI::AppFormatMode::Normal).c_str(),
                 stdout);
      return app.get_subcommands().empty() && !help->parsed() ? kExitUsage : kExitOk;
    }
    for (CLI::App* sub : subs) {
      if (sub->get_name() == help_topic) {
        std::fputs(sub->help().c_str(), stdout);
        return kExitOk;
      }
    }
    return ReportFailure(global, Status::InvalidArgument("unknown command '" + help_topic +
                                                         "'; run 'ferry help' for the list"));
  }
  for (size_t i = 0; i < subs.size(); ++i) {
    if (subs[i]->parsed()) return commands[i]->Run(global);
  }
  return kExitUsage;
}

}  // namespace
}  // namespace ferry::cli

int main(int argc, char** argv) { return ferry::cli::Main(argc, argv); }
