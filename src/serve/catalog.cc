#include "serve/catalog.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/file_util.h"
#include "base/path.h"
#include "base/yaml_util.h"

namespace ferry::serve {
namespace {

constexpr uint64_t kMaxCatalogBytes = 64 << 20;

// Builds the errors of one catalog file: "<path>:<line>: <message>".
class Errors {
 public:
  explicit Errors(std::string path) : path_(std::move(path)) {}
  Status At(int line, const std::string& message) const {
    return Status::InvalidArgument(path_ + ":" + std::to_string(line) + ": " + message);
  }
  Status At(const YAML::Node& node, const std::string& message) const {
    return At(LineOf(node), message);
  }
  static int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

 private:
  std::string path_;
};

// The system's words for why an Env call failed: what follows the "<op> <path>: " of the
// message (include/ferry/env.h), for messages that name the path their own way.
std::string Reason(const Status& s) {
  const std::string& m = s.message();
  const size_t colon = m.rfind(": ");
  return colon == std::string::npos ? m : m.substr(colon + 2);
}

const char* const kSafeNameHint = " is not a safe name (letters, digits, '_', '.', '-')";

Result<std::string> Scalar(const Errors& err, const YAML::Node& map, const char* key,
                           const std::string& what, bool required) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) {
    if (required) return err.At(map, what + " has no '" + key + "'");
    return std::string();
  }
  if (!v.IsScalar()) return err.At(v, what + ": '" + key + "' must be a plain value");
  return v.Scalar();
}

Result<bool> Bool(const Errors& err, const YAML::Node& map, const char* key,
                  const std::string& what) {
  FERRY_ASSIGN_OR_RETURN(std::string s, Scalar(err, map, key, what, false));
  if (s.empty() || s == "false" || s == "False" || s == "no") return false;
  if (s == "true" || s == "True" || s == "yes") return true;
  return err.At(map[key], what + ": '" + key + "' must be true or false, not '" + s + "'");
}

Result<std::vector<std::string>> StringList(const Errors& err, const YAML::Node& map,
                                            const char* key, const std::string& what) {
  std::vector<std::string> out;
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) return out;
  if (!v.IsSequence()) return err.At(v, what + ": '" + key + "' must be a list");
  for (const YAML::Node& e : v) {
    if (!e.IsScalar()) return err.At(e, what + ": '" + key + "' must list plain names");
    out.push_back(e.Scalar());
  }
  return out;
}

Result<Requirement> ParseRequirement(const Errors& err, const YAML::Node& map,
                                     const std::string& what) {
  FERRY_ASSIGN_OR_RETURN(std::string s, Scalar(err, map, "requirement", what, false));
  if (s.empty() || s == "available") return Requirement::kAvailable;
  if (s == "required") return Requirement::kRequired;
  return err.At(map["requirement"],
                what + ": requirement must be 'available' or 'required', not '" + s + "'");
}

Result<YAML::Node> Section(const Errors& err, const YAML::Node& top, const char* key) {
  YAML::Node v = top[key];
  if (!v || v.IsNull()) return YAML::Node(YAML::NodeType::Sequence);
  if (!v.IsSequence()) return err.At(v, std::string("'") + key + "' must be a list");
  return v;
}

