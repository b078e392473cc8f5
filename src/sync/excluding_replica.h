// ExcludingReplica: a Replica seen through --exclude rules. It wraps another replica and hides
// every excluded path (and, through ExcludeRules, everything under an excluded directory) from
// List and GetRootState. Since observation only sees what List reports, an excluded path is
// never hashed, copied, counted, renamed or deleted on either side, and never enters the
// baseline.
//
// Only the walk is filtered. Every other call goes to the wrapped replica unchanged: a plan
// names only paths a listing reported, and the executor must see the real backup area when it
// probes for a free backup name (a --backup-dir inside the root is excluded from the walk, not
// from Stat).
//
// id() is the wrapped replica's: the same pair of roots keeps one baseline whatever the
// excludes. Paths excluded after a sync read as "deleted on both sides", which forgets them
// without touching either side.
//
// Thread-safety: as the wrapped replica (the rules are immutable).
#ifndef FERRY_SYNC_EXCLUDING_REPLICA_H_
#define FERRY_SYNC_EXCLUDING_REPLICA_H_

#include <memory>
#include <string>

#include "sync/exclude_rules.h"
#include "sync/replica.h"

namespace ferry::sync {

class ExcludingReplica : public Replica {
 public:
  ExcludingReplica(std::unique_ptr<Replica> inner, ExcludeRules rules)
      : inner_(std::move(inner)), rules_(std::move(rules)) {}

  Replica* inner() const { return inner_.get(); }

  std::string id() const override { return inner_->id(); }
  // kEmpty when everything the wrapped replica holds is excluded.
  Result<RootState> GetRootState() override;
  Status List(const std::function<Status(ReplicaEntry)>& visit) override;
  Result<ReplicaEntry> Stat(const std::string& path) override { return inner_->Stat(path); }
  Result<std::unique_ptr<SequentialFile>> OpenRead(const std::string& path) override {
    return inner_->OpenRead(path);
  }
  Status WriteFile(const std::string& path, SequentialFile* source,
                   const WriteMeta& meta) override {
    return inner_->WriteFile(path, source, meta);
  }
  Status WriteSymlink(const std::string& path, const std::string& target) override {
    return inner_->WriteSymlink(path, target);
  }
  Status CreateDir(const std::string& path, uint32_t mode) override {
    return inner_->CreateDir(path, mode);
  }
  Status RemoveDir(const std::string& path) override { return inner_->RemoveDir(path); }
  Status Rename(const std::string& from, const std::string& to) override {
    return inner_->Rename(from, to);
  }
  Status PreserveInBackup(const std::string& path, const std::string& backup_path) override {
    return inner_->PreserveInBackup(path, backup_path);
  }
  Status MoveToBackup(const std::string& path, const std::string& backup_path) override {
    return inner_->MoveToBackup(path, backup_path);
  }

 private:
  std::unique_ptr<Replica> inner_;
  ExcludeRules rules_;
};

}  // namespace ferry::sync

#endif  // FERRY_SYNC_EXCLUDING_REPLICA_H_
