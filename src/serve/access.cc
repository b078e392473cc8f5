#include "serve/access.h"

#include <algorithm>

namespace ferry::serve {
namespace {

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
  UserStack stack;
  for (const CatalogPackage& p : catalog.packages) {
    if (!MaySubscribe(user, StackKind::kPackages, p.slug)) continue;
    if (p.requirement == Requirement::kRequired ||
        IsSubscribed(user, overrides, StackKind::kPackages, p.slug)) {
      stack.packages.push_back(&p);
    }
  }
  for (const CatalogDomain& d : catalog.domains) {
    if (!MaySubscribe(user, StackKind::kMemoryDomains, d.slug)) continue;
    if (d.requirement == Requirement::kRequired ||
        IsSubscribed(user, overrides, StackKind::kMemoryDomains, d.slug)) {
      stack.domains.push_back(&d);
    }
  }
  for (const CatalogTable& t : catalog.tables) {
    if (!MaySubscribe(user, StackKind::kDirectTables, t.id)) continue;
    if (IsSubscribed(user, overrides, StackKind::kDirectTables, t.id)) {
      stack.direct_tables.push_back(&t);
    }
  }
  return stack;
}

}  // namespace ferry::serve
