// `ferry audit`: the pull's invariant audit alone (src/pull/audit.h).
//
//   ferry audit [--workspace DIR] [--heal] [--json]
//
// Without --heal it only reads, and lists as violations the repairs --heal would make (the
// audit's plan, pull/audit.h; `--json` also lists them under "repairs"). With --heal it takes
// the workspace lock and makes exactly those repairs: re-creates broken references, removes
// orphan canonicals, leftover temp files and trash, adopts untracked references and bundles,
// rebuilds a corrupt sync_state.json from disk. A repair that fails stays a violation, with
// the reason ("... (not healed: <why>)"), and the exit code is 1. Missing canonicals and
// bundles need a `ferry pull` and are reported as such.
// Exit codes: 0 clean (or everything healed), 1 violations remain, 2 not a workspace,
// 5 workspace locked.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "base/confined_env.h"
#include "base/file_util.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "ferry/env.h"
#include "pull/audit.h"
#include "pull/views_sql.h"
#include "store/digest_cache.h"
#include "store/linker.h"
#include "store/workspace_layout.h"
#include "store/workspace_lock.h"

namespace ferry::cli {
namespace {

// kInvalidArgument unless `layout` is a ferry workspace (it has sync_state.json or .ferry/):
// an audit of any other directory would report it clean.
Status RequireWorkspace(Env* env, const WorkspaceLayout& layout) {
  for (const std::string& marker : {layout.state_path(), layout.ferry_dir()}) {
    Result<bool> exists = PathExists(env, marker);
    if (!exists.ok()) return exists.status();
    if (*exists) return Status::OK();
  }
  return Status::InvalidArgument(layout.root() +
                                 " is not a ferry workspace (no sync_state.json, no .ferry/); "
                                 "pass the directory a `ferry pull` made with --workspace");
}

class AuditCommand : public Command {
 public:
  void Configure(CLI::App* app) override {
    app->add_option("--workspace", workspace_, "Workspace directory (default: current)");
    app->add_flag("--heal", heal_, "Repair what can be repaired without a server");
  }

  int Run(const GlobalOptions& global) override {
    std::error_code ec;
    std::string root =
        std::filesystem::absolute(workspace_.empty() ? "." : workspace_, ec).lexically_normal();
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    WorkspaceLayout layout(root);
    // Audit and heal act inside the workspace only, whatever sync_state.json names.
    ConfinedEnv confined(Env::Default(), {root}, "the workspace");
    Env* env = &confined;
    if (Status s = RequireWorkspace(env, layout); !s.ok()) return ReportFailure(global, s);

    std::unique_ptr<FileLock> lock;
    if (heal_) {
      Result<std::unique_ptr<FileLock>> l = LockWorkspace(env, layout, "audit", false);
      if (!l.ok()) return ReportFailure(global, l.status());
      lock = std::move(*l);
    }
    DigestCache cache(env, layout.digests_path());
    if (Status s = cache.Load(); !s.ok()) return ReportFailure(global, s);
    bool rebuilt = false;
    std::vector<std::string> notes;
    AnchorOutcome anchored;
    Result<SyncState> state =
        pull::LoadOrRebuildState(env, layout, &cache, &rebuilt, &notes, &anchored);
    if (!state.ok()) return ReportFailure(global, state.status());
    Linker linker(env, DefaultLinkOrder());
    // Detection lists the repairs; --heal applies exactly those (pull/audit.h), so the lines
    // an audit prints are the lines the heal prints, with "healed" for "violation".
    Result<pull::AuditFindings> f = pull::AuditWorkspace(env, layout, *state, &linker, &cache);
    if (!f.ok()) return ReportFailure(global, f.status());
    std::vector<std::string> violations;
    std::vector<std::string> healed;
    std::vector<std::string> repairs;  // the audit's plan: what --heal does (or did)
    for (const pull::RepairAction& r : f->repairs) repairs.push_back(r.finding);
    bool state_changed = false;
    if (heal_) {
      pull::HealOutcome outcome = pull::HealWorkspace(env, f->repairs, &*state, &linker, &cache);
      healed = std::move(outcome.healed);
      violations = std::move(outcome.failed);  // a heal that failed is still a violation
      state_changed = outcome.state_changed;
      violations.insert(violations.end(), f->violations.begin(), f->violations.end());
    } else {
      violations = f->Unhealed();
    }
    if (rebuilt && !heal_) {
      violations.insert(violations.begin(),
                        "sync_state.json is corrupt (run ferry audit --heal to rebuild it)");
    }
    // An entry naming a path elsewhere is an error in the record; healing records the
    // layout's paths instead (what was named elsewhere is never touched).
    for (std::string& d : anchored.problems) {
      (heal_ ? healed : violations).push_back(std::move(d));
    }
    const bool anchor_changed = !anchored.problems.empty() || !anchored.moved_from.empty();
    if (!anchored.moved_from.empty()) {
      notes.push_back("sync_state.json was written in " + anchored.moved_from +
                      " (a copied or moved workspace): audited here, nothing there touched");
    }
    if (heal_ && (state_changed || rebuilt || anchor_changed)) {
      if (Status s = SaveSyncState(env, layout.state_path(), *state); !s.ok()) {
        return ReportFailure(global, s);
      }
      IgnoreError(pull::WriteViewsSqlIfChanged(env, layout, *state), "views.sql is advisory");
    }
    if (heal_) IgnoreError(cache.Save(), "the digest cache is only an optimisation");
    for (std::string& n : f->notes) notes.push_back(std::move(n));

    if (global.json) {
      nlohmann::json j = {
          {"workspace", root},          {"violations", violations}, {"healed", healed},
          {"repairs", repairs},         {"notes", notes},           {"state_rebuilt", rebuilt},
          {"clean", violations.empty()}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      for (const std::string& v : violations) std::printf("violation: %s\n", v.c_str());
      for (const std::string& h : healed) std::printf("healed: %s\n", h.c_str());
      for (const std::string& n : notes) std::printf("note: %s\n", n.c_str());
      std::printf("%s: %zu violation(s) remaining, %zu healed\n", root.c_str(), violations.size(),
                  healed.size());
    }
    return violations.empty() ? kExitOk : kExitPartial;
  }

 private:
  std::string workspace_;
  bool heal_ = false;
};

}  // namespace

std::unique_ptr<Command> NewAuditCommand() { return std::make_unique<AuditCommand>(); }

}  // namespace ferry::cli
