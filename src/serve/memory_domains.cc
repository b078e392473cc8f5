#include "serve/memory_domains.h"

#include <spdlog/spdlog.h>

#include "base/path.h"
#include "serve/manifest_builder.h"
#include "serve/md5_index.h"

namespace ferry::serve {
namespace {

bool IsItemName(const std::string& name) {
  return name.size() >= 4 && name.compare(name.size() - 3, 3, ".md") == 0;
}

std::shared_ptr<const DomainState> MakeState(uint64_t version, CatalogDomain domain) {
  auto s = std::make_shared<DomainState>();
  s->version = version;
  s->manifest_entry = DumpJson(DomainEntry(domain));
  s->domain = std::move(domain);
  return s;
}

}  // namespace

bool MemoryDomains::Stamp::operator==(const Stamp& o) const {
  if (valid != o.valid || device != o.device || inode != o.inode || mtime_ns != o.mtime_ns ||
      files.size() != o.files.size()) {
    return false;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const FileStamp& a = files[i];
    const FileStamp& b = o.files[i];
    if (a.name != b.name || a.inode != b.inode || a.size != b.size || a.mtime_ns != b.mtime_ns) {
      return false;
    }
  }
  return true;
}

MemoryDomains::MemoryDomains(Env* env, std::shared_ptr<const Catalog> catalog)
    : env_(env), catalog_(std::move(catalog)) {
  for (const CatalogDomain& d : catalog_->domains) {
    auto slot = std::make_unique<Slot>();
    auto first = std::make_shared<Published>();
    first->state = MakeState(0, d);
    slot->published = std::move(first);
    slots_.push_back(std::move(slot));
  }
}

MemoryDomains::Stamp MemoryDomains::TakeStamp(const std::string& dir) const {
  Stamp stamp;
  Result<FileInfo> d = env_->Stat(dir);
  if (!d.ok()) return stamp;
  Result<std::vector<DirEntry>> entries = env_->ListDir(dir);
  if (!entries.ok()) return stamp;
  stamp.device = d->device;
  stamp.inode = d->inode;
  stamp.mtime_ns = d->mtime_ns;
  for (const DirEntry& e : *entries) {
    if (!IsItemName(e.name)) continue;
    Result<FileInfo> f = env_->LinkStat(JoinPath(dir, e.name));
    if (!f.ok()) return Stamp{};  // raced away: stamp again next time
    stamp.files.push_back(FileStamp{e.name, f->inode, f->size, f->mtime_ns});
  }
  stamp.valid = true;
  return stamp;
}

// The cheap check of every request: a stat of the directory and of each item it had, no
// listing (an entry added or removed shows in the directory's mtime).
bool MemoryDomains::StillMatches(const Stamp& stamp, const std::string& dir) const {
  if (!stamp.valid) return false;
  Result<FileInfo> d = env_->Stat(dir);
  if (!d.ok() || d->device != stamp.device || d->inode != stamp.inode ||
      d->mtime_ns != stamp.mtime_ns) {
    return false;
  }
  for (const FileStamp& f : stamp.files) {
    Result<FileInfo> now = env_->LinkStat(JoinPath(dir, f.name));
    if (!now.ok() || now->inode != f.inode || now->size != f.size || now->mtime_ns != f.mtime_ns) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<const DomainState> MemoryDomains::Current(size_t index) {
  Slot& slot = *slots_[index];
  const std::string& dir = catalog_->domains[index].items_dir;
  std::shared_ptr<const Published> seen = slot.Get();
  if (!seen->racy && StillMatches(seen->stamp, dir)) return seen->state;

  std::lock_guard<std::mutex> rereading(slot.reread_mu);
  seen = slot.Get();  // another request may have re-read it meanwhile
  if (!seen->racy && StillMatches(seen->stamp, dir)) return seen->state;
  // Stamp first, read second: a change after the stamp shows as a mismatch next time.
  const int64_t now = env_->NowUnixNanos();
  auto next = std::make_shared<Published>();
  next->stamp = TakeStamp(dir);
  Result<std::vector<MemoryItem>> items = LoadMemoryItems(env_, dir);
  if (!items.ok()) {
    if (!(next->stamp == slot.failed)) {
      spdlog::error("serve: memory domain '{}': {}; still serving its previous items",
                    catalog_->domains[index].slug, items.status().message());
      slot.failed = next->stamp;
    }
    return seen->state;  // still racy or stale: looked at again on the next request
  }
  bool racy = !next->stamp.valid || now - next->stamp.mtime_ns < Md5Index::kRacyWindowNs;
  for (const FileStamp& f : next->stamp.files) {
    racy = racy || now - f.mtime_ns < Md5Index::kRacyWindowNs;
  }
  next->racy = racy;
  next->state = seen->state;
  if (*items != seen->state->domain.items) {
    CatalogDomain d = seen->state->domain;
    d.items = std::move(items).value();
    next->state = MakeState(seen->state->version + 1, std::move(d));
  }
  std::shared_ptr<const DomainState> state = next->state;
  std::lock_guard<std::mutex> lock(slot.mu);
  slot.published = std::move(next);
  return state;
}

}  // namespace ferry::serve
