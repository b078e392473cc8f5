#include "cli/command.h"

namespace ferry::cli {

const std::vector<CommandSpec>& AllCommands() {
  static const std::vector<CommandSpec> kCommands = {
      {"pull", "Make a workspace match a catalog server's manifest", &NewPullCommand},
      {"sync", "Make two directories agree, three-way, with conflict policies and backups",
       &NewSyncCommand},
      {"audit", "Check (and with --heal, repair) a pulled workspace's invariants",
       &NewAuditCommand},
      {"serve", "Serve a catalog to `ferry pull` clients", &NewServeCommand},
      {"stack", "List, add or remove what your stack on a catalog server holds", &NewStackCommand},
      {"push", "Ship finished runs to the NAS, verify them, then free the local disk",
       &NewPushCommand},
      {"hash", "Print or check SHA-256 / MD5 digests, like sha256sum", &NewHashCommand},
  };
  return kCommands;
}

}  // namespace ferry::cli
