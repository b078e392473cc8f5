#include "pull/plan.h"

#include <string>

namespace ferry::pull {
namespace {

std::string EntryLabel(Section section, const std::string& package, const std::string& name) {
  if (section == Section::kDirectTables) return "_direct/" + name;
  return package + "/" + name;
}

}  // namespace

bool Plan::empty() const {
  if (!repairs.empty() || !fetches.empty() || !drops.empty() || !canonical_removals.empty() ||
      !dropped_packages.empty() || !bundle_fetches.empty() || !bundle_drops.empty()) {
    return false;
  }
  for (const LinkAction& a : links) {
    if (a.needs_link) return false;
  }
  return true;
}

std::string FormatPlanText(const Plan& plan) {
  std::string out;
  uint64_t bytes = 0;
  int added = 0, updated = 0, relinked = 0;
  for (const RepairAction& r : plan.repairs) out += "repair           " + r.finding + "\n";
  for (const FetchAction& f : plan.fetches) {
    bytes += f.size_bytes;
    out += "fetch            " + f.table_id + " (" + std::to_string(f.size_bytes) + " bytes" +
           (f.parts.empty() ? "" : ", " + std::to_string(f.parts.size()) + " parts") + ") from " +
           f.url + "\n";
  }
  for (const LinkAction& a : plan.links) {
    if (!a.needs_link) continue;
    const char* verb = "relink           ";
    if (a.change == EntryChange::kAdd) {
      verb = "add              ";
      ++added;
    } else if (a.change == EntryChange::kUpdate) {
      verb = "update           ";
      ++updated;
    } else {
      ++relinked;
    }
    out += std::string(verb) + EntryLabel(a.section, a.package, a.name) + " -> " +
           a.desired.table_id + "\n";
  }
  for (const DropAction& d : plan.drops) {
    out += "remove           " + EntryLabel(d.section, d.package, d.name) + "\n";
  }
  for (const std::string& c : plan.canonical_removals) {
    out += "remove canonical " + c + "\n";
  }
  for (const std::string& slug : plan.dropped_packages) {
    out += "remove package   " + slug + " (its directory, once empty)\n";
  }
  for (const BundleAction& b : plan.bundle_fetches) {
    out += std::string(b.is_new ? "add bundle       " : "update bundle    ") + b.slug + "\n";
  }
  for (const BundleDrop& b : plan.bundle_drops) {
    out += "remove bundle    " + b.slug + "\n";
  }
  for (const EntryError& e : plan.entry_errors) {
    out += "error            " + e.message + "\n";
  }
  out +=
      "plan: " +
      (plan.repairs.empty() ? std::string() : std::to_string(plan.repairs.size()) + " repairs, ") +
      std::to_string(plan.fetches.size()) + " downloads (" + std::to_string(bytes) + " bytes), " +
      std::to_string(added) + " added, " + std::to_string(updated) + " updated, " +
      std::to_string(relinked) + " relinked, " + std::to_string(plan.drops.size()) + " removed, " +
      std::to_string(plan.bundle_fetches.size()) + " bundles to fetch, " +
      std::to_string(plan.bundle_drops.size()) + " bundles to remove" +
      (plan.empty() ? " (nothing to do)" : "") + "\n";
  return out;
}

nlohmann::json PlanToJson(const Plan& plan) {
  using nlohmann::json;
  json j = json::object();
  json repairs = json::array();
  for (const RepairAction& r : plan.repairs) repairs.push_back(r.finding);
  j["repairs"] = std::move(repairs);
  json fetches = json::array();
  for (const FetchAction& f : plan.fetches) {
    fetches.push_back({{"table_id", f.table_id},
                       {"md5", f.md5},
                       {"url", f.url},
                       {"size_bytes", f.size_bytes},
                       {"parts", f.parts.size()}});
  }
  j["fetches"] = std::move(fetches);
  json links = json::array();
  for (const LinkAction& a : plan.links) {
    if (!a.needs_link) continue;
    const char* change = a.change == EntryChange::kAdd      ? "add"
                         : a.change == EntryChange::kUpdate ? "update"
                                                            : "relink";
    links.push_back({{"section", SectionName(a.section)},
                     {"package", a.package},
                     {"name", a.name},
                     {"table_id", a.desired.table_id},
                     {"change", change}});
  }
  j["links"] = std::move(links);
  json removals = json::array();
  for (const DropAction& d : plan.drops) {
    removals.push_back(
        {{"section", SectionName(d.section)}, {"package", d.package}, {"name", d.name}});
  }
  j["removals"] = std::move(removals);
  j["canonical_removals"] = plan.canonical_removals;
  j["dropped_packages"] = plan.dropped_packages;
  json bundles = json::array();
  for (const BundleAction& b : plan.bundle_fetches) {
    bundles.push_back({{"slug", b.slug}, {"change", b.is_new ? "add" : "update"}});
  }
  j["bundle_fetches"] = std::move(bundles);
  json bundle_removals = json::array();
  for (const BundleDrop& b : plan.bundle_drops) bundle_removals.push_back(b.slug);
  j["bundle_removals"] = std::move(bundle_removals);
  json errors = json::array();
  for (const EntryError& e : plan.entry_errors) errors.push_back(e.message);
  j["errors"] = std::move(errors);
  return j;
}

}  // namespace ferry::pull
