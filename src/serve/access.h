// Access: what a user may read and what is in their stack, decided from the catalog alone.
//
// - Granted: a package or memory domain in the user's grants; a table in `grants.tables` or
//   in any granted package. Downloads and bundles need a grant; the stack does not widen it.
// - A direct table may be subscribed only when it is in `grants.tables` itself.
// - Stack = granted ∩ (required ∪ subscribed), where subscribed is the user's own change if
//   the state file has one (StackOverrides) and else the catalog's default `stack:`.
//
// Thread-safety: pure functions over immutable values.
#ifndef FERRY_SERVE_ACCESS_H_
#define FERRY_SERVE_ACCESS_H_

#include <string>
#include <vector>

#include "serve/catalog.h"
#include "serve/stack_store.h"

namespace ferry::serve {

struct UserStack {
  std::vector<const CatalogPackage*> packages;  // catalog order
  std::vector<const CatalogDomain*> domains;
  std::vector<const CatalogTable*> direct_tables;
};

bool CanReadTable(const Catalog& catalog, const CatalogUser& user, const std::string& id);

// Whether `id` of `kind` may be in the user's stack (packages and domains: granted; direct
// tables: in grants.tables).
bool MaySubscribe(const CatalogUser& user, StackKind kind, const std::string& id);

// True for a package or domain whose requirement is "required" (never for direct tables).
bool IsRequired(const Catalog& catalog, StackKind kind, const std::string& id);

// Whether the user has subscribed to the item (their change, else the catalog's default),
// ignoring grants and requirement.
bool IsSubscribed(const CatalogUser& user, const StackOverrides& overrides, StackKind kind,
                  const std::string& id);

UserStack ResolveStack(const Catalog& catalog, const CatalogUser& user,
                       const StackOverrides& overrides);

}  // namespace ferry::serve

#endif  // FERRY_SERVE_ACCESS_H_
