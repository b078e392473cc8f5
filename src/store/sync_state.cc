#include "store/sync_state.h"

#include <utility>

#include "base/file_util.h"
#include "base/json_util.h"

namespace ferry {
namespace {

using nlohmann::json;

constexpr std::string_view kDirectKey = "direct_tables";
constexpr std::string_view kPackagesKey = "data_packages";
constexpr std::string_view kMemoryKey = "memory_domains";
constexpr std::string_view kLastSyncKey = "last_sync_unix";

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// A string member, "" when absent or null; false when present with another type.
bool ReadStringField(const json& obj, const char* key, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    out->clear();
    return true;
  }
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

void Warn(std::vector<std::string>* warnings, std::string text) {
  if (warnings != nullptr) warnings->push_back(std::move(text));
}

// Parses one reference entry; false (with a warning) when it cannot be used.
bool ParseTableRef(const json& j, const std::string& where, const std::string& path,
                   TableRef* ref, std::vector<std::string>* warnings) {
  if (!j.is_object()) {
    Warn(warnings, path + ": " + where + " is not an object; entry dropped");
    return false;
  }
  std::string strategy;
  if (!ReadStringField(j, "table_id", &ref->table_id) || !ReadStringField(j, "md5", &ref->md5) ||
      !ReadStringField(j, "shared_path", &ref->shared_path) ||
      !ReadStringField(j, "ref_path", &ref->ref_path) || !ReadStringField(j, "strategy", &strategy)) {
    Warn(warnings, path + ": " + where + " has a field of the wrong type; entry dropped");
    return false;
  }
  if (ref->table_id.empty() || ref->shared_path.empty() || ref->ref_path.empty()) {
    Warn(warnings, path + ": " + where +
                       " lacks table_id, shared_path or ref_path; entry dropped");
    return false;
  }
  Result<LinkStrategy> parsed = ParseLinkStrategy(strategy);
  if (parsed.ok()) {
    ref->strategy = *parsed;
  } else {
    ref->strategy = LinkStrategy::kCopy;
    Warn(warnings, path + ": " + where + " has no known strategy ('" + strategy +
                       "'); treated as copy");
  }
  ref->size = 0;
  if (auto it = j.find("size_bytes"); it != j.end() && !it->is_null()) {
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
      Warn(warnings, path + ": " + where + " has a bad size_bytes; size treated as unknown");
    } else {
      ref->size = it->get<uint64_t>();
    }
  }
  ref->partitioned = false;
  if (auto it = j.find("partitioned"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      Warn(warnings, path + ": " + where + " has a non-boolean partitioned; entry dropped");
      return false;
    }
    ref->partitioned = it->get<bool>();
  }
  return true;
}

json TableRefToJson(const TableRef& ref) {
  json j = json::object();
  j["table_id"] = ref.table_id;
  j["md5"] = ref.md5;
  j["shared_path"] = ref.shared_path;
  j["ref_path"] = ref.ref_path;
  j["strategy"] = std::string(LinkStrategyName(ref.strategy));
  j["size_bytes"] = ref.size;
  j["partitioned"] = ref.partitioned;
  return j;
}

Status WrongType(const std::string& path, std::string_view key, std::string_view want) {
  return Status::Corruption("read " + path + ": \"" + std::string(key) + "\" is not " +
                            std::string(want) +
                            "; the state is corrupt (run `ferry audit --heal` to rebuild it "
                            "from disk)");
}

// A section's value: an object, or absent/null (empty). Anything else is corruption.
Result<const json*> Section(const json& root, std::string_view key, const std::string& path) {
  static const json kEmpty = json::object();
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return &kEmpty;
  if (!it->is_object()) return WrongType(path, key, "an object");
  return &*it;
}

}  // namespace

std::string_view LinkStrategyName(LinkStrategy strategy) {
  switch (strategy) {
    case LinkStrategy::kReflink:
      return "reflink";
    case LinkStrategy::kSymlink:
      return "symlink";
    case LinkStrategy::kHardlink:
      return "hardlink";
    case LinkStrategy::kCopy:
      return "copy";
  }
  return "copy";
}

Result<LinkStrategy> ParseLinkStrategy(std::string_view name) {
  for (LinkStrategy s : {LinkStrategy::kReflink, LinkStrategy::kSymlink, LinkStrategy::kHardlink,
                         LinkStrategy::kCopy}) {
    if (name == LinkStrategyName(s)) return s;
  }
  return Status::InvalidArgument("unknown link strategy '" + std::string(name) +
                                 "'; use reflink, symlink, hardlink or copy");
}

