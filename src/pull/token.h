// Where `ferry pull` finds its bearer token (docs/PROTOCOL.md "Authentication"), first hit
// wins:
//   1. --token
//   2. the environment variable FERRY_TOKEN
//   3. <workspace>/.ferry/token         (per workspace)
//   4. $HOME/.config/ferry/token        (per user)
// A token file holds the token on its first line; surrounding whitespace is ignored. No token
// anywhere is not an error: requests go without an Authorization header (an open server).
//
// Thread-safety: a pure function over the Env.
#ifndef FERRY_PULL_TOKEN_H_
#define FERRY_PULL_TOKEN_H_

#include <string>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::pull {

struct TokenSources {
  std::string flag;       // --token ("" = not given)
  std::string env_value;  // $FERRY_TOKEN ("" = unset)
  std::string workspace;  // absolute
  std::string home;       // $HOME ("" = unknown)
};

// The token, or "" when none is configured. A token file that exists but cannot be read is
// an error naming it.
Result<std::string> ResolveToken(Env* env, const TokenSources& sources);

}  // namespace ferry::pull

#endif  // FERRY_PULL_TOKEN_H_
