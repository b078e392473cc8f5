#include "pull/planner.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "store/reference_counts.h"

namespace ferry::pull {
namespace {

// The (section, package, name) keys of previous entries that a refused manifest entry
// protects from removal.
struct Protected {
  std::set<std::string> direct;
  std::set<std::pair<std::string, std::string>> tables;  // (slug, name)
  std::set<std::string> domains;

  explicit Protected(const std::vector<EntryError>& errors) {
    for (const EntryError& e : errors) {
      if (e.name.empty()) continue;
      switch (e.section) {
        case Section::kDirectTables:
          direct.insert(e.name);
          break;
        case Section::kDataPackages:
          if (!e.package.empty()) tables.insert({e.package, e.name});
          break;
        case Section::kMemoryDomains:
          domains.insert(e.name);
          break;
      }
    }
  }
};

class PlanBuilder {
 public:
  PlanBuilder(const Observations& seen, const WorkspaceLayout& layout, LinkStrategy placeholder,
              Plan* plan)
      : seen_(seen), layout_(layout), placeholder_(placeholder), plan_(plan) {}

  // Plans one wanted table under `dir`. Returns false (and records an entry error) when the
  // table is inconsistent with an earlier entry for the same id.
  void WantTable(Section section, const std::string& package, const std::string& dir,
                 const ManifestTable& t, const TableRef* prev) {
    const std::string shared = layout_.shared_path(t.id);
    auto [it, inserted] = fetch_md5_.try_emplace(t.id, t.md5);  // no node when present
    if (!inserted && it->second != t.md5) {
      EntryError e{section, package, t.name, false,
                   std::string(SectionName(section)) + ": table " +
                       (package.empty() ? "" : package + "/") + t.name + " names table id " + t.id +
                       " with md5 " + Short(t.md5) + ", but another entry has md5 " +
                       Short(it->second) + "; the manifest is inconsistent, entry skipped"};
      plan_->entry_errors.push_back(std::move(e));
      return;  // keeps `prev`: the executor carries over state entries it has no action for
    }
    const bool needs_fetch = !seen_.canonical_ok.count(t.id);
    if (inserted && needs_fetch) {
      FetchAction f;
      f.table_id = t.id;
      f.md5 = t.md5;
      f.url = t.url;
      f.size_bytes = t.size_bytes;
      f.parts = t.parts;
      f.shared_path = shared;
      f.display_name = (package.empty() ? std::string("_direct") : package) + "/" + t.name;
      plan_->fetches.push_back(std::move(f));
    }
    LinkAction a;
    a.section = section;
    a.package = package;
    a.name = t.name;
    a.desired.table_id = t.id;
    a.desired.md5 = t.md5;
    a.desired.shared_path = shared;
    a.desired.ref_path = layout_.reference_path(dir, t.name);
    a.desired.strategy = prev ? prev->strategy : placeholder_;
    a.desired.size = t.size_bytes;
    a.desired.partitioned = t.partitioned();
    if (t.partitioned() && a.desired.size == 0) {
      for (const ManifestPart& p : t.parts) a.desired.size += p.size_bytes;
    }
    a.needs_fetch = needs_fetch;
    if (prev == nullptr) {
      a.change = EntryChange::kAdd;
    } else {
      a.previous = *prev;
      a.change = (prev->table_id != t.id || prev->md5 != t.md5) ? EntryChange::kUpdate
                                                                : EntryChange::kKeep;
      // A moved reference path (a seed state with relative paths, a renamed root) is a
      // change of the reference, not of the table.
    }
    a.needs_link = a.change != EntryChange::kKeep || needs_fetch ||
                   prev->ref_path != a.desired.ref_path ||
                   prev->shared_path != a.desired.shared_path || !seen_.current_refs.count(prev);
    plan_->links.push_back(std::move(a));
  }

  void Drop(Section section, const std::string& package, const std::string& name,
            const TableRef& prev) {
    plan_->drops.push_back({section, package, name, prev});
  }

 private:
  static std::string Short(const std::string& md5) {
    return md5.empty() ? "(none)" : md5.substr(0, 12);
  }

