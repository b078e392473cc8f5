#include "pull/manifest.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/path.h"
#include "net/url.h"
#include "store/workspace_layout.h"

namespace ferry::pull {
namespace {

using nlohmann::json;

// A structural error anywhere aborts the parse; it carries the JSON path of the culprit.
struct ShapeError {
  std::string where;
  std::string what;
};

std::string TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    default:
      return j.type_name();
  }
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  // Optional string: absent or null -> "".
  std::string OptString(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return "";
    if (!it->is_string()) Fail(key, "expected string, got " + TypeName(*it));
    return it->get<std::string>();
  }
  std::string ReqString(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) Fail(key, "missing required key");
    if (!it->is_string()) Fail(key, "expected string, got " + TypeName(*it));
    return it->get<std::string>();
  }
  bool OptBool(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return false;
    if (!it->is_boolean()) Fail(key, "expected boolean, got " + TypeName(*it));
    return it->get<bool>();
  }
  int64_t OptInt(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return 0;
    if (!it->is_number_integer()) Fail(key, "expected integer, got " + TypeName(*it));
    int64_t v = it->get<int64_t>();
    if (v < 0) Fail(key, "expected a non-negative integer, got " + std::to_string(v));
    return v;
  }
  const json& ReqArray(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) Fail(key, "missing required key");
    if (!it->is_array()) Fail(key, "expected array, got " + TypeName(*it));
    return *it;
  }
  const json* OptArray(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    if (!it->is_array()) Fail(key, "expected array, got " + TypeName(*it));
    return &*it;
  }
  void RequireObject(const json& j) const {
    if (!j.is_object()) throw ShapeError{path_, "expected object, got " + TypeName(j)};
  }
  Reader Child(const char* key, size_t index) const {
    return Reader(Join(key) + "[" + std::to_string(index) + "]");
  }
  const std::string& path() const { return path_; }

 private:
  std::string Join(const char* key) const {
    return path_.empty() ? std::string(key) : path_ + "." + key;
  }
  [[noreturn]] void Fail(const char* key, std::string what) const {
    throw ShapeError{Join(key), std::move(what)};
  }
  std::string path_;
};

// The md5 of an entry: `md5`, else `hash` (PROTOCOL.md quirk), lowercased.
std::string Md5Of(const Reader& r, const json& obj) {
  std::string md5 = r.OptString(obj, "md5");
  if (md5.empty()) md5 = r.OptString(obj, "hash");
  std::transform(md5.begin(), md5.end(), md5.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return md5;
}

std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

// Parses one table entry. Structural problems throw ShapeError; unsafe names return an error
// message (the entry is refused, the manifest stays usable).
std::string ParseTable(const Reader& r, const json& j, const std::string& base_url,
                       ManifestTable* t) {
  r.RequireObject(j);
  t->id = r.ReqString(j, "id");
  t->name = r.ReqString(j, "name");
  t->md5 = Md5Of(r, j);
  std::string url = r.OptString(j, "parquet_url");
  std::string mode = r.OptString(j, "query_mode");
  if (!mode.empty()) t->query_mode = mode;
  t->server_only = r.OptBool(j, "server_only");
  t->size_bytes = static_cast<uint64_t>(r.OptInt(j, "size_bytes"));
  t->rows = r.OptInt(j, "rows");
  std::vector<std::pair<std::string, std::string>> raw_parts;
  if (const json* parts = r.OptArray(j, "parts")) {
    for (size_t i = 0; i < parts->size(); ++i) {
      Reader pr = r.Child("parts", i);
      const json& pj = (*parts)[i];
      pr.RequireObject(pj);
      ManifestPart part;
      part.path = pr.ReqString(pj, "path");
      part.md5 = Md5Of(pr, pj);
      part.size_bytes = static_cast<uint64_t>(pr.OptInt(pj, "size_bytes"));
      t->parts.push_back(std::move(part));
    }
  }
  // Safety checks after the shape checks: a structural error wins over a name error.
  if (!IsSafePathSegment(t->name)) {
    return r.path() + ".name: unsafe path segment " + Quoted(t->name);
  }
  if (!IsSafePathSegment(t->id)) {
    return r.path() + ".id: unsafe path segment " + Quoted(t->id) + " (table " + t->name + ")";
  }
  for (size_t i = 0; i < t->parts.size(); ++i) {
    if (!IsSafeRelativePath(t->parts[i].path)) {
      return r.path() + ".parts[" + std::to_string(i) + "].path: unsafe part path " +
             Quoted(t->parts[i].path) + " (table " + t->name + ")";
    }
  }
  if (t->skipped()) return "";  // never downloaded: no URL needed
  if (url.empty()) url = "/api/data/" + t->id + "/download";
  Result<std::string> abs = ResolveUrl(base_url, url);
  if (!abs.ok()) return r.path() + ".parquet_url: " + abs.status().message();
  t->url = *abs;
  for (ManifestPart& part : t->parts) {
    part.url = t->url + (t->url.find('?') == std::string::npos ? "?" : "&") +
               "part=" + UrlEncodeQueryValue(part.path);
  }
  return "";
}

void ParseTables(const Reader& r, const json& arr, const char* key, const std::string& base,
                 Section section, const std::string& package,
                 std::vector<ManifestTable>* out, std::vector<EntryError>* errors) {
  std::vector<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    Reader tr = r.Child(key, i);
    ManifestTable t;
    std::string err = ParseTable(tr, arr[i], base, &t);
    if (err.empty() && std::find(seen.begin(), seen.end(), t.name) != seen.end()) {
      err = tr.path() + ".name: duplicate table name " + Quoted(t.name) +
            " (the first entry is used)";
      errors->push_back({section, package, "", false, std::move(err)});
      continue;
    }
    if (!err.empty()) {
      EntryError e{section, package, IsSafePathSegment(t.name) ? t.name : "", false,
                   std::move(err)};
      errors->push_back(std::move(e));
      continue;
    }
    seen.push_back(t.name);
    out->push_back(std::move(t));
  }
}

}  // namespace

