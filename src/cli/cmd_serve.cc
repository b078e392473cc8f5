// Placeholder: replaced by the issue that builds `ferry serve`.
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {
namespace {
class ServeCommand : public Command {
 public:
  void Configure(CLI::App*) override {}
  int Run(const GlobalOptions&) override {
    return ReportFailure(Status::Internal("ferry serve is not built yet"));
  }
};
}  // namespace
std::unique_ptr<Command> NewServeCommand() { return std::make_unique<ServeCommand>(); }
}  // namespace ferry::cli
