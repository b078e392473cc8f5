#include "push/ssh_command.h"

namespace ferry::push {
namespace {

// Words made only of these need no quoting in a shell or in rsync's -e splitting.
bool IsPlainWord(std::string_view word) {
  if (word.empty()) return false;
  for (char c : word) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '/' || c == '=' || c == ':' ||
                       c == '@' || c == ',' || c == '+';
    if (!plain) return false;
  }
  return true;
}

// rsync's own splitting of -e (rsync(1), --rsh): single quotes keep spaces, and a quote inside
// a quoted word is written twice (not '\'' as in a shell; backslashes are literal there).
std::string RsyncQuote(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += "'";
  return out;
}

}  // namespace

std::string ExpandHome(std::string_view path, std::string_view home) {
  if (path == "~") return std::string(home);
  if (path.starts_with("~/")) return std::string(home) + std::string(path.substr(1));
  return std::string(path);
}

std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::vector<std::string> SshOptions(const TransportConfig& transport, std::string_view home) {
  std::vector<std::string> opts = {"-i", ExpandHome(transport.ssh_key_path, home),
                                   "-o", "BatchMode=yes",
                                   "-p", std::to_string(transport.ssh_port)};
  if (!transport.ssh_known_hosts.empty()) {
    opts.push_back("-o");
    opts.push_back("UserKnownHostsFile=" + ExpandHome(transport.ssh_known_hosts, home));
  }
  return opts;
}

std::vector<std::string> SshArgv(const TransportConfig& transport, std::string_view home,
                                 const std::string& remote_command) {
  std::vector<std::string> argv = {"ssh"};
  for (std::string& o : SshOptions(transport, home)) argv.push_back(std::move(o));
  argv.push_back(transport.ssh_target);
  argv.push_back(remote_command);
  return argv;
}

std::string RsyncRemoteShell(const TransportConfig& transport, std::string_view home) {
  std::string shell = "ssh";
  for (const std::string& o : SshOptions(transport, home)) {
    shell += ' ';
    shell += IsPlainWord(o) ? o : RsyncQuote(o);
  }
  return shell;
}

}  // namespace ferry::push
