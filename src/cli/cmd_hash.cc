// Placeholder: replaced by the issue that builds `ferry hash`.
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {
namespace {
class HashCommand : public Command {
 public:
  void Configure(CLI::App*) override {}
  int Run(const GlobalOptions&) override {
    return ReportFailure(Status::Internal("ferry hash is not built yet"));
  }
};
}  // namespace
std::unique_ptr<Command> NewHashCommand() { return std::make_unique<HashCommand>(); }
}  // namespace ferry::cli
