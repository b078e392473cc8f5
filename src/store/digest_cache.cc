#include "store/digest_cache.h"

#include <simdjson.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "base/file_util.h"
#include "base/hasher.h"
#include "base/json_util.h"
#include "base/json_writer.h"
#include "base/path.h"

namespace ferry {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;

namespace dom = simdjson::dom;

bool GetU64(dom::object j, const char* key, uint64_t* out) {
  return j.at_key(key).get_uint64().get(*out) == simdjson::SUCCESS;
}

bool GetI64(dom::object j, const char* key, int64_t* out) {
  return j.at_key(key).get_int64().get(*out) == simdjson::SUCCESS;
}

}  // namespace

DigestCache::DigestCache(Env* env, std::string path) : env_(env), path_(std::move(path)) {}

bool DigestCache::Matches(const Entry& e, const FileInfo& info) {
  return e.dev == info.device && e.ino == info.inode && e.size == info.size &&
         e.mtime_ns == info.mtime_ns && e.ctime_ns == info.ctime_ns;
}

DigestCache::Entry DigestCache::MakeEntry(const FileInfo& info, std::string md5) {
  Entry e;
  e.dev = info.device;
  e.ino = info.inode;
  e.size = info.size;
  e.mtime_ns = info.mtime_ns;
  e.ctime_ns = info.ctime_ns;
  e.md5 = std::move(md5);
  e.recorded_ns = env_->NowUnixNanos();
  return e;
}

Status DigestCache::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  dirty_ = false;
  load_warning_.clear();
  Result<std::string> text = ReadFileToString(env_, path_, kMaxFileBytes);
  if (!text.ok()) {
    if (text.status().IsNotFound()) return Status::OK();
    if (text.status().code() != StatusCode::kInvalidArgument) return text.status();
    load_warning_ = text.status().message() + "; starting with an empty digest cache";
    dirty_ = true;  // replace the oversized file on the next Save
    return Status::OK();
  }
  // simdjson: the cache is read on every pull and holds an entry per shared file.
  dom::parser parser;
  dom::element root;
  if (simdjson::error_code e = parser.parse(*text).get(root); e != simdjson::SUCCESS) {
    Result<json> detail = ParseJson(*text, path_);  // names the byte where it goes wrong
    load_warning_ =
        (detail.ok() ? path_ + ": " + simdjson::error_message(e) : detail.status().message()) +
        "; starting with an empty digest cache";
    dirty_ = true;
    return Status::OK();
  }
  int64_t version = 0;
  dom::object entries;
  if (root.at_key("version").get_int64().get(version) != simdjson::SUCCESS ||
      version != kFormatVersion ||
      root.at_key("entries").get_object().get(entries) != simdjson::SUCCESS) {
    load_warning_ =
        "digest cache " + path_ + " has an unknown layout; starting with an empty digest cache";
    dirty_ = true;
    return Status::OK();
  }
  size_t dropped = 0;
  for (auto [file, value] : entries) {
    Entry e;
    dom::object j;
    std::string_view md5;
    if (value.get_object().get(j) != simdjson::SUCCESS || !GetU64(j, "dev", &e.dev) ||
        !GetU64(j, "ino", &e.ino) || !GetU64(j, "size", &e.size) ||
        !GetI64(j, "mtime_ns", &e.mtime_ns) || !GetI64(j, "ctime_ns", &e.ctime_ns) ||
        !GetI64(j, "recorded_ns", &e.recorded_ns) ||
        j.at_key("md5").get_string().get(md5) != simdjson::SUCCESS) {
      ++dropped;
      continue;
    }
    e.md5 = std::string(md5);
    entries_.emplace(std::string(file), std::move(e));
  }
  if (dropped > 0) {
    load_warning_ =
        "digest cache " + path_ + ": " + std::to_string(dropped) + " malformed entries ignored";
    dirty_ = true;
  }
  return Status::OK();
}

Status DigestCache::Save() {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dirty_) return Status::OK();
    // Written straight from the map (json_writer.h): a drop of 1,000 canonicals rewrites it.
    text.reserve(64 + 300 * entries_.size());
    PrettyJsonWriter w(&text);
    w.BeginObject();
    w.Key("entries");
    w.BeginObject();
    for (const auto& [file, e] : entries_) {
      w.Key(file);
      w.BeginObject();
      w.IntMember("ctime_ns", e.ctime_ns);
      w.UintMember("dev", e.dev);
      w.UintMember("ino", e.ino);
      w.StringMember("md5", e.md5);
      w.IntMember("mtime_ns", e.mtime_ns);
      w.IntMember("recorded_ns", e.recorded_ns);
      w.UintMember("size", e.size);
      w.EndObject();
    }
    w.EndObject();
    w.IntMember("version", kFormatVersion);
    w.EndObject();
    if (!w.valid_utf8()) {  // a path that is not UTF-8: let nlohmann substitute U+FFFD
      json entries = json::object();
      for (const auto& [file, e] : entries_) {
        entries[file] = json{{"dev", e.dev},
                             {"ino", e.ino},
                             {"size", e.size},
                             {"mtime_ns", e.mtime_ns},
                             {"ctime_ns", e.ctime_ns},
                             {"md5", e.md5},
                             {"recorded_ns", e.recorded_ns}};
      }
      json root = {{"version", kFormatVersion}, {"entries", std::move(entries)}};
      text = root.dump(2, ' ', false, json::error_handler_t::replace);
    }
    text.push_back('\n');
    dirty_ = false;
  }
  Status s = CreateDirs(env_, DirName(path_));
  if (s.ok()) s = WriteFileAtomically(env_, path_, text, 0644);
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;  // try again on the next Save
  }
  return s;
}