  const Observations& seen_;
  const WorkspaceLayout& layout_;
  LinkStrategy placeholder_;
  Plan* plan_;
  std::unordered_map<std::string, std::string> fetch_md5_;  // table id -> md5 of first entry
};

}  // namespace

Plan MakePlan(const Manifest& manifest, const SyncState& previous, const Observations& seen,
              const WorkspaceLayout& layout, LinkStrategy placeholder) {
  Plan plan;
  size_t wanted_refs = manifest.direct_tables.size();
  for (const ManifestPackage& p : manifest.data_packages) wanted_refs += p.tables.size();
  plan.links.reserve(wanted_refs);
  plan.entry_errors = manifest.errors;
  const Protected protect(manifest.errors);
  PlanBuilder b(seen, layout, placeholder, &plan);

  // direct_tables
  std::set<std::string> direct_names;
  for (const ManifestTable& t : manifest.direct_tables) {
    direct_names.insert(t.name);
    auto prev_it = previous.direct_tables.find(t.name);
    const TableRef* prev = prev_it == previous.direct_tables.end() ? nullptr : &prev_it->second;
    if (t.skipped()) {
      if (prev) b.Drop(Section::kDirectTables, "", t.name, *prev);
      continue;
    }
    b.WantTable(Section::kDirectTables, "", layout.direct_dir(), t, prev);
  }
  for (const auto& [name, ref] : previous.direct_tables) {
    if (!direct_names.count(name) && !protect.direct.count(name)) {
      b.Drop(Section::kDirectTables, "", name, ref);
    }
  }

  // data_packages
  std::set<std::string> slugs;
  for (const ManifestPackage& p : manifest.data_packages) {
    slugs.insert(p.slug);
    plan.kept_packages.push_back(p.slug);
    static const std::map<std::string, TableRef> kNone;
    auto prev_pkg_it = previous.data_packages.find(p.slug);
    const auto& prev_pkg =
        prev_pkg_it == previous.data_packages.end() ? kNone : prev_pkg_it->second;
    std::set<std::string> names;
    const std::string dir = layout.package_dir(p.slug);
    for (const ManifestTable& t : p.tables) {
      names.insert(t.name);
      auto prev_it = prev_pkg.find(t.name);
      const TableRef* prev = prev_it == prev_pkg.end() ? nullptr : &prev_it->second;
      if (t.skipped()) {
        if (prev) b.Drop(Section::kDataPackages, p.slug, t.name, *prev);
        continue;
      }
      b.WantTable(Section::kDataPackages, p.slug, dir, t, prev);
    }
    for (const auto& [name, ref] : prev_pkg) {
      if (!names.count(name) && !protect.tables.count({p.slug, name})) {
        b.Drop(Section::kDataPackages, p.slug, name, ref);
      }
    }
  }
  for (const auto& [slug, tables] : previous.data_packages) {
    if (slugs.count(slug)) continue;
    bool any_protected = false;
    for (const auto& [name, ref] : tables) {
      if (protect.tables.count({slug, name})) {
        any_protected = true;
        continue;
      }
      b.Drop(Section::kDataPackages, slug, name, ref);
    }
    if (!any_protected) plan.dropped_packages.push_back(slug);
  }

  // memory_domains
  std::set<std::string> domain_slugs;
  for (const ManifestDomain& d : manifest.memory_domains) {
    domain_slugs.insert(d.slug);
    auto prev_it = previous.memory_domains.find(d.slug);
    const std::string path = layout.bundle_path(d.slug);
    const bool exists = seen.present_bundles.count(path) > 0;
    // An empty recorded md5 is "unknown" (a fetch began and was not recorded as done, or the
    // manifest gave no token): never current.
    if (prev_it != previous.memory_domains.end() && exists && !prev_it->second.md5.empty() &&
        prev_it->second.md5 == d.md5 && prev_it->second.path == path) {
      plan.bundle_keeps.push_back(prev_it->second);
      continue;
    }
    plan.bundle_fetches.push_back(
        {d.slug, d.md5, d.url, path, prev_it == previous.memory_domains.end()});
  }
  for (const auto& [slug, entry] : previous.memory_domains) {
    if (!domain_slugs.count(slug) && !protect.domains.count(slug)) {
      plan.bundle_drops.push_back({slug, entry});
    }
  }

  // Predicted canonical removals, assuming every action succeeds. Only a reference that moves
  // to another canonical or is dropped can release one (none do on a no-op pull).
  const bool any_release =
      !plan.drops.empty() || std::any_of(plan.links.begin(), plan.links.end(), [](const auto& a) {
        return a.previous && a.previous->shared_path != a.desired.shared_path;
      });
  if (!any_release) return plan;
  ReferenceCounts counts(previous);
  PathSet wanted;
  for (const LinkAction& a : plan.links) {
    wanted.insert(a.desired.shared_path);
    if (a.previous && a.previous->shared_path == a.desired.shared_path) continue;
    counts.Add(a.desired.shared_path);
  }
  std::set<std::string> removals;
  auto release = [&](const std::string& shared) {
    if (counts.Remove(shared) == 0 && !wanted.count(shared)) removals.insert(shared);
  };
  for (const LinkAction& a : plan.links) {
    if (a.previous && a.previous->shared_path != a.desired.shared_path) {
      release(a.previous->shared_path);
    }
  }
  for (const DropAction& d : plan.drops) release(d.previous.shared_path);
  plan.canonical_removals.assign(removals.begin(), removals.end());
  return plan;
}

}  // namespace ferry::pull
