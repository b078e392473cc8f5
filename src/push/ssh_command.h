// How ferry talks to an rsync_ssh NAS: the ssh options every call uses, as argv for `ssh` and
// as the `-e` string for `rsync`, and shell quoting for the remote commands ssh runs (ssh
// joins its arguments into one string that the NAS's login shell parses).
//
// Every call is non-interactive: `-o BatchMode=yes` makes ssh fail (exit 255, "Permission
// denied (publickey)") instead of asking for a password or a host key confirmation that no
// one would answer in a worker. The key is `-i ssh_key_path` ("~/" expanded with `home`), the
// port `-p ssh_port`, and `ssh_known_hosts`, when set, is `-o UserKnownHostsFile=<file>`.
//
// Thread-safety: pure functions.
#ifndef FERRY_PUSH_SSH_COMMAND_H_
#define FERRY_PUSH_SSH_COMMAND_H_

#include <string>
#include <string_view>
#include <vector>

#include "push/config.h"

namespace ferry::push {

// `path` with a leading "~/" (or a lone "~") replaced by `home`; anything else unchanged.
std::string ExpandHome(std::string_view path, std::string_view home);

// `text` as one word for a POSIX shell: single-quoted, each ' written as '\''.
std::string ShellQuote(std::string_view text);

// The ssh options: {"-i", KEY, "-o", "BatchMode=yes", "-p", PORT[, "-o",
// "UserKnownHostsFile=FILE"]}.
std::vector<std::string> SshOptions(const TransportConfig& transport, std::string_view home);

// {"ssh", options..., ssh_target, remote_command}: runs remote_command in the NAS's shell.
std::vector<std::string> SshArgv(const TransportConfig& transport, std::string_view home,
                                 const std::string& remote_command);

// rsync's -e value: "ssh -i KEY -o BatchMode=yes -p PORT ...", a word with a space or other
// special character single-quoted the way rsync's own splitting reads it ('' for a quote).
std::string RsyncRemoteShell(const TransportConfig& transport, std::string_view home);

}  // namespace ferry::push

#endif  // FERRY_PUSH_SSH_COMMAND_H_