Result<std::string> DigestCache::Md5Of(const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(FileInfo before, env_->Stat(path));
  return Md5Of(path, before);
}

Result<std::string> DigestCache::Md5Of(const std::string& path, const FileInfo& before) {
  if (!before.is_regular()) {
    return Status::InvalidArgument("hash " + path + ": not a regular file");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(path);
    if (it != entries_.end() && Matches(it->second, before) && !Racy(it->second)) {
      return it->second.md5;
    }
  }
  // Hash outside the lock. Count bytes as they are read, not the stat size: the counter is
  // the proof that a no-op pull read nothing.
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env_->NewSequentialFile(path));
  Hasher hasher(HashAlgorithm::kMd5);
  std::vector<char> buf(kHashBufferSize);
  while (true) {
    FERRY_ASSIGN_OR_RETURN(size_t n, file->Read(buf.data(), buf.size()));
    if (n == 0) break;
    bytes_hashed_ += n;
    hasher.Update(std::string_view(buf.data(), n));
  }
  std::string md5 = hasher.FinishHex();
  FERRY_ASSIGN_OR_RETURN(FileInfo after, env_->Stat(path));
  Entry e = MakeEntry(after, md5);
  std::lock_guard<std::mutex> lock(mu_);
  if (Matches(e, before)) {
    entries_[path] = std::move(e);
    dirty_ = true;
  } else {
    // Changed while we read it: the digest describes bytes that may no longer be there.
    if (entries_.erase(path) > 0) dirty_ = true;
  }
  return md5;
}

Status DigestCache::Record(const std::string& path, const std::string& md5) {
  FERRY_ASSIGN_OR_RETURN(FileInfo info, env_->Stat(path));
  Entry e = MakeEntry(info, md5);
  std::lock_guard<std::mutex> lock(mu_);
  entries_[path] = std::move(e);
  dirty_ = true;
  return Status::OK();
}

int64_t DigestCache::StampNs() {
  constexpr int64_t kTwoSeconds = 2'000'000'000;
  const int64_t now = env_->NowUnixNanos();
  return now - now % kTwoSeconds - kTwoSeconds;
}

Status DigestCache::RecordStamped(const std::string& path, const std::string& md5,
                                  int64_t stamp_ns) {
  FERRY_ASSIGN_OR_RETURN(FileInfo info, env_->Stat(path));
  std::lock_guard<std::mutex> lock(mu_);
  if (info.mtime_ns != stamp_ns) {
    if (entries_.erase(path) > 0) dirty_ = true;
    return Status::OK();
  }
  entries_[path] = MakeEntry(info, md5);
  dirty_ = true;
  return Status::OK();
}

std::vector<std::string> DigestCache::KeysUnderLocked(const std::string& path) const {
  std::vector<std::string> keys;
  auto it = entries_.find(path);
  if (it != entries_.end()) keys.push_back(path);
  const std::string prefix = path + "/";
  for (it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

void DigestCache::Refresh(const std::string& path) {
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = KeysUnderLocked(path);
  }
  for (const std::string& key : keys) {
    Result<FileInfo> info = env_->Stat(key);
    if (!info.ok()) continue;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;
    Entry& e = it->second;
    // Not racy when recorded + the same mtime now => no write since (see the header).
    if (Racy(e) || e.dev != info->device || e.ino != info->inode || e.size != info->size ||
        e.mtime_ns != info->mtime_ns || e.ctime_ns == info->ctime_ns) {
      continue;
    }
    e.ctime_ns = info->ctime_ns;
    dirty_ = true;
  }
}

void DigestCache::NoteReference(const std::string& shared, const std::string& ref,
                                bool shares_inode) {
  if (shares_inode) {
    Refresh(shared);
    return;
  }
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = KeysUnderLocked(shared);
  }
  if (keys.empty()) keys.push_back(shared);  // a file not cached yet (a directory fails below)
  for (const std::string& key : keys) {
    // Md5Of answers from a trusted entry without reading; an untrusted one is re-hashed, so
    // the copy carries the digest of what it was copied from.
    Result<std::string> md5 = Md5Of(key);
    if (!md5.ok()) continue;
    const std::string dst = ref + key.substr(shared.size());
    const int64_t stamp = StampNs();
    if (!env_->SetModificationTime(dst, stamp).ok()) continue;
    IgnoreError(RecordStamped(dst, *md5, stamp), "the digest cache is only an optimisation");
  }
}

void DigestCache::Forget(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.erase(path) > 0) dirty_ = true;
}

std::optional<DigestCache::Entry> DigestCache::Lookup(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

size_t DigestCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace ferry
