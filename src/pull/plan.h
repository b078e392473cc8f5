// Plan: what one pull will do to a workspace, as computed by the planner (planner.h) and
// applied by the executor (executor.h). DESIGN.md "plan, then apply".
//
// A plan is a list of decisions per entry, not of raw filesystem operations, because the
// executor must adapt when an action fails: a table whose download fails keeps its previous
// canonical and references, so the removal of that old canonical must not happen either. The
// executor therefore re-derives reference counts from what actually succeeded.
//
// Order of application (the crash-safety argument lives in executor.h):
//   0. repairs     recovery of an interrupted run (pull_engine.cc, before observing)
//   1. fetches     download + verify + install canonicals (one per table id)
//   2. links       make or replace references (state saved with the intent first)
//   3. drops       remove references, then canonicals whose count reaches 0, then the
//                  directories of dropped packages (only when empty)
//   4. bundles     fetch / remove memory bundles
//
// Thread-safety: plain values.
#ifndef FERRY_PULL_PLAN_H_
#define FERRY_PULL_PLAN_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pull/manifest.h"
#include "store/sync_state.h"

namespace ferry::pull {

// Download one canonical (file or partitioned directory) into data/_shared/<id>.parquet.
struct FetchAction {
  std::string table_id;
  std::string md5;  // "" = unknown: PAR1 magic checked instead
  std::string url;
  uint64_t size_bytes = 0;
  std::vector<ManifestPart> parts;  // non-empty: partitioned
  std::string shared_path;
  std::string display_name;  // "<package>/<name>" of the first entry that wants it
};

enum class EntryChange {
  kAdd,     // no previous reference under this name
  kUpdate,  // the previous reference's table id or md5 differs from the manifest's
  kKeep,    // same table and md5
};

// One reference the manifest wants (section direct_tables or data_packages).
struct LinkAction {
  Section section = Section::kDirectTables;
  std::string package;  // slug, data_packages only
  std::string name;
  TableRef desired;  // strategy: the previous one, or a placeholder until linked
  std::optional<TableRef> previous;
  EntryChange change = EntryChange::kAdd;
  // True when the reference must be (re)made: new, changed, not current on disk, or its
  // canonical is being re-fetched (a hardlink or copy would otherwise show the old bytes).
  bool needs_link = true;
  bool needs_fetch = false;  // its canonical is in Plan::fetches
};

// One reference to remove (its entry left the manifest, its package was dropped, or it became
// remote / server_only).
struct DropAction {
  Section section = Section::kDirectTables;
  std::string package;
  std::string name;
  TableRef previous;
};

struct BundleAction {
  std::string slug;
  std::string md5;  // manifest token
  std::string url;
  std::string path;
  bool is_new = true;  // no previous state entry (counts as added, else updated)
};

struct BundleDrop {
  std::string slug;
  MemoryEntry previous;
};

// One repair of a workspace: recovery from an interrupted run, or the heal of what the audit
// found (pull/audit.h). `ferry pull --dry-run` and `ferry audit` list it, the pull and `ferry
// audit --heal` apply it (HealWorkspace), and the line reported is the same `finding` either
// way, so the listing is what the heal does.
enum class RepairKind {
  kRecoverInstall,  // path: a canonical with an aside (content_store.h RecoverInterruptedInstall)
  kRemoveTemp,      // path: a temp of an interrupted atomic write (file or directory)
  kRemoveTrash,     // path: an entry of .ferry/trash/
  kRelink,          // entry: a state entry whose reference is missing or stale; re-made
  kAdoptReference,  // entry: a reference on disk no state entry names; recorded as `entry`
  kRemoveOrphan,    // path: a canonical no reference points at
  kAdoptBundle,     // slug + path: a bundle no state entry names; recorded (md5 "")
  kReanchor,        // a state entry that named a path outside the workspace, already
                    // re-anchored in the loaded state (store/state_anchor.h): recorded with it
};

struct RepairAction {
  RepairKind kind = RepairKind::kRemoveTemp;
  std::string finding;  // "broken reference: <ref>" etc. (the list at the top of this file)
  std::string path;
  // kRelink / kAdoptReference: the state key ("_direct" or the package slug, and the name)
  // and the entry; kAdoptBundle: dir is the domain slug.
  std::string dir;
  std::string name;
  TableRef entry;
};

struct Plan {
  // Recovery first: the debris of an interrupted run, cleared before anything else (and before
  // the pull observes the disk), and state entries re-anchored to this workspace.
  std::vector<RepairAction> repairs;
  std::vector<FetchAction> fetches;
  std::vector<LinkAction> links;  // every wanted reference, including unchanged ones
  std::vector<DropAction> drops;
  // Canonicals whose last reference goes, assuming every action succeeds (for --dry-run; the
  // executor recomputes from what actually happened).
  std::vector<std::string> canonical_removals;
  // Package slugs that left the manifest: their directories go once empty.
  std::vector<std::string> dropped_packages;
  std::vector<std::string> kept_packages;  // every package slug in the manifest
  std::vector<BundleAction> bundle_fetches;
  std::vector<MemoryEntry> bundle_keeps;  // domains whose bundle is current
  std::vector<BundleDrop> bundle_drops;
  // Entries the manifest refused (unsafe names): reported as errors; their previous state
  // entries are kept untouched.
  std::vector<EntryError> entry_errors;

  // True when applying it would change nothing on disk.
  bool empty() const;
};

// Text rendering for --dry-run: one line per change ("repair",  "fetch", "link", "relink",
// "remove", "remove canonical", "fetch bundle", "remove bundle", "error"), then a count line.
std::string FormatPlanText(const Plan& plan);

// The same as a JSON document (--dry-run --json):
//   {"repairs": [finding], "fetches": [{"table_id","md5","url","size_bytes","parts"}],
//    "links": [{"section","package","name","table_id","change": "add|update|relink"}],
//    "removals": [{"section","package","name"}], "canonical_removals": [path],
//    "dropped_packages": [slug], "bundle_fetches": [{"slug","change": "add|update"}],
//    "bundle_removals": [slug], "errors": [message]}
nlohmann::json PlanToJson(const Plan& plan);

}  // namespace ferry::pull

#endif  // FERRY_PULL_PLAN_H_