Result<std::vector<LinkStrategy>> ParseLinkOrder(std::string_view csv) {
  std::vector<LinkStrategy> order;
  while (true) {
    size_t comma = csv.find(',');
    std::string name = Trim(csv.substr(0, comma));
    if (name.empty()) {
      return Status::InvalidArgument("link order '" + std::string(csv) +
                                     "' has an empty name; use e.g. "
                                     "reflink,symlink,hardlink,copy");
    }
    FERRY_ASSIGN_OR_RETURN(LinkStrategy s, ParseLinkStrategy(name));
    for (LinkStrategy seen : order) {
      if (seen == s) {
        return Status::InvalidArgument("link order names '" + name +
                                       "' twice; list each strategy at most once");
      }
    }
    order.push_back(s);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return order;
}

std::vector<LinkStrategy> DefaultLinkOrder() {
  return {LinkStrategy::kReflink, LinkStrategy::kSymlink, LinkStrategy::kHardlink,
          LinkStrategy::kCopy};
}

Result<SyncState> LoadSyncState(Env* env, const std::string& path,
                                std::vector<std::string>* warnings) {
  Result<std::string> text = ReadFileToString(env, path, kMaxSyncStateBytes);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return SyncState{};
    if (text.status().code() == StatusCode::kInvalidArgument) {  // over the size limit
      return Status::Corruption(text.status().message());
    }
    return text.status();
  }
  Result<json> parsed = ParseJson(*text, path);
  if (!parsed.ok()) {
    return Status::Corruption(parsed.status().message() +
                              " (the state is corrupt; run `ferry audit --heal` to rebuild it "
                              "from disk)");
  }
  const json& root = *parsed;
  if (!root.is_object()) return WrongType(path, "(top level)", "an object");

  SyncState state;
  FERRY_ASSIGN_OR_RETURN(const json* direct, Section(root, kDirectKey, path));
  for (const auto& [name, entry] : direct->items()) {
    TableRef ref;
    if (ParseTableRef(entry, "direct_tables." + name, path, &ref, warnings)) {
      state.direct_tables.emplace(name, std::move(ref));
    }
  }
  FERRY_ASSIGN_OR_RETURN(const json* packages, Section(root, kPackagesKey, path));
  for (const auto& [slug, tables] : packages->items()) {
    if (!tables.is_object()) {
      Warn(warnings, path + ": data_packages." + slug + " is not an object; package dropped");
      continue;
    }
    std::map<std::string, TableRef>& pkg = state.data_packages[slug];
    for (const auto& [name, entry] : tables.items()) {
      TableRef ref;
      if (ParseTableRef(entry, "data_packages." + slug + "." + name, path, &ref, warnings)) {
        pkg.emplace(name, std::move(ref));
      }
    }
  }
  FERRY_ASSIGN_OR_RETURN(const json* memory, Section(root, kMemoryKey, path));
  for (const auto& [slug, entry] : memory->items()) {
    MemoryEntry m;
    if (!entry.is_object() || !ReadStringField(entry, "slug", &m.slug) ||
        !ReadStringField(entry, "md5", &m.md5) || !ReadStringField(entry, "path", &m.path)) {
      Warn(warnings, path + ": memory_domains." + slug + " is malformed; entry dropped");
      continue;
    }
    if (m.slug.empty()) m.slug = slug;
    state.memory_domains.emplace(slug, std::move(m));
  }
  if (auto it = root.find(kLastSyncKey); it != root.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      state.last_sync_unix = it->get<int64_t>();
    } else if (it->is_number_float()) {
      state.last_sync_unix = static_cast<int64_t>(it->get<double>());
    } else {
      return WrongType(path, kLastSyncKey, "a number");
    }
  }
  for (const auto& [key, value] : root.items()) {
    if (key == kDirectKey || key == kPackagesKey || key == kMemoryKey || key == kLastSyncKey) {
      continue;
    }
    state.extra[key] = value;
  }
  return state;
}

json SyncStateToJson(const SyncState& state) {
  json root = state.extra.is_object() ? state.extra : json::object();
  json direct = json::object();
  for (const auto& [name, ref] : state.direct_tables) direct[name] = TableRefToJson(ref);
  json packages = json::object();
  for (const auto& [slug, tables] : state.data_packages) {
    json pkg = json::object();
    for (const auto& [name, ref] : tables) pkg[name] = TableRefToJson(ref);
    packages[slug] = std::move(pkg);
  }
  json memory = json::object();
  for (const auto& [slug, m] : state.memory_domains) {
    memory[slug] = json{{"slug", m.slug}, {"md5", m.md5}, {"path", m.path}};
  }
  root[std::string(kDirectKey)] = std::move(direct);
  root[std::string(kPackagesKey)] = std::move(packages);
  root[std::string(kMemoryKey)] = std::move(memory);
  root[std::string(kLastSyncKey)] = state.last_sync_unix;
  return root;
}

Status SaveSyncState(Env* env, const std::string& path, const SyncState& state) {
  // nlohmann::json's objects are std::maps, so dump() sorts keys like sort_keys=True.
  // error_handler::replace: a name with invalid UTF-8 must not make the save throw.
  std::string text =
      SyncStateToJson(state).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  return WriteFileAtomically(env, path, text, 0644);
}

std::vector<const TableRef*> AllReferences(const SyncState& state) {
  std::vector<const TableRef*> refs;
  refs.reserve(state.direct_tables.size());
  for (const auto& [name, ref] : state.direct_tables) refs.push_back(&ref);
  for (const auto& [slug, tables] : state.data_packages) {
    for (const auto& [name, ref] : tables) refs.push_back(&ref);
  }
  return refs;
}

}  // namespace ferry
