#include "store/sync_state.h"

#include <simdjson.h>

#include <functional>
#include <optional>
#include <utility>

#include "base/file_util.h"
#include "base/json_util.h"
#include "base/json_writer.h"

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

namespace dom = simdjson::dom;

// A string member, "" when absent or null; false when present with another type.
bool ReadStringField(dom::object obj, std::string_view key, std::string* out) {
  dom::element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) {
    out->clear();
    return true;
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  out->assign(text);
  return true;
}

void Warn(std::vector<std::string>* warnings, std::string text) {
  if (warnings != nullptr) warnings->push_back(std::move(text));
}

// Parses one reference entry; false (with a warning) when it cannot be used.
bool ParseTableRef(dom::element j, const std::string& where, const std::string& path, TableRef* ref,
                   std::vector<std::string>* warnings) {
  dom::object obj;
  if (j.get_object().get(obj) != simdjson::SUCCESS) {
    Warn(warnings, path + ": " + where + " is not an object; entry dropped");
    return false;
  }
  std::string strategy;
  if (!ReadStringField(obj, "table_id", &ref->table_id) ||
      !ReadStringField(obj, "md5", &ref->md5) ||
      !ReadStringField(obj, "shared_path", &ref->shared_path) ||
      !ReadStringField(obj, "ref_path", &ref->ref_path) ||
      !ReadStringField(obj, "strategy", &strategy)) {
    Warn(warnings, path + ": " + where + " has a field of the wrong type; entry dropped");
    return false;
  }
  if (ref->table_id.empty() || ref->shared_path.empty() || ref->ref_path.empty()) {
    Warn(warnings, path + ": " + where + " lacks table_id, shared_path or ref_path; entry dropped");
    return false;
  }
  Result<LinkStrategy> parsed = ParseLinkStrategy(strategy);
  if (parsed.ok()) {
    ref->strategy = *parsed;
  } else {
    ref->strategy = LinkStrategy::kCopy;
    Warn(warnings,
         path + ": " + where + " has no known strategy ('" + strategy + "'); treated as copy");
  }
  ref->size = 0;
  if (dom::element size;
      obj.at_key("size_bytes").get(size) == simdjson::SUCCESS && !size.is_null()) {
    // get_uint64 refuses negative integers and floats, as a size must.
    if (size.get_uint64().get(ref->size) != simdjson::SUCCESS) {
      ref->size = 0;
      Warn(warnings, path + ": " + where + " has a bad size_bytes; size treated as unknown");
    }
  }
  ref->partitioned = false;
  if (dom::element flag;
      obj.at_key("partitioned").get(flag) == simdjson::SUCCESS && !flag.is_null()) {
    if (flag.get_bool().get(ref->partitioned) != simdjson::SUCCESS) {
      Warn(warnings, path + ": " + where + " has a non-boolean partitioned; entry dropped");
      return false;
    }
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

// A section's value: an object, or absent/null (nullopt, an empty section). Anything else is
// corruption.
Result<std::optional<dom::object>> Section(dom::object root, std::string_view key,
                                           const std::string& path) {
  dom::element value;
  if (root.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<dom::object>();
  }
  dom::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return WrongType(path, key, "an object");
  return std::optional<dom::object>(obj);
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
  // simdjson: the state is read on every pull, and a DOM of 6,000 references in nlohmann
  // costs a map node per member; simdjson parses the 2 MB in about a millisecond.
  dom::parser parser;
  dom::element root_element;
  if (simdjson::error_code e = parser.parse(*text).get(root_element); e != simdjson::SUCCESS) {
    // nlohmann names the byte where the text goes wrong; simdjson only says how.
    Result<json> detail = ParseJson(*text, path);
    const std::string why = detail.ok() ? path + ": invalid JSON: " + simdjson::error_message(e)
                                        : detail.status().message();
    return Status::Corruption(why +
                              " (the state is corrupt; run `ferry audit --heal` to rebuild it "
                              "from disk)");
  }
  dom::object root;
  if (root_element.get_object().get(root) != simdjson::SUCCESS) {
    return WrongType(path, "(top level)", "an object");
  }

  SyncState state;
  FERRY_ASSIGN_OR_RETURN(std::optional<dom::object> direct, Section(root, kDirectKey, path));
  if (direct) {
    for (auto [name, entry] : *direct) {
      TableRef ref;
      if (ParseTableRef(entry, "direct_tables." + std::string(name), path, &ref, warnings)) {
        state.direct_tables.insert_or_assign(std::string(name), std::move(ref));
      }
    }
  }
  FERRY_ASSIGN_OR_RETURN(std::optional<dom::object> packages, Section(root, kPackagesKey, path));
  if (packages) {
    for (auto [slug_view, tables_element] : *packages) {
      const std::string slug(slug_view);
      dom::object tables;
      if (tables_element.get_object().get(tables) != simdjson::SUCCESS) {
        Warn(warnings, path + ": data_packages." + slug + " is not an object; package dropped");
        continue;
      }
      std::map<std::string, TableRef>& pkg = state.data_packages[slug];
      for (auto [name, entry] : tables) {
        TableRef ref;
        if (ParseTableRef(entry, "data_packages." + slug + "." + std::string(name), path, &ref,
                          warnings)) {
          pkg.insert_or_assign(std::string(name), std::move(ref));
        }
      }
    }
  }
  FERRY_ASSIGN_OR_RETURN(std::optional<dom::object> memory, Section(root, kMemoryKey, path));
  if (memory) {
    for (auto [slug_view, entry] : *memory) {
      const std::string slug(slug_view);
      MemoryEntry m;
      dom::object obj;
      if (entry.get_object().get(obj) != simdjson::SUCCESS ||
          !ReadStringField(obj, "slug", &m.slug) || !ReadStringField(obj, "md5", &m.md5) ||
          !ReadStringField(obj, "path", &m.path)) {
        Warn(warnings, path + ": memory_domains." + slug + " is malformed; entry dropped");
        continue;
      }
      if (m.slug.empty()) m.slug = slug;
      state.memory_domains.insert_or_assign(slug, std::move(m));
    }
  }
  if (dom::element last;
      root.at_key(kLastSyncKey).get(last) == simdjson::SUCCESS && !last.is_null()) {
    int64_t whole = 0;
    double seconds = 0;
    if (last.get_int64().get(whole) == simdjson::SUCCESS) {
      state.last_sync_unix = whole;
    } else if (last.get_double().get(seconds) == simdjson::SUCCESS) {
      // Converting a double outside int64's range is undefined behaviour (found by
      // fuzz/sync_state_fuzzer.cc): such a time was written by neither ferry nor the seed.
      if (!(seconds >= -0x1p63 && seconds < 0x1p63)) {
        return WrongType(path, kLastSyncKey, "a Unix time in seconds");
      }
      state.last_sync_unix = static_cast<int64_t>(seconds);
    } else {
      return WrongType(path, kLastSyncKey, "a number");
    }
  }
  for (auto [key, value] : root) {
    if (key == kDirectKey || key == kPackagesKey || key == kMemoryKey || key == kLastSyncKey) {
      continue;
    }
    // Unknown keys are rare and kept verbatim: round-trip them through nlohmann.
    Result<json> kept = ParseJson(simdjson::minify(value), path);
    if (!kept.ok()) return Status::Corruption(kept.status().message());
    state.extra[std::string(key)] = std::move(kept).value();
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

namespace {

void WriteTableRef(const TableRef& ref, PrettyJsonWriter* w) {
  // Members in sorted order, as nlohmann (a std::map) would print them.
  w->BeginObject();
  w->StringMember("md5", ref.md5);
  w->BoolMember("partitioned", ref.partitioned);
  w->StringMember("ref_path", ref.ref_path);
  w->StringMember("shared_path", ref.shared_path);
  w->UintMember("size_bytes", ref.size);
  w->StringMember("strategy", LinkStrategyName(ref.strategy));
  w->StringMember("table_id", ref.table_id);
  w->EndObject();
}

void WriteTableMap(const std::map<std::string, TableRef>& refs, PrettyJsonWriter* w) {
  w->BeginObject();
  for (const auto& [name, ref] : refs) {
    w->Key(name);
    WriteTableRef(ref, w);
  }
  w->EndObject();
}

// The document SyncStateToJson(state).dump(2) would print, written straight from the structs;
// false when a string is not valid UTF-8 (the caller then lets nlohmann substitute U+FFFD).
bool WriteStateText(const SyncState& state, std::string* out) {
  PrettyJsonWriter w(out);
  // The top level merges the four sections with any preserved keys, all in sorted order.
  std::map<std::string_view, std::function<void()>> members;
  if (state.extra.is_object()) {
    for (const auto& [key, value] : state.extra.items()) {
      // A pointer, not the binding: clang before 16 (the fuzz build's clang 14) cannot capture
      // a structured binding.
      const nlohmann::json* v = &value;
      members[key] = [&w, v] {
        w.RawPretty(v->dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      };
    }
  }
  members[kDirectKey] = [&] { WriteTableMap(state.direct_tables, &w); };
  members[kPackagesKey] = [&] {
    w.BeginObject();
    for (const auto& [slug, tables] : state.data_packages) {
      w.Key(slug);
      WriteTableMap(tables, &w);
    }
    w.EndObject();
  };
  members[kMemoryKey] = [&] {
    w.BeginObject();
    for (const auto& [slug, m] : state.memory_domains) {
      w.Key(slug);
      w.BeginObject();
      w.StringMember("md5", m.md5);
      w.StringMember("path", m.path);
      w.StringMember("slug", m.slug);
      w.EndObject();
    }
    w.EndObject();
  };
  members[kLastSyncKey] = [&] { w.Int(state.last_sync_unix); };
  w.BeginObject();
  for (const auto& [key, write_value] : members) {
    w.Key(key);
    write_value();
  }
  w.EndObject();
  return w.valid_utf8();
}

}  // namespace

std::string SyncStateText(const SyncState& state) {
  std::string text;
  size_t refs = state.direct_tables.size();
  for (const auto& [slug, tables] : state.data_packages) refs += tables.size();
  text.reserve(4096 + 400 * refs);  // a pretty reference takes about 350 bytes
  if (!WriteStateText(state, &text)) {
    // error_handler::replace: a name with invalid UTF-8 must not make the save throw.
    text = SyncStateToJson(state).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  text.push_back('\n');
  return text;
}

Status SaveSyncState(Env* env, const std::string& path, const SyncState& state) {
  return WriteFileAtomically(env, path, SyncStateText(state), 0644);
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