std::string AbsoluteAgainst(const std::string& base, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return JoinPath(base, path);
}

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status ParseTables(Env* env, const Errors& err, const YAML::Node& top, Catalog* cat) {
  FERRY_ASSIGN_OR_RETURN(YAML::Node list, Section(err, top, "tables"));
  std::map<std::string, int> first_line;
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) return err.At(n, "a table must be a mapping with at least 'id'");
    CatalogTable t;
    t.line = Errors::LineOf(n);
    FERRY_ASSIGN_OR_RETURN(t.id, Scalar(err, n, "id", "table", true));
    const std::string what = "table '" + t.id + "'";
    if (!IsSafePathSegment(t.id)) return err.At(n["id"], "table id '" + t.id + "'" + kSafeNameHint);
    auto [it, inserted] = first_line.emplace(t.id, t.line);
    if (!inserted) {
      return err.At(n, "duplicate table id '" + t.id + "' (first declared on line " +
                           std::to_string(it->second) + ")");
    }
    FERRY_ASSIGN_OR_RETURN(t.name, Scalar(err, n, "name", what, false));
    if (t.name.empty()) t.name = t.id;
    if (!IsSafePathSegment(t.name)) {
      return err.At(n["name"], what + ": name '" + t.name + "'" + kSafeNameHint);
    }
    FERRY_ASSIGN_OR_RETURN(t.file, Scalar(err, n, "file", what, false));
    FERRY_ASSIGN_OR_RETURN(t.dir, Scalar(err, n, "dir", what, false));
    FERRY_ASSIGN_OR_RETURN(std::string mode, Scalar(err, n, "query_mode", what, false));
    if (!mode.empty()) t.query_mode = mode;
    if (t.query_mode != "local" && t.query_mode != "materialized" && t.query_mode != "remote") {
      return err.At(n["query_mode"], what +
                                         ": query_mode must be local, materialized or "
                                         "remote, not '" +
                                         t.query_mode + "'");
    }
    FERRY_ASSIGN_OR_RETURN(t.server_only, Bool(err, n, "server_only", what));
    FERRY_ASSIGN_OR_RETURN(std::string rows, Scalar(err, n, "rows", what, false));
    if (!rows.empty()) {
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(rows.c_str(), &end, 10);
      if (errno != 0 || *end != '\0' || v < 0) {
        return err.At(n["rows"],
                      what + ": rows must be a non-negative integer, not '" + rows + "'");
      }
      t.rows = v;
    }
    while (t.dir.size() > 1 && t.dir.back() == '/') t.dir.pop_back();
    if (!t.file.empty() && !t.dir.empty()) {
      return err.At(n, what +
                           " has both 'file' and 'dir'; a table is one file or a "
                           "directory of parts");
    }
    if (t.file.empty() && t.dir.empty() && t.query_mode != "remote") {
      return err.At(n, what + " has neither 'file' nor 'dir'");
    }
    const std::string& rel = t.file.empty() ? t.dir : t.file;
    if (!rel.empty()) {
      const char* key = t.file.empty() ? "dir" : "file";
      if (rel[0] == '/') {
        return err.At(n[key], what + ": " + key + " '" + rel + "' must be relative to root");
      }
      Result<std::string> abs = ResolveInsideRoot(env, cat->root, rel);
      if (!abs.ok()) {
        if (abs.status().IsNotFound()) {
          return err.At(n[key], what + " " + key + " '" + rel + "' does not exist under root '" +
                                    cat->root + "'");
        }
        return err.At(n[key], what + " " + key + " '" + rel + "': " + abs.status().message());
      }
      Result<FileInfo> st = env->Stat(*abs);
      if (!st.ok()) {
        return err.At(n[key], what + " " + key + " '" + rel + "': " + Reason(st.status()));
      }
      if (t.file.empty() ? !st->is_directory() : !st->is_regular()) {
        return err.At(n[key], what + " " + key + " '" + rel + "' is not a " +
                                  (t.file.empty() ? "directory" : "regular file"));
      }
      t.abs_path = *abs;
    }
    cat->table_index[t.id] = cat->tables.size();
    cat->tables.push_back(std::move(t));
  }
  return Status::OK();
}

Status ParsePackages(const Errors& err, const YAML::Node& top, Catalog* cat) {
  FERRY_ASSIGN_OR_RETURN(YAML::Node list, Section(err, top, "packages"));
  std::map<std::string, int> first_line;
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) return err.At(n, "a package must be a mapping with at least 'slug'");
    CatalogPackage p;
    p.line = Errors::LineOf(n);
    FERRY_ASSIGN_OR_RETURN(p.slug, Scalar(err, n, "slug", "package", true));
    const std::string what = "package '" + p.slug + "'";
    if (!IsSafePathSegment(p.slug)) {
      return err.At(n["slug"], "package slug '" + p.slug + "'" + kSafeNameHint);
    }
    auto [it, inserted] = first_line.emplace(p.slug, p.line);
    if (!inserted) {
      return err.At(n, "duplicate package slug '" + p.slug + "' (first declared on line " +
                           std::to_string(it->second) + ")");
    }
    FERRY_ASSIGN_OR_RETURN(p.name, Scalar(err, n, "name", what, false));
    if (p.name.empty()) p.name = p.slug;
    FERRY_ASSIGN_OR_RETURN(p.description, Scalar(err, n, "description", what, false));
    FERRY_ASSIGN_OR_RETURN(p.requirement, ParseRequirement(err, n, what));
    FERRY_ASSIGN_OR_RETURN(p.tables, StringList(err, n, "tables", what));
    std::set<std::string> seen;
    std::set<std::string> names;
    for (size_t i = 0; i < p.tables.size(); ++i) {
      const std::string& id = p.tables[i];
      const CatalogTable* t = cat->FindTable(id);
      if (t == nullptr) return err.At(n["tables"][i], what + " lists unknown table '" + id + "'");
      if (!seen.insert(id).second) {
        return err.At(n["tables"][i], what + " lists table '" + id + "' twice");
      }
      if (!names.insert(t->name).second) {
        return err.At(n["tables"][i], what + " has two tables named '" + t->name + "'");
      }
    }
    cat->package_index[p.slug] = cat->packages.size();
    cat->packages.push_back(std::move(p));
  }
  return Status::OK();
}

