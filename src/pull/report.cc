#include "pull/report.h"

#include <cstdio>

namespace ferry::pull {
namespace {

std::string Packages(size_t n) { return std::to_string(n) + (n == 1 ? " package" : " packages"); }

nlohmann::json TypeToJson(const TypeReport& t, const char* name_key) {
  nlohmann::json errors = nlohmann::json::array();
  for (const EntryErrorReport& e : t.errors) {
    nlohmann::json j = nlohmann::json::object();
    if (!e.package.empty()) j["package"] = e.package;
    j[name_key] = e.name;
    j["error"] = e.error;
    errors.push_back(std::move(j));
  }
  return {{"added", t.added},
          {"updated", t.updated},
          {"removed", t.removed},
          {"errors", std::move(errors)}};
}

// `with_packages`: the counts are table references; say in how many packages they are.
void AppendType(std::string* out, const char* label, const TypeReport& t, bool with_packages) {
  auto count = [&](int n, const char* verb, const char* preposition,
                   const std::set<std::string>& packages) {
    std::string s = std::to_string(n) + " " + verb;
    if (with_packages && n > 0)
      s += std::string(" ") + preposition + " " + Packages(packages.size());
    return s;
  };
  *out += std::string(label) + ": " + count(t.added, "added", "in", t.added_in) + ", " +
          count(t.updated, "updated", "in", t.updated_in) + ", " +
          count(t.removed, "removed", "from", t.removed_from) +
          (t.errors.empty() ? "" : ", " + std::to_string(t.errors.size()) + " failed") + "\n";
  for (const EntryErrorReport& e : t.errors) {
    if (IsDiskErrorCode(e.code)) continue;  // in DiskErrorSummaries
    std::string who = e.package.empty() ? e.name : e.package + "/" + e.name;
    *out += "  error: " + (who.empty() ? std::string() : who + ": ") + e.error + "\n";
  }
}

std::string Count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

bool IsDiskErrorCode(StatusCode code) {
  return code == StatusCode::kNoSpace || code == StatusCode::kPermissionDenied;
}

std::vector<std::string> DiskErrorSummaries(const SyncReport& r) {
  std::vector<std::string> lines;
  for (StatusCode code : {StatusCode::kNoSpace, StatusCode::kPermissionDenied}) {
    size_t tables = 0, bundles = 0;
    const EntryErrorReport* first = nullptr;
    for (const TypeReport* t : {&r.direct_tables, &r.data_packages, &r.memory_domains}) {
      for (const EntryErrorReport& e : t->errors) {
        if (e.code != code) continue;
        if (!first) first = &e;
        ++(t == &r.memory_domains ? bundles : tables);
      }
    }
    if (!first) continue;
    std::string what = tables > 0 ? Count(tables, "table", "tables") : "";
    if (bundles > 0) {
      what += (what.empty() ? "" : " and ") + Count(bundles, "memory bundle", "memory bundles");
    }
    const bool space = code == StatusCode::kNoSpace;
    lines.push_back(
        "error: " + what +
        " not synced: " + (space ? "not enough space on the disk" : "permission denied") +
        " (first: " + first->error + "); " +
        (space ? "free space on that filesystem" : "make the workspace writable by this user") +
        " and run `ferry pull` again (what synced is kept)");
  }
  return lines;
}

int SyncReport::total_changes() const {
  int n = 0;
  for (const TypeReport* t : {&direct_tables, &data_packages, &memory_domains}) {
    n += t->added + t->updated + t->removed;
  }
  return n;
}

int SyncReport::total_errors() const {
  return static_cast<int>(direct_tables.errors.size() + data_packages.errors.size() +
                          memory_domains.errors.size());
}

nlohmann::json SyncReportToJson(const SyncReport& r) {
  nlohmann::json j = nlohmann::json::object();
  j["direct_tables"] = TypeToJson(r.direct_tables, "name");
  j["data_packages"] = TypeToJson(r.data_packages, "name");
  j["data_packages"]["packages"] = {{"added", r.data_packages.added_in.size()},
                                    {"updated", r.data_packages.updated_in.size()},
                                    {"removed", r.data_packages.removed_from.size()}};
  j["memory_domains"] = TypeToJson(r.memory_domains, "slug");
  j["invariant_violations"] = r.invariant_violations;
  j["healed"] = r.healed;
  j["notes"] = r.notes;
  j["summary"] = DiskErrorSummaries(r);
  j["bytes_downloaded"] = r.bytes_downloaded;
  j["duration_s"] = r.duration_s;
  j["manifest"] = r.manifest_unchanged ? "unchanged" : "downloaded";
  return j;
}

std::string FormatSyncReportText(const SyncReport& r) {
  std::string out;
  AppendType(&out, "direct tables", r.direct_tables, false);
  AppendType(&out, "data packages (table references)", r.data_packages, true);
  AppendType(&out, "memory domains", r.memory_domains, false);
  for (const std::string& line : DiskErrorSummaries(r)) out += "  " + line + "\n";
  for (const std::string& v : r.invariant_violations) out += "  invariant violation: " + v + "\n";
  for (const std::string& h : r.healed) out += "  healed: " + h + "\n";
  for (const std::string& n : r.notes) out += "  note: " + n + "\n";
  char tail[128];
  std::snprintf(tail, sizeof(tail), "%llu bytes downloaded in %.2f s\n",
                static_cast<unsigned long long>(r.bytes_downloaded), r.duration_s);
  out += tail;
  return out;
}

}  // namespace ferry::pull
