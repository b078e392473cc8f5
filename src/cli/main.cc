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

int Main(int argc, char** argv) {
  CLI::App app{"ferry: move a data team's data without ever losing it", "ferry"};
  app.set_version_flag("--version", std::string("ferry ") + FERRY_VERSION);
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options are accepted after the command's name too
  app.footer("Run 'ferry help COMMAND' for a command's options. Exit codes: 0 ok, 1 partial "
             "failure, 2 usage or config error, 3 peer unreachable or unauthorized, 4 needs a "
             "human, 5 refused for safety.");

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
    std::fprintf(stderr, "ferry: %s; run 'ferry help' for usage\n", e.what());
    return kExitUsage;
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
    std::fprintf(stderr, "ferry: unknown command '%s'; run 'ferry help' for the list\n",
                 help_topic.c_str());
    return kExitUsage;
  }
  for (size_t i = 0; i < subs.size(); ++i) {
    if (subs[i]->parsed()) return commands[i]->Run(global);
  }
  return kExitUsage;
}

}  // namespace
}  // namespace ferry::cli

int main(int argc, char** argv) { return ferry::cli::Main(argc, argv); }