Status ParseDomains(Env* env, const Errors& err, const YAML::Node& top,
                    const std::string& catalog_dir, Catalog* cat) {
  FERRY_ASSIGN_OR_RETURN(YAML::Node list, Section(err, top, "memory_domains"));
  std::map<std::string, int> first_line;
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) return err.At(n, "a memory domain must be a mapping with at least 'slug'");
    CatalogDomain d;
    d.line = Errors::LineOf(n);
    FERRY_ASSIGN_OR_RETURN(d.slug, Scalar(err, n, "slug", "memory domain", true));
    const std::string what = "memory domain '" + d.slug + "'";
    if (!IsSafePathSegment(d.slug)) {
      return err.At(n["slug"], "memory domain slug '" + d.slug + "'" + kSafeNameHint);
    }
    auto [it, inserted] = first_line.emplace(d.slug, d.line);
    if (!inserted) {
      return err.At(n, "duplicate memory domain slug '" + d.slug + "' (first declared on line " +
                           std::to_string(it->second) + ")");
    }
    FERRY_ASSIGN_OR_RETURN(d.name, Scalar(err, n, "name", what, false));
    if (d.name.empty()) d.name = d.slug;
    FERRY_ASSIGN_OR_RETURN(d.description, Scalar(err, n, "description", what, false));
    FERRY_ASSIGN_OR_RETURN(d.requirement, ParseRequirement(err, n, what));
    FERRY_ASSIGN_OR_RETURN(std::string items_dir, Scalar(err, n, "items_dir", what, true));
    d.items_dir = AbsoluteAgainst(catalog_dir, items_dir);
    Result<std::vector<MemoryItem>> items = LoadMemoryItems(env, d.items_dir);
    if (!items.ok()) {
      if (items.status().IsNotFound()) {
        return err.At(n["items_dir"], what + " items_dir '" + items_dir + "' does not exist");
      }
      return err.At(n["items_dir"], what + ": " + items.status().message());
    }
    d.items = std::move(items).value();
    cat->domain_index[d.slug] = cat->domains.size();
    cat->domains.push_back(std::move(d));
  }
  return Status::OK();
}

Status ParseIdSets(const Errors& err, const YAML::Node& n, const std::string& what,
                   const char* tables_key, IdSets* out) {
  if (n && !n.IsNull() && !n.IsMap()) return err.At(n, what + " must be a mapping");
  YAML::Node map = n ? n : YAML::Node(YAML::NodeType::Map);
  FERRY_ASSIGN_OR_RETURN(out->packages, StringList(err, map, "packages", what));
  FERRY_ASSIGN_OR_RETURN(out->memory_domains, StringList(err, map, "memory_domains", what));
  FERRY_ASSIGN_OR_RETURN(out->tables, StringList(err, map, tables_key, what));
  return Status::OK();
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  for (const std::string& e : v) {
    if (e == s) return true;
  }
  return false;
}

