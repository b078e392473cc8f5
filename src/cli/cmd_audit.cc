// Placeholder: replaced by the issue that builds `ferry audit`.
#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {
namespace {
class AuditCommand : public Command {
 public:
  void Configure(CLI::App*) override {}
  int Run(const GlobalOptions&) override {
    return ReportFailure(Status::Internal("ferry audit is not built yet"));
  }
};
}  // namespace
std::unique_ptr<Command> NewAuditCommand() { return std::make_unique<AuditCommand>(); }
}  // namespace ferry::cli
