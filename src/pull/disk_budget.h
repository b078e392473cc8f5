// DiskBudget: decides before a download starts whether its bytes fit on the disk, so that a
// full filesystem is reported up front, per table and with nothing written, instead of as
// ENOSPC halfway through (docs/issue 9: a pull must not fill the disk).
//
// A download asks Admit for the bytes it is about to write (the announced size minus what its
// partial already holds). It is admitted when the free space of the filesystem holding `dir`,
// minus the bytes promised to downloads still running and not yet written, holds them plus
// `margin` (room for sync_state.json, the digest cache, views.sql and anything else writing
// there meanwhile). The admitted download holds a Ticket: each byte it writes is taken off its
// promise (the filesystem's free space shows that byte now), and the Ticket's destruction hands
// back the rest.
//
// A download of unknown size (no size_bytes in the manifest) asks for 0 and must stop at
// Ticket::cap(): what the filesystem could spare at admission. A server streaming forever then
// stops at the margin, not at a full disk.
//
// When the Env cannot tell the free space (statvfs failed), every download is admitted with an
// unlimited cap: ENOSPC is still caught when it happens.
//
// Thread-safety: Admit and Tickets may be used from any thread; a Ticket by one at a time.
#ifndef FERRY_PULL_DISK_BUDGET_H_
#define FERRY_PULL_DISK_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::pull {

// What a download leaves free on the disk it writes to.
inline constexpr uint64_t kFreeSpaceMargin = uint64_t{64} << 20;

class DiskBudget {
 public:
  class Ticket {
   public:
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();  // hands back what was promised and not written

    // `n` more bytes were written to the disk.
    void Wrote(uint64_t n);
    // The most bytes this download may have on the disk when its size is unknown.
    uint64_t cap() const { return cap_; }

   private:
    friend class DiskBudget;
    Ticket(DiskBudget* budget, uint64_t promised, uint64_t cap)
        : budget_(budget), promised_(promised), cap_(cap) {}
    DiskBudget* const budget_;
    uint64_t promised_;  // not yet written
    const uint64_t cap_;
  };

  // `dir` must exist when Admit is called. The budget must outlive its Tickets.
  DiskBudget(Env* env, std::string dir, uint64_t margin);
  DiskBudget(const DiskBudget&) = delete;
  DiskBudget& operator=(const DiskBudget&) = delete;

  // Admits a download of `need` bytes, or kNoSpace: "not enough disk space for <what>: it
  // needs <need> plus a <margin> margin in <dir>, which has <free> free[ (<promised> of it
  // promised to downloads in progress)]".
  Result<std::unique_ptr<Ticket>> Admit(const std::string& what, uint64_t need);

  uint64_t promised() const { return promised_.load(); }

 private:
  Env* const env_;
  const std::string dir_;
  const uint64_t margin_;
  std::mutex admit_mu_;  // one admission decision at a time
  std::atomic<uint64_t> promised_{0};
};

}  // namespace ferry::pull

#endif  // FERRY_PULL_DISK_BUDGET_H_