Status ParseUsers(const Errors& err, const YAML::Node& top, Catalog* cat) {
  FERRY_ASSIGN_OR_RETURN(YAML::Node list, Section(err, top, "users"));
  std::map<std::string, int> first_line;
  std::map<std::string, std::string> token_owner;
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) return err.At(n, "a user must be a mapping with 'name' and 'token_sha256'");
    CatalogUser u;
    u.line = Errors::LineOf(n);
    FERRY_ASSIGN_OR_RETURN(u.name, Scalar(err, n, "name", "user", true));
    const std::string what = "user '" + u.name + "'";
    auto [it, inserted] = first_line.emplace(u.name, u.line);
    if (!inserted) {
      return err.At(n, "duplicate user '" + u.name + "' (first declared on line " +
                           std::to_string(it->second) + ")");
    }
    FERRY_ASSIGN_OR_RETURN(u.token_sha256, Scalar(err, n, "token_sha256", what, true));
    for (char& c : u.token_sha256) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    if (!IsLowerHex64(u.token_sha256)) {
      return err.At(n["token_sha256"],
                    what + ": token_sha256 must be 64 hex digits (sha256 of the token)");
    }
    auto [owner, fresh] = token_owner.emplace(u.token_sha256, u.name);
    if (!fresh) {
      return err.At(n["token_sha256"],
                    what + " has the same token as user '" + owner->second + "'");
    }
    FERRY_RETURN_IF_ERROR(ParseIdSets(err, n["grants"], what + " grants", "tables", &u.grants));
    FERRY_RETURN_IF_ERROR(ParseIdSets(err, n["stack"], what + " stack", "direct_tables", &u.stack));
    const YAML::Node grants = n["grants"];
    for (size_t i = 0; i < u.grants.packages.size(); ++i) {
      if (cat->FindPackage(u.grants.packages[i]) == nullptr) {
        return err.At(grants["packages"][i],
                      what + " grants unknown package '" + u.grants.packages[i] + "'");
      }
    }
    for (size_t i = 0; i < u.grants.memory_domains.size(); ++i) {
      if (cat->FindDomain(u.grants.memory_domains[i]) == nullptr) {
        return err.At(grants["memory_domains"][i],
                      what + " grants unknown memory domain '" + u.grants.memory_domains[i] + "'");
      }
    }
    for (size_t i = 0; i < u.grants.tables.size(); ++i) {
      if (cat->FindTable(u.grants.tables[i]) == nullptr) {
        return err.At(grants["tables"][i],
                      what + " grants unknown table '" + u.grants.tables[i] + "'");
      }
    }
    const YAML::Node stack = n["stack"];
    for (size_t i = 0; i < u.stack.packages.size(); ++i) {
      if (!Contains(u.grants.packages, u.stack.packages[i])) {
        return err.At(stack["packages"][i], what + " stack lists package '" + u.stack.packages[i] +
                                                "' outside the user's grants");
      }
    }
    for (size_t i = 0; i < u.stack.memory_domains.size(); ++i) {
      if (!Contains(u.grants.memory_domains, u.stack.memory_domains[i])) {
        return err.At(stack["memory_domains"][i], what + " stack lists memory domain '" +
                                                      u.stack.memory_domains[i] +
                                                      "' outside the user's grants");
      }
    }
    for (size_t i = 0; i < u.stack.tables.size(); ++i) {
      if (!Contains(u.grants.tables, u.stack.tables[i])) {
        return err.At(stack["direct_tables"][i], what + " stack lists direct table '" +
                                                     u.stack.tables[i] +
                                                     "' outside the user's table grants");
      }
    }
    cat->users.push_back(std::move(u));
  }
  return Status::OK();
}

}  // namespace

const char* RequirementName(Requirement r) {
  return r == Requirement::kRequired ? "required" : "available";
}

const char* StackKindName(StackKind kind) {
  switch (kind) {
    case StackKind::kPackages:
      return "packages";
    case StackKind::kMemoryDomains:
      return "memory_domains";
    case StackKind::kDirectTables:
      return "direct_tables";
  }
  return "";
}

bool ParseStackKind(const std::string& text, StackKind* kind) {
  if (text == "packages" || text == "package") {
    *kind = StackKind::kPackages;
  } else if (text == "memory_domains" || text == "memory_domain") {
    *kind = StackKind::kMemoryDomains;
  } else if (text == "direct_tables" || text == "direct_table") {
    *kind = StackKind::kDirectTables;
  } else {
    return false;
  }
  return true;
}

