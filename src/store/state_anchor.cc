#include "store/state_anchor.h"

#include <iterator>
#include <utility>

#include "base/path.h"
#include "store/link_paths.h"

namespace ferry {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class Anchor {
 public:
  Anchor(const WorkspaceLayout& layout, AnchorOutcome* out) : layout_(layout), out_(out) {}

  // True when `recorded` may stand for `derived` (the layout's path for the entry); on true the
  // caller stores `derived`. On false, `why` says what the recorded path is.
  bool Accepts(const std::string& recorded, const std::string& derived, std::string* why) {
    const std::string rel = derived.substr(layout_.root().size() + 1);
    const std::string path = NormalizePathLexically(recorded);
    if (path == derived || path == rel) return true;
    if (EndsWith(path, "/" + rel)) {
      // The same entry of the same layout under another root: a copied or moved workspace, or
      // (relative) the seed's client run with a relative workspace from some directory.
      if (path[0] == '/' && out_->moved_from.empty()) {
        out_->moved_from = path.substr(0, path.size() - rel.size() - 1);
        if (out_->moved_from.empty()) out_->moved_from = "/";
      }
      return true;
    }
    const std::string& root = layout_.root();
    const bool inside = path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                        path[root.size()] == '/';
    *why = inside ? "where this workspace's layout does not put it (expected " + derived + ")"
                  : "outside this workspace (" + root + ")";
    return false;
  }

  void Drop(const std::string& entry, const std::string& what) {
    out_->problems.push_back(layout_.state_path() + ": " + entry + " " + what +
                             "; entry skipped, nothing it names is touched");
  }

  // Replaces *recorded by `derived`; a recorded path that is not the same entry here is
  // reported (the entry stays, on the layout's path only).
  void Reanchor(const std::string& entry, std::string_view key, std::string* recorded,
                const std::string& derived) {
    std::string why;
    if (!Accepts(*recorded, derived, &why)) {
      out_->problems.push_back(layout_.state_path() + ": " + entry + " names " + std::string(key) +
                               " " + *recorded + ", " + why + "; " + *recorded +
                               " is never touched, only " + derived + " is used");
    }
    *recorded = derived;
  }

  // Re-anchors one table reference in directory `dir_name` ("_direct" or a package slug);
  // false when it must be dropped.
  bool Table(const std::string& entry, std::string_view dir_name, const std::string& name,
             TableRef* ref) {
    if (!IsSafePathSegment(name)) {
      Drop(entry, "has an unsafe table name");
      return false;
    }
    if (!IsSafePathSegment(ref->table_id)) {
      Drop(entry, "has an unsafe table_id \"" + ref->table_id + "\"");
      return false;
    }
    const std::string shared = layout_.shared_path(ref->table_id);
    const std::string dir =
        dir_name == kDirectDirName ? layout_.direct_dir() : layout_.package_dir(dir_name);
    const std::string reference = layout_.reference_path(dir, name);
    Reanchor(entry, "shared_path", &ref->shared_path, shared);
    Reanchor(entry, "ref_path", &ref->ref_path, reference);
    return true;
  }

  bool Memory(const std::string& slug, MemoryEntry* m) {
    const std::string entry = "memory_domains." + slug;
    if (!IsSafePathSegment(slug)) {
      Drop(entry, "has an unsafe slug");
      return false;
    }
    // An empty path is what a rebuilt state records for a bundle: the layout's.
    if (m->path.empty()) m->path = layout_.bundle_path(slug);
    Reanchor(entry, "path", &m->path, layout_.bundle_path(slug));
    m->slug = slug;
    return true;
  }

 private:
  const WorkspaceLayout& layout_;
  AnchorOutcome* out_;
};

template <typename Map, typename Keep>
void EraseUnless(Map* map, Keep keep) {
  for (auto it = map->begin(); it != map->end();) {
    it = keep(it->first, &it->second) ? std::next(it) : map->erase(it);
  }
}

}  // namespace

AnchorOutcome AnchorStateToWorkspace(const WorkspaceLayout& layout, SyncState* state) {
  AnchorOutcome out;
  Anchor anchor(layout, &out);
  EraseUnless(&state->direct_tables, [&](const std::string& name, TableRef* ref) {
    return anchor.Table("direct_tables." + name, kDirectDirName, name, ref);
  });
  EraseUnless(&state->data_packages, [&](const std::string& slug, auto* tables) {
    if (!IsSafePathSegment(slug) || IsReservedDataDir(slug) || slug == "views.sql") {
      anchor.Drop("data_packages." + slug, "is not a usable package slug");
      return false;
    }
    EraseUnless(tables, [&](const std::string& name, TableRef* ref) {
      return anchor.Table("data_packages." + slug + "." + name, slug, name, ref);
    });
    return true;
  });
  EraseUnless(&state->memory_domains,
              [&](const std::string& slug, MemoryEntry* m) { return anchor.Memory(slug, m); });
  return out;
}

}  // namespace ferry
