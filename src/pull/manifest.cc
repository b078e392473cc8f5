#include "pull/manifest.h"

#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <unordered_set>
#include <utility>

#include "base/path.h"
#include "net/url.h"
#include "store/workspace_layout.h"

namespace ferry::pull {
namespace {

// simdjson rather than nlohmann: the manifest of a big stack (6,000 entries, ~1 MB) is parsed
// on every pull, and nlohmann's DOM (a map node per member) made that a sixth of a no-op pull.
namespace dom = simdjson::dom;
using Json = dom::element;

// A structural error anywhere aborts the parse; it carries the JSON path of the culprit.
struct ShapeError {
  std::string where;
  std::string what;
};

std::string TypeName(Json j) {
  switch (j.type()) {
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "number";
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

// obj[key], or nullopt when absent (obj is known to be an object).
std::optional<Json> Member(Json obj, const char* key) {
  Json value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  // Optional string: absent or null -> "".
  std::string OptString(Json obj, const char* key) const {
    std::optional<Json> v = Member(obj, key);
    if (!v || v->is_null()) return "";
    return String(key, *v);
  }
  std::string ReqString(Json obj, const char* key) const {
    std::optional<Json> v = Member(obj, key);
    if (!v) Fail(key, "missing required key");
    return String(key, *v);
  }
  bool OptBool(Json obj, const char* key) const {
    std::optional<Json> v = Member(obj, key);
    if (!v || v->is_null()) return false;
    bool b = false;
    if (v->get_bool().get(b) != simdjson::SUCCESS) {
      Fail(key, "expected boolean, got " + TypeName(*v));
    }
    return b;
  }
  int64_t OptInt(Json obj, const char* key) const {
    std::optional<Json> v = Member(obj, key);
    if (!v || v->is_null()) return 0;
    if (v->type() == dom::element_type::UINT64) {  // past INT64_MAX
      Fail(key, "expected a non-negative integer that fits 63 bits");
    }
    int64_t n = 0;
    if (v->get_int64().get(n) != simdjson::SUCCESS) {
      Fail(key, "expected integer, got " + TypeName(*v));
    }
    if (n < 0) Fail(key, "expected a non-negative integer, got " + std::to_string(n));
    return n;
  }
  dom::array ReqArray(Json obj, const char* key) const {
    std::optional<Json> v = Member(obj, key);
    if (!v) Fail(key, "missing required key");
    return Array(key, *v);
  }
  std::optional<dom::array> OptArray(Json obj, const char* key) const {
    std::optional<Json> v = Member(obj, key);
    if (!v || v->is_null()) return std::nullopt;
    return Array(key, *v);
  }
  void RequireObject(Json j) const {
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
  std::string String(const char* key, Json v) const {
    std::string_view text;
    if (v.get_string().get(text) != simdjson::SUCCESS) {
      Fail(key, "expected string, got " + TypeName(v));
    }
    return std::string(text);
  }
  dom::array Array(const char* key, Json v) const {
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      Fail(key, "expected array, got " + TypeName(v));
    }
    return arr;
  }
  [[noreturn]] void Fail(const char* key, std::string what) const {
    throw ShapeError{Join(key), std::move(what)};
  }
  std::string path_;
};

// The md5 of an entry: `md5`, else `hash` (PROTOCOL.md quirk), lowercased.
std::string Md5Of(const Reader& r, Json obj) {
  std::string md5 = r.OptString(obj, "md5");
  if (md5.empty()) md5 = r.OptString(obj, "hash");
  std::transform(md5.begin(), md5.end(), md5.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
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
// Where relative URLs of the manifest resolve: the manifest's own URL, and its origin
// ("http://host:port") for the common case of a plain absolute path.
struct UrlBase {
  const std::string& manifest_url;
  std::string origin;  // "" when the manifest URL has none we can use; then always ResolveUrl
};

// `ref` against the manifest URL. Nearly every entry names a plain absolute path
// ("/api/data/<id>/download"): the origin in front is the whole resolution (no dot segments
// to remove), which saves a full URL parse per table on a 6,000-entry manifest.
Result<std::string> ResolveAgainst(const UrlBase& base, const std::string& ref) {
  if (!base.origin.empty() && ref.size() > 1 && ref[0] == '/' && ref[1] != '/' &&
      ref.find("/.") == std::string::npos) {
    return base.origin + ref;
  }
  return ResolveUrl(base.manifest_url, ref);
}

std::string ParseTable(const Reader& r, Json j, const UrlBase& base_url, ManifestTable* t) {
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
  if (std::optional<dom::array> parts = r.OptArray(j, "parts")) {
    size_t i = 0;
    for (Json pj : *parts) {
      Reader pr = r.Child("parts", i++);
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
  Result<std::string> abs = ResolveAgainst(base_url, url);
  if (!abs.ok()) return r.path() + ".parquet_url: " + abs.status().message();
  t->url = *abs;
  for (ManifestPart& part : t->parts) {
    part.url = t->url + (t->url.find('?') == std::string::npos ? "?" : "&") +
               "part=" + UrlEncodeQueryValue(part.path);
  }
  return "";
}

void ParseTables(const Reader& r, dom::array arr, const char* key, const UrlBase& base,
                 Section section, const std::string& package, std::vector<ManifestTable>* out,
                 std::vector<EntryError>* errors) {
  std::unordered_set<std::string> seen;
  out->reserve(out->size() + arr.size());
  size_t i = 0;
  for (Json entry : arr) {
    Reader tr = r.Child(key, i++);
    ManifestTable t;
    std::string err = ParseTable(tr, entry, base, &t);
    if (err.empty() && seen.count(t.name) > 0) {
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
    seen.insert(t.name);
    out->push_back(std::move(t));
  }
}

}  // namespace

bool ManifestTable::skipped() const {
  if (server_only) return true;
  constexpr std::string_view kRemote = "remote";  // compared case-insensitively, no copy
  return std::equal(query_mode.begin(), query_mode.end(), kRemote.begin(), kRemote.end(),
                    [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
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
  dom::parser parser;
  Json root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument(prefix + "not valid JSON; is --server the catalog server?");
  }
  Manifest m;
  try {
    Reader r("");
    r.RequireObject(root);
    UrlBase base{manifest_url, ""};
    if (Result<std::string> root_url = ResolveUrl(manifest_url, "/");
        root_url.ok() && root_url->size() > 1 && root_url->back() == '/') {
      base.origin = root_url->substr(0, root_url->size() - 1);
    }
    ParseTables(r, r.ReqArray(root, "direct_tables"), "direct_tables", base, Section::kDirectTables,
                "", &m.direct_tables, &m.errors);

    std::vector<std::string> slugs;
    size_t i = 0;
    for (Json pj : r.ReqArray(root, "data_packages")) {
      Reader pr = r.Child("data_packages", i++);
      pr.RequireObject(pj);
      ManifestPackage p;
      p.slug = pr.ReqString(pj, "slug");
      p.name = pr.OptString(pj, "name");
      dom::array tables = pr.ReqArray(pj, "tables");
      if (!IsSafePathSegment(p.slug)) {
        m.errors.push_back({Section::kDataPackages, "", "", true,
                            pr.path() + ".slug: unsafe path segment " + Quoted(p.slug)});
        // Still check the shape of its tables: a malformed manifest is malformed throughout.
        std::vector<ManifestTable> ignored;
        std::vector<EntryError> ignored_errors;
        ParseTables(pr, tables, "tables", base, Section::kDataPackages, "", &ignored,
                    &ignored_errors);
        continue;
      }
      if (IsReservedDataDir(p.slug) || p.slug == "views.sql") {
        m.errors.push_back(
            {Section::kDataPackages, "", "", true,
             pr.path() + ".slug: " + Quoted(p.slug) + " is reserved for ferry's own directories"});
        continue;
      }
      if (std::find(slugs.begin(), slugs.end(), p.slug) != slugs.end()) {
        m.errors.push_back({Section::kDataPackages, "", "", false,
                            pr.path() + ".slug: duplicate package " + Quoted(p.slug) +
                                " (the first entry is used)"});
        continue;
      }
      slugs.push_back(p.slug);
      ParseTables(pr, tables, "tables", base, Section::kDataPackages, p.slug, &p.tables, &m.errors);
      m.data_packages.push_back(std::move(p));
    }

    std::vector<std::string> domain_slugs;
    i = 0;
    for (Json dj : r.ReqArray(root, "memory_domains")) {
      Reader dr = r.Child("memory_domains", i++);
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
  }
  return m;
}

}  // namespace ferry::pull