const CatalogTable* Catalog::FindTable(const std::string& id) const {
  auto it = table_index.find(id);
  return it == table_index.end() ? nullptr : &tables[it->second];
}
const CatalogPackage* Catalog::FindPackage(const std::string& slug) const {
  auto it = package_index.find(slug);
  return it == package_index.end() ? nullptr : &packages[it->second];
}
const CatalogDomain* Catalog::FindDomain(const std::string& slug) const {
  auto it = domain_index.find(slug);
  return it == domain_index.end() ? nullptr : &domains[it->second];
}

bool IsInsideRoot(const std::string& root, const std::string& path) {
  if (path == root) return true;
  if (root == "/") return !path.empty() && path[0] == '/';
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

Result<std::string> ResolveInsideRoot(Env* env, const std::string& root,
                                      const std::string& relative) {
  if (relative.empty() || relative[0] == '/') {
    return Status::InvalidArgument("path '" + relative + "' must be relative to root");
  }
  Result<std::string> resolved = env->RealPath(JoinPath(root, relative));
  if (!resolved.ok()) {
    const std::string reason = Reason(resolved.status());
    if (resolved.status().IsNotFound() || reason == std::strerror(ENOTDIR)) {
      return Status::NotFound("'" + relative + "' does not exist under root '" + root + "'");
    }
    return Status::IoError("resolve '" + relative + "' under root '" + root + "': " + reason);
  }
  const std::string& canonical = *resolved;
  if (!IsInsideRoot(root, canonical)) {
    return Status::PermissionDenied("'" + relative + "' resolves outside root '" + root +
                                    "' (to '" + canonical + "')");
  }
  return canonical;
}

Result<std::shared_ptr<const Catalog>> LoadCatalog(Env* env, const std::string& path) {
  Result<std::string> text = ReadFileToString(env, path, kMaxCatalogBytes);
  if (!text.ok()) {
    return Status::InvalidArgument("cannot read catalog " + path + ": " + text.status().message());
  }
  FERRY_ASSIGN_OR_RETURN(YAML::Node top, ParseYaml(*text, path));
  Errors err(path);
  if (!top.IsMap()) return err.At(1, "the catalog must be a mapping (root, tables, packages, ...)");

  auto cat = std::make_shared<Catalog>();
  cat->path = path;
  Result<std::string> catalog_abs = env->RealPath(path);
  const std::string catalog_dir = DirName(catalog_abs.ok() ? *catalog_abs : path);

  FERRY_ASSIGN_OR_RETURN(std::string root, Scalar(err, top, "root", "the catalog", false));
  if (root.empty()) root = ".";
  const int root_line = top["root"] ? Errors::LineOf(top["root"]) : 1;
  Result<std::string> root_abs = env->RealPath(AbsoluteAgainst(catalog_dir, root));
  if (!root_abs.ok()) {
    return err.At(root_line, "root '" + root + "' does not exist (" + Reason(root_abs.status()) +
                                 "); paths resolve against " + catalog_dir);
  }
  cat->root = *root_abs;
  Result<FileInfo> root_info = env->Stat(cat->root);
  if (!root_info.ok() || !root_info->is_directory()) {
    return err.At(root_line, "root '" + root + "' is not a directory");
  }
  FERRY_ASSIGN_OR_RETURN(cat->base_url, Scalar(err, top, "base_url", "the catalog", false));
  while (!cat->base_url.empty() && cat->base_url.back() == '/') cat->base_url.pop_back();
  if (!cat->base_url.empty() && cat->base_url.rfind("http://", 0) != 0 &&
      cat->base_url.rfind("https://", 0) != 0) {
    return err.At(top["base_url"],
                  "base_url '" + cat->base_url + "' must be an absolute http:// or https:// URL");
  }

  FERRY_RETURN_IF_ERROR(ParseTables(env, err, top, cat.get()));
  FERRY_RETURN_IF_ERROR(ParsePackages(err, top, cat.get()));
  FERRY_RETURN_IF_ERROR(ParseDomains(env, err, top, catalog_dir, cat.get()));
  FERRY_RETURN_IF_ERROR(ParseUsers(err, top, cat.get()));
  return std::shared_ptr<const Catalog>(std::move(cat));
}

}  // namespace ferry::serve
