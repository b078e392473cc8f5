// Placeholder: replaced by the issue that builds `ferry stack`.
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {
namespace {
class StackCommand : public Command {
 public:
  void Configure(CLI::App*) override {}
  int Run(const GlobalOptions&) override {
    return ReportFailure(Status::Internal("ferry stack is not built yet"));
  }
};
}  // namespace
std::unique_ptr<Command> NewStackCommand() { return std::make_unique<StackCommand>(); }
}  // namespace ferry::cli
