// SeedClient: a pull client that follows ONLY the rules of the seed's own client (pull_sync.py,
// ../shared/seeds/000), to show that `ferry serve` is a drop-in for the seed's server
// (issue 13; docs/PROTOCOL.md, "Older clients"). It knows nothing ferry added: it sends no
// X-Ferry-Features header and does not read `server_only` or `parts`.
//
// The seed's rules, as pull_sync.py has them:
// - GET /api/sync/manifest with the Bearer token;
// - per table of `direct_tables` and of each `data_packages[].tables`: skip it when
//   `query_mode` is "remote" (case-insensitively), and nothing else; skip an entry without
//   `id`; the canonical file is data/_shared/<id>.parquet, fetched when missing or when its
//   MD5 differs from `md5` (else `hash`); the URL is `parquet_url`, else
//   /api/data/<id>/download; after a fetch the MD5 is checked (a mismatch deletes the file and
//   is an error); the reference data/_direct/<name>.parquet or data/<slug>/<name>.parquet is
//   an absolute symlink to the canonical file;
// - per memory domain: GET /api/memory/bundle?domain=<slug> into memory/<slug>/bundle.md.
// Slugs, names and ids must match ^[A-Za-z0-9_.-]+$. Any HTTP status but 200 is an error of
// that entry ("HTTP Error <code>"), and the pull goes on, as in the seed.
//
// Not modelled (the tests that use it never need them): sync_state.json, dropping what left
// the manifest, the invariant audit. Every bundle is fetched on every pull.
//
// Thread-safety: SeedPull is reentrant.
#ifndef FERRY_TESTS_SUPPORT_SEED_CLIENT_H_
#define FERRY_TESTS_SUPPORT_SEED_CLIENT_H_

#include <map>
#include <string>
#include <vector>

namespace ferry::testing {

struct SeedPullOutcome {
  std::vector<std::string> errors;    // "<where>: <what>", one per failed entry
  std::vector<std::string> requests;  // "GET <path> -> <status>", in order
  int table_fetches = 0;              // table files downloaded
  int skipped_remote = 0;             // table entries skipped for query_mode remote
};

// Pulls the manifest of the server at 127.0.0.1:`port` with `token` into `workspace` (an
// absolute directory) by the seed's rules.
SeedPullOutcome SeedPull(int port, const std::string& token, const std::string& workspace);

// The pulled files of a workspace, by path relative to it -> bytes: every *.parquet file under
// data/ (symlinks followed) and every memory/<slug>/bundle.md. Files below a directory named
// *.parquet (the parts of a partitioned table, which only ferry pulls) are listed in
// `partitioned` when given, else left out.
std::map<std::string, std::string> PulledFiles(
    const std::string& workspace, std::map<std::string, std::string>* partitioned = nullptr);

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_SEED_CLIENT_H_
