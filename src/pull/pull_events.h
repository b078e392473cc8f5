// The pull's events on a ProgressSink (include/ferry/progress.h), in the vocabulary of the
// --events stream (docs/EVENTS.md), so the engine's call sites stay one line each.
//
// What the pull emits, in order: started; plan; per table download item_start, bytes...,
// item_done (with the bytes and md5 now in the store); per reference made reference_made; per
// reference, canonical, bundle or package directory removed removed; at the end one warning
// per line of the report a person must read (entry errors, invariant violations, heals,
// notes). kFinish comes from the caller, which owns the exit status (SummaryOf).
//
// Thread-safety: free functions; `sink` may be null (no events wanted) and is itself
// thread-safe.
#ifndef FERRY_PULL_PULL_EVENTS_H_
#define FERRY_PULL_PULL_EVENTS_H_

#include <string>
#include <string_view>

#include "ferry/progress.h"
#include "pull/report.h"
#include "store/sync_state.h"

namespace ferry::pull {

void EmitStarted(ProgressSink* sink, const std::string& workspace, const std::string& server);
void EmitReferenceMade(ProgressSink* sink, const std::string& ref_path,
                       const std::string& shared_path, LinkStrategy strategy);
// `what`: "reference", "canonical", "bundle" or "package".
void EmitRemoved(ProgressSink* sink, const std::string& path, std::string_view what);
// One kWarning per entry error ("<package>/<name>" or the name as item), invariant violation
// ("invariant violation: ..."), heal ("healed: ...") and note, as the text report words them.
void EmitReportWarnings(ProgressSink* sink, const SyncReport& report);

// The report's counts for kFinish: added / updated / removed over the three types, the bytes
// downloaded, the failed entries, and the exit status the caller returns.
ProgressSummary SummaryOf(const SyncReport& report, int exit_status);

}  // namespace ferry::pull

#endif  // FERRY_PULL_PULL_EVENTS_H_
