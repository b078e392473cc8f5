// NewBaseline: the baseline a sync commits, as a merge of what it already knows, computed on
// the fly in path order (docs/SYNC.md "Baseline"). Its inputs are the old baseline, the two
// replicas' observations and what the executor landed on each side; per path:
//
//   a side's version now = what the executor landed there (nothing, for a delete), else its
//                          observed change, else the old record's (unchanged), else absent;
//   both present with the same kind and hash -> a record of the two versions;
//   else the old record, if there was one and either side still holds something;
//   else no record.
// A path nothing is known about beyond the old record (unchanged on both sides, untouched by
// the plan) keeps its record as it is.
//
// Streamed, never built: the commit (SaveBaseline with a BaselineRecordSource) runs the merge
// once to count and once to write, so a sync holds one baseline, the old one, and never a
// second (at 100,000 files that was ~12 MB more at the peak of a first sync).
//
// Thread-safety: pure functions of their arguments.
#ifndef FERRY_SYNC_NEW_BASELINE_H_
#define FERRY_SYNC_NEW_BASELINE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "ferry/status.h"
#include "sync/baseline.h"
#include "sync/observe.h"

namespace ferry::sync {

// What the executor made a path hold, per side (index 0: A, 1: B); nullopt: nothing there
// (deleted, or renamed away). Sorted by path, one entry per path: the last word.
struct LandedVersions {
  std::map<std::string, std::optional<Observed>, std::less<>> on[2];
  std::map<std::string, std::optional<Observed>, std::less<>>& side(Side s) {
    return on[s == Side::kA ? 0 : 1];
  }
};

// Calls `visit` with every record of the new baseline, in path order. The observations'
// changes must be sorted by path and unique (ObserveReplica's are; ObservationsFromPlan sorts
// its own); otherwise kInternal, before any record is out of order.
Status ForEachNewRecord(const Baseline& old, const Observations& a_seen, const Observations& b_seen,
                        const LandedVersions& landed, const BaselineRecordVisitor& visit);

// The merge above as a source for SaveBaseline; every argument must outlive it.
BaselineRecordSource NewBaselineSource(const Baseline& old, const Observations& a_seen,
                                       const Observations& b_seen, const LandedVersions& landed);

// The new baseline whole, in memory: for tests and for callers that want to look into it.
Result<Baseline> NewBaseline(const Baseline& old, const Observations& a_seen,
                             const Observations& b_seen, const LandedVersions& landed);

}  // namespace ferry::sync

#endif  // FERRY_SYNC_NEW_BASELINE_H_