bool ManifestTable::skipped() const {
  std::string mode = query_mode;
  std::transform(mode.begin(), mode.end(), mode.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return server_only || mode == "remote";
}

std::string_view SectionName(Section section) {
  switch (section) {
    case Section::kDirectTables:
      return "direct_tables";
    case Section::kDataPackages:
      return "data_packages";
    case Section::kMemoryDomains:
      return "memory_domains";
  }
  return "?";
}

Result<Manifest> ParseManifest(std::string_view body, const std::string& manifest_url) {
  const std::string prefix = "manifest from " + manifest_url + ": ";
  if (body.size() > kMaxManifestBytes) {
    return Status::InvalidArgument(prefix + "body of " + std::to_string(body.size()) +
                                   " bytes exceeds the " + std::to_string(kMaxManifestBytes) +
                                   "-byte limit");
  }
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return Status::InvalidArgument(prefix + "not valid JSON; is --server the catalog server?");
  }
  Manifest m;
  try {
    Reader r("");
    r.RequireObject(root);
    ParseTables(r, r.ReqArray(root, "direct_tables"), "direct_tables", manifest_url,
                Section::kDirectTables, "", &m.direct_tables, &m.errors);

    const json& packages = r.ReqArray(root, "data_packages");
    std::vector<std::string> slugs;
    for (size_t i = 0; i < packages.size(); ++i) {
      Reader pr = r.Child("data_packages", i);
      const json& pj = packages[i];
      pr.RequireObject(pj);
      ManifestPackage p;
      p.slug = pr.ReqString(pj, "slug");
      p.name = pr.OptString(pj, "name");
      const json& tables = pr.ReqArray(pj, "tables");
      if (!IsSafePathSegment(p.slug)) {
        m.errors.push_back({Section::kDataPackages, "", "", true,
                            pr.path() + ".slug: unsafe path segment " + Quoted(p.slug)});
        // Still check the shape of its tables: a malformed manifest is malformed throughout.
        std::vector<ManifestTable> ignored;
        std::vector<EntryError> ignored_errors;
        ParseTables(pr, tables, "tables", manifest_url, Section::kDataPackages, "", &ignored,
                    &ignored_errors);
        continue;
      }
      if (IsReservedDataDir(p.slug) || p.slug == "views.sql") {
        m.errors.push_back({Section::kDataPackages, "", "", true,
                            pr.path() + ".slug: " + Quoted(p.slug) +
                                " is reserved for ferry's own directories"});
        continue;
      }
      if (std::find(slugs.begin(), slugs.end(), p.slug) != slugs.end()) {
        m.errors.push_back({Section::kDataPackages, "", "", false,
                            pr.path() + ".slug: duplicate package " + Quoted(p.slug) +
                                " (the first entry is used)"});
        continue;
      }
      slugs.push_back(p.slug);
      ParseTables(pr, tables, "tables", manifest_url, Section::kDataPackages, p.slug, &p.tables,
                  &m.errors);
      m.data_packages.push_back(std::move(p));
    }

    const json& domains = r.ReqArray(root, "memory_domains");
    std::vector<std::string> domain_slugs;
    for (size_t i = 0; i < domains.size(); ++i) {
      Reader dr = r.Child("memory_domains", i);
      const json& dj = domains[i];
      dr.RequireObject(dj);
      ManifestDomain d;
      d.slug = dr.ReqString(dj, "slug");
      d.name = dr.OptString(dj, "name");
      d.md5 = dr.OptString(dj, "md5");
      std::string url = dr.OptString(dj, "bundle_url");
      if (!IsSafePathSegment(d.slug)) {
        m.errors.push_back({Section::kMemoryDomains, "", "", false,
                            dr.path() + ".slug: unsafe path segment " + Quoted(d.slug)});
        continue;
      }
      if (std::find(domain_slugs.begin(), domain_slugs.end(), d.slug) != domain_slugs.end()) {
        m.errors.push_back({Section::kMemoryDomains, "", "", false,
                            dr.path() + ".slug: duplicate domain " + Quoted(d.slug) +
                                " (the first entry is used)"});
        continue;
      }
      if (url.empty()) url = "/api/memory/bundle?domain=" + UrlEncodeQueryValue(d.slug);
      Result<std::string> abs = ResolveUrl(manifest_url, url);
      if (!abs.ok()) {
        m.errors.push_back({Section::kMemoryDomains, "", d.slug, false,
                            dr.path() + ".bundle_url: " + abs.status().message()});
        continue;
      }
      d.url = *abs;
      domain_slugs.push_back(d.slug);
      m.memory_domains.push_back(std::move(d));
    }
  } catch (const ShapeError& e) {
    return Status::InvalidArgument(prefix + (e.where.empty() ? "top level" : e.where) + ": " +
                                   e.what);
  } catch (const json::exception& e) {
    // Defensive: every access above is type-checked first, but a library exception must never
    // cross the API.
    return Status::InvalidArgument(prefix + e.what());
  }
  return m;
}

}  // namespace ferry::pull
