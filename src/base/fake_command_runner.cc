#include "base/fake_command_runner.h"

#include <string>
#include <utility>
#include <vector>

namespace ferry {

CommandResult FakeCommandRunner::Exit(int exit_code, std::string stdout_text,
                                      std::string stderr_text) {
  CommandResult r;
  r.exit_code = exit_code;
  r.stdout_text = std::move(stdout_text);
  r.stderr_text = std::move(stderr_text);
  return r;
}

bool FakeCommandRunner::ProgramIs(const CommandSpec& spec, const std::string& program) {
  if (spec.argv.empty()) return false;
  const std::string& arg0 = spec.argv[0];
  if (arg0 == program) return true;
  const size_t slash = arg0.rfind('/');
  return slash != std::string::npos && arg0.compare(slash + 1, std::string::npos, program) == 0;
}

void FakeCommandRunner::OnProgram(const std::string& program, CommandResult result, int times) {
  OnProgram(
      program,
      [result = std::move(result)](
          const CommandSpec&, const std::atomic<bool>*) -> Result<CommandResult> { return result; },
      times);
}

void FakeCommandRunner::OnProgram(const std::string& program, Responder responder, int times) {
  On([program](const CommandSpec& spec) { return ProgramIs(spec, program); }, std::move(responder),
     times);
}

void FakeCommandRunner::On(Matcher matcher, Responder responder, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(Rule{std::move(matcher), std::move(responder), times});
}

void FakeCommandRunner::FailToStart(const std::string& program, Status status, int times) {
  OnProgram(
      program,
      [status = std::move(status)](
          const CommandSpec&, const std::atomic<bool>*) -> Result<CommandResult> { return status; },
      times);
}

void FakeCommandRunner::NotInstalled(const std::string& program) {
  FailToStart(program, ProgramNotFoundError(program));
}

void FakeCommandRunner::SetDefault(CommandResult result) {
  std::lock_guard<std::mutex> lock(mu_);
  default_result_ = std::move(result);
}

Result<CommandResult> FakeCommandRunner::Run(const CommandSpec& spec,
                                             const std::atomic<bool>* cancel) {
  Responder responder;
  CommandResult fallback;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ran_.push_back(spec);
    if (spec.argv.empty() || spec.argv[0].empty()) {
      return Status::InvalidArgument("cannot run a command with an empty argv; this is a bug");
    }
    if (cancel != nullptr && cancel->load()) {
      CommandResult r;
      r.cancelled = true;
      return r;
    }
    for (Rule& rule : rules_) {
      if (rule.uses_left == 0 || !rule.matcher(spec)) continue;
      if (rule.uses_left > 0) --rule.uses_left;
      responder = rule.responder;
      break;
    }
    fallback = default_result_;
  }
  if (responder) return responder(spec, cancel);
  return fallback;
}

std::vector<CommandSpec> FakeCommandRunner::commands_ran() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ran_;
}

std::vector<std::string> FakeCommandRunner::command_lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> lines;
  lines.reserve(ran_.size());
  for (const CommandSpec& spec : ran_) lines.push_back(DescribeCommand(spec.argv));
  return lines;
}

size_t FakeCommandRunner::run_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ran_.size();
}

}  // namespace ferry
