#include "pull/disk_budget.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/progress_format.h"

namespace ferry::pull {

DiskBudget::DiskBudget(Env* env, std::string dir, uint64_t margin)
    : env_(env), dir_(std::move(dir)), margin_(margin) {}

DiskBudget::Ticket::~Ticket() { budget_->promised_.fetch_sub(promised_); }

void DiskBudget::Ticket::Wrote(uint64_t n) {
  // A download that starts over rewrites bytes it had before: past its promise, nothing to
  // hand back.
  const uint64_t taken = std::min(n, promised_);
  promised_ -= taken;
  budget_->promised_.fetch_sub(taken);
}

Result<std::unique_ptr<DiskBudget::Ticket>> DiskBudget::Admit(const std::string& what,
                                                              uint64_t need) {
  std::lock_guard<std::mutex> lock(admit_mu_);
  Result<uint64_t> free = env_->FreeSpace(dir_);
  if (!free.ok()) {
    IgnoreError(free.status(), "without a figure the download goes ahead; ENOSPC is still caught");
    return std::unique_ptr<Ticket>(new Ticket(this, 0, std::numeric_limits<uint64_t>::max()));
  }
  // Bytes promised to others may already be written (the free figure then shows them too):
  // counting them again errs on the side of refusing.
  const uint64_t others = promised_.load();
  const uint64_t reserved = others + margin_;
  const uint64_t spare = *free > reserved ? *free - reserved : 0;
  if (need > spare || spare == 0) {
    std::string msg = "not enough disk space for " + what + ": it needs " + FormatBytes(need) +
                      " plus a " + FormatBytes(margin_) + " margin in " + dir_ + ", which has " +
                      FormatBytes(*free) + " free";
    if (others > 0) msg += " (" + FormatBytes(others) + " of it promised to downloads in progress)";
    return Status::NoSpace(std::move(msg));
  }
  promised_.fetch_add(need);
  return std::unique_ptr<Ticket>(new Ticket(this, need, spare));
}

}  // namespace ferry::pull
