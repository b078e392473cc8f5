// ResolveCaBundle: which CA certificates an https:// server is verified against, for the
// commands that make requests (`ferry pull`, `ferry stack`): --cacert FILE, else
// $FERRY_CA_BUNDLE, else "" (the system's CA store, libcurl's default). Like curl --cacert the
// file is a PEM bundle and replaces the system's store rather than adding to it.
//
// The file is opened once here, so a typo is a usage error (kInvalidArgument, exit 2) naming
// where the path came from, e.g. "--cacert: open /etc/ca.pem: No such file or directory",
// before any request, instead of a TLS failure on every one.
//
// Thread-safety: reads the environment; call from the command's thread.
#ifndef FERRY_CLI_CA_BUNDLE_H_
#define FERRY_CLI_CA_BUNDLE_H_

#include <string>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::cli {

Result<std::string> ResolveCaBundle(Env* env, const std::string& cacert_flag);

}  // namespace ferry::cli

#endif  // FERRY_CLI_CA_BUNDLE_H_
