#include "serve/access.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace ferry::serve {
namespace {

using IdSet = std::unordered_set<std::string_view>;

IdSet ToSet(const std::vector<std::string>& v) { return IdSet(v.begin(), v.end()); }

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool CanReadTable(const Catalog& catalog, const CatalogUser& user, const std::string& id) {
  if (Contains(user.grants.tables, id)) return true;
  for (const std::string& slug : user.grants.packages) {
    const CatalogPackage* p = catalog.FindPackage(slug);
    if (p != nullptr && Contains(p->tables, id)) return true;
  }
  return false;
}

bool MaySubscribe(const CatalogUser& user, StackKind kind, const std::string& id) {
  switch (kind) {
    case StackKind::kPackages:
      return Contains(user.grants.packages, id);
    case StackKind::kMemoryDomains:
      return Contains(user.grants.memory_domains, id);
    case StackKind::kDirectTables:
      return Contains(user.grants.tables, id);
  }
  return false;
}

bool IsRequired(const Catalog& catalog, StackKind kind, const std::string& id) {
  if (kind == StackKind::kPackages) {
    const CatalogPackage* p = catalog.FindPackage(id);
    return p != nullptr && p->requirement == Requirement::kRequired;
  }
  if (kind == StackKind::kMemoryDomains) {
    const CatalogDomain* d = catalog.FindDomain(id);
    return d != nullptr && d->requirement == Requirement::kRequired;
  }
  return false;
}

bool IsSubscribed(const CatalogUser& user, const StackOverrides& overrides, StackKind kind,
                  const std::string& id) {
  auto it = overrides.find({kind, id});
  if (it != overrides.end()) return it->second;
  switch (kind) {
    case StackKind::kPackages:
      return Contains(user.stack.packages, id);
    case StackKind::kMemoryDomains:
      return Contains(user.stack.memory_domains, id);
    case StackKind::kDirectTables:
      return Contains(user.stack.tables, id);
  }
  return false;
}

UserStack ResolveStack(const Catalog& catalog, const CatalogUser& user,
                       const StackOverrides& overrides) {
  // Hash sets built once per call: looking each catalog item up in the user's lists would
  // cost (catalog items x list length) string comparisons.
  const IdSet granted_packages = ToSet(user.grants.packages);
  const IdSet granted_domains = ToSet(user.grants.memory_domains);
  const IdSet granted_tables = ToSet(user.grants.tables);
  const IdSet default_packages = ToSet(user.stack.packages);
  const IdSet default_domains = ToSet(user.stack.memory_domains);
  const IdSet default_tables = ToSet(user.stack.tables);
  auto subscribed = [&](StackKind kind, const std::string& id, const IdSet& defaults) {
    auto it = overrides.find({kind, id});
    return it != overrides.end() ? it->second : defaults.count(id) > 0;
  };
  UserStack stack;
  for (const CatalogPackage& p : catalog.packages) {
    if (granted_packages.count(p.slug) == 0) continue;
    if (p.requirement == Requirement::kRequired ||
        subscribed(StackKind::kPackages, p.slug, default_packages)) {
      stack.packages.push_back(&p);
    }
  }
  for (const CatalogDomain& d : catalog.domains) {
    if (granted_domains.count(d.slug) == 0) continue;
    if (d.requirement == Requirement::kRequired ||
        subscribed(StackKind::kMemoryDomains, d.slug, default_domains)) {
      stack.domains.push_back(&d);
    }
  }
  if (!granted_tables.empty()) {
    for (const CatalogTable& t : catalog.tables) {
      if (granted_tables.count(t.id) == 0) continue;
      if (subscribed(StackKind::kDirectTables, t.id, default_tables)) {
        stack.direct_tables.push_back(&t);
      }
    }
  }
  return stack;
}

}  // namespace ferry::serve
