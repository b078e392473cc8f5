// The parts of the CommandRunner seam that every implementation shares.
#include "ferry/command_runner.h"

#include <string>
#include <string_view>

namespace ferry {

CommandRunner::~CommandRunner() = default;

namespace {

// The Debian package that provides `program`, for the hint in the not-found message.
std::string_view PackageFor(std::string_view program) {
  if (program == "ssh" || program == "scp" || program == "sftp" || program == "ssh-keygen") {
    return "openssh-client";
  }
  if (program == "sshd") return "openssh-server";
  return program;
}

bool NeedsQuoting(const std::string& arg) {
  if (arg.empty()) return true;
  for (char c : arg) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("-_./=:,@%+").find(c) != std::string_view::npos;
    if (!plain) return true;
  }
  return false;
}

}  // namespace

Status ProgramNotFoundError(std::string_view program) {
  // A path names one file; only a bare name was looked up on PATH.
  const size_t slash = program.rfind('/');
  if (slash != std::string_view::npos) {
    std::string_view base = program.substr(slash + 1);
    return Status::NotFound("cannot run '" + std::string(program) + "': no such file; install " +
                            std::string(base) + " there or fix the path");
  }
  return Status::NotFound("cannot run '" + std::string(program) +
                          "': not found on PATH; install it with apt-get install " +
                          std::string(PackageFor(program)));
}

std::string DescribeCommand(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    if (!NeedsQuoting(arg)) {
      out += arg;
      continue;
    }
    // Single quotes keep everything literal; a quote inside becomes '\''.
    out += '\'';
    for (char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

}  // namespace ferry
