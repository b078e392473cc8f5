// Placeholder: replaced by the issue that builds `ferry pull`.
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {
namespace {
class PullCommand : public Command {
 public:
  void Configure(CLI::App*) override {}
  int Run(const GlobalOptions&) override {
    return ReportFailure(Status::Internal("ferry pull is not built yet"));
  }
};
}  // namespace
std::unique_ptr<Command> NewPullCommand() { return std::make_unique<PullCommand>(); }
}  // namespace ferry::cli
