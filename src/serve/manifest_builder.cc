#include "serve/manifest_builder.h"

#include <ctime>
#include <map>

#include "base/hasher.h"
#include "net/url.h"
#include "serve/access.h"
#include "serve/bundle_renderer.h"
#include "serve/parts.h"

namespace ferry::serve {
namespace {

std::string DownloadUrl(const std::string& id) { return "/api/data/" + id + "/download"; }

std::string ObjectUrl(const std::string& base_url, const std::string& file) {
  std::string url = base_url;
  size_t start = 0;
  while (start <= file.size()) {
    size_t slash = file.find('/', start);
    if (slash == std::string::npos) slash = file.size();
    if (slash > start) url += "/" + UrlEncodeQueryValue(file.substr(start, slash - start));
    start = slash + 1;
  }
  return url;
}

// Turns a digest failure into the manifest's error, naming the table.
// A refused file (a symlink, not a regular file, no permission) keeps its code: retrying
// will not cure it (manifest_cache.h leaves such a table out).
Status TableUnavailable(const CatalogTable& table, const Status& s) {
  std::string msg = "table '" + table.id + "' cannot be advertised: " + s.message();
  if (s.code() == StatusCode::kPermissionDenied) return Status::PermissionDenied(std::move(msg));
  return Status::Unavailable(std::move(msg));
}

}  // namespace

std::string FormatIsoTime(int64_t unix_ns) {
  time_t secs = static_cast<time_t>(unix_ns / 1'000'000'000);
  int millis = static_cast<int>((unix_ns % 1'000'000'000) / 1'000'000);
  if (millis < 0) millis = 0;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

Result<nlohmann::json> BuildTableEntry(const Catalog& catalog, const CatalogTable& table,
                                       FileDigests* digests, TableSources* sources) {
  nlohmann::json e;
  e["id"] = table.id;
  e["name"] = table.name;
  std::string md5;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  if (table.partitioned()) {
    Result<std::vector<PartFile>> parts = ListParts(digests->env(), catalog.root, table.abs_path,
                                                    sources != nullptr ? &sources->dirs : nullptr);
    if (!parts.ok()) return TableUnavailable(table, parts.status());
    nlohmann::json list = nlohmann::json::array();
    Hasher token(HashAlgorithm::kMd5);
    for (const PartFile& part : *parts) {
      Result<FileVersion> v = digests->Current(part.abs_path);
      if (!v.ok()) return TableUnavailable(table, v.status());
      if (sources != nullptr) sources->files.emplace_back(part.abs_path, *v);
      list.push_back(
          {{"path", part.path}, {"hash", v->md5}, {"md5", v->md5}, {"size_bytes", v->size}});
      token.Update(part.path + "|" + v->md5 + "|" + std::to_string(v->size) + "\n");
      size += v->size;
      mtime_ns = std::max(mtime_ns, v->mtime_ns);
    }
    md5 = token.FinishHex();
    e["parts"] = std::move(list);
  } else if (table.has_file()) {
    Result<FileVersion> v = digests->Current(table.abs_path);
    if (!v.ok()) return TableUnavailable(table, v.status());
    if (sources != nullptr) sources->files.emplace_back(table.abs_path, *v);
    md5 = v->md5;
    size = v->size;
    mtime_ns = v->mtime_ns;
  }
  e["hash"] = md5;
  e["md5"] = md5;
  e["size_bytes"] = size;
  e["rows"] = table.rows;
  // The seed's client knows no `server_only` and would ask for the file (403) on every pull;
  // `remote` is the one word every client skips.
  e["query_mode"] = table.server_only ? "remote" : table.query_mode;
  e["server_only"] = table.server_only;
  e["updated"] = mtime_ns > 0 ? FormatIsoTime(mtime_ns) : "";
  e["parquet_url"] = (!catalog.base_url.empty() && !table.file.empty())
                         ? ObjectUrl(catalog.base_url, table.file)
                         : DownloadUrl(table.id);
  return e;
}

ClientFeatures ParseClientFeatures(std::string_view header_value, ClientFeatures so_far) {
  so_far.parts = so_far.parts || ListsFeature(header_value, kFeatureParts);
  return so_far;
}

bool EntryDependsOnClient(const nlohmann::json& full) { return full.contains("parts"); }

nlohmann::json EntryForClient(const nlohmann::json& full, ClientFeatures features) {
  if (features.parts || !EntryDependsOnClient(full)) return full;
  // A client that cannot fetch parts would ask for the table's one file and get a 400 on
  // every pull; announced as remote, it skips the table by its own rule. (A ferry pull too
  // old to send the header reads it the same way and drops its copy: no error either.)
  nlohmann::json e = full;
  e.erase("parts");
  e["query_mode"] = "remote";
  return e;
}

nlohmann::json FlatTableEntry(const nlohmann::json& e) {
  return {{"hash", e["hash"]},
          {"size_bytes", e["size_bytes"]},
          {"rows", e["rows"]},
          {"query_mode", e["query_mode"]},
          {"server_only", e["server_only"]},
          {"updated", e["updated"]}};
}

nlohmann::json DomainEntry(const CatalogDomain& d) {
  BundleInput bundle{d.name, d.description, d.items};
  BundleCounts counts = CountBundleItems(bundle);
  return {{"id", d.slug},
          {"slug", d.slug},
          {"name", d.name},
          {"description", d.description},
          {"requirement", RequirementName(d.requirement)},
          {"bundle_url", "/api/memory/bundle?domain=" + d.slug},
          {"md5", BundleChangeToken(bundle)},
          {"items_count", counts.items},
          {"required_count", counts.required}};
}

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json> BuildManifest(const Catalog& catalog, const CatalogUser& user,
                                     const StackOverrides& overrides, FileDigests* digests,
                                     int64_t now_unix_ns, ClientFeatures features) {
  const UserStack stack = ResolveStack(catalog, user, overrides);
  // Each table is described once even when several packages hold it.
  std::map<std::string, nlohmann::json> entries;
  auto entry_of = [&](const CatalogTable& t) -> Result<nlohmann::json> {
    auto it = entries.find(t.id);
    if (it != entries.end()) return it->second;
    FERRY_ASSIGN_OR_RETURN(nlohmann::json full, BuildTableEntry(catalog, t, digests));
    nlohmann::json e = EntryForClient(full, features);
    entries.emplace(t.id, e);
    return e;
  };

  nlohmann::json manifest;
  manifest["server_time"] = FormatIsoTime(now_unix_ns);
  nlohmann::json direct = nlohmann::json::array();
  for (const CatalogTable* t : stack.direct_tables) {
    FERRY_ASSIGN_OR_RETURN(nlohmann::json e, entry_of(*t));
    direct.push_back(std::move(e));
  }
  nlohmann::json packages = nlohmann::json::array();
  for (const CatalogPackage* p : stack.packages) {
    nlohmann::json tables = nlohmann::json::array();
    uint64_t total = 0;
    for (const std::string& id : p->tables) {
      const CatalogTable* t = catalog.FindTable(id);
      if (t == nullptr) continue;  // LoadCatalog guarantees it exists
      FERRY_ASSIGN_OR_RETURN(nlohmann::json e, entry_of(*t));
      total += e["size_bytes"].get<uint64_t>();
      tables.push_back(std::move(e));
    }
    packages.push_back({{"id", p->slug},
                        {"slug", p->slug},
                        {"name", p->name},
                        {"description", p->description},
                        {"requirement", RequirementName(p->requirement)},
                        {"total_size_bytes", total},
                        {"tables", std::move(tables)}});
  }
  nlohmann::json domains = nlohmann::json::array();
  for (const CatalogDomain* d : stack.domains) domains.push_back(DomainEntry(*d));
  nlohmann::json flat = nlohmann::json::object();
  for (const auto& [id, e] : entries) flat[id] = FlatTableEntry(e);
  manifest["tables"] = std::move(flat);
  manifest["direct_tables"] = std::move(direct);
  manifest["data_packages"] = std::move(packages);
  manifest["memory_domains"] = std::move(domains);
  return manifest;
}

}  // namespace ferry::serve
