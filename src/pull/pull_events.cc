#include "pull/pull_events.h"

namespace ferry::pull {
namespace {

void Warn(ProgressSink* sink, const std::string& item, const std::string& message) {
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kWarning;
  e.item = item;
  e.message = message;
  sink->OnEvent(e);
}

}  // namespace

void EmitStarted(ProgressSink* sink, const std::string& workspace, const std::string& server) {
  if (sink == nullptr) return;
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kStarted;
  e.operation = "pull";
  e.item = workspace;
  e.peer = server;
  sink->OnEvent(e);
}

void EmitReferenceMade(ProgressSink* sink, const std::string& ref_path,
                       const std::string& shared_path, LinkStrategy strategy) {
  if (sink == nullptr) return;
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kReferenceMade;
  e.item = ref_path;
  e.target = shared_path;
  e.strategy = std::string(LinkStrategyName(strategy));
  sink->OnEvent(e);
}

void EmitRemoved(ProgressSink* sink, const std::string& path, std::string_view what) {
  if (sink == nullptr) return;
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::kRemoved;
  e.item = path;
  e.what = std::string(what);
  sink->OnEvent(e);
}

void EmitReportWarnings(ProgressSink* sink, const SyncReport& report) {
  if (sink == nullptr) return;
  for (const TypeReport* t :
       {&report.direct_tables, &report.data_packages, &report.memory_domains}) {
    for (const EntryErrorReport& err : t->errors) {
      std::string item = err.package.empty() ? err.name : err.package + "/" + err.name;
      Warn(sink, item, err.error);
    }
  }
  for (const std::string& v : report.invariant_violations) {
    Warn(sink, "", "invariant violation: " + v);
  }
  for (const std::string& h : report.healed) Warn(sink, "", "healed: " + h);
  for (const std::string& n : report.notes) Warn(sink, "", n);
}

ProgressSummary SummaryOf(const SyncReport& report, int exit_status) {
  ProgressSummary s;
  for (const TypeReport* t :
       {&report.direct_tables, &report.data_packages, &report.memory_domains}) {
    s.added += static_cast<uint64_t>(t->added);
    s.updated += static_cast<uint64_t>(t->updated);
    s.removed += static_cast<uint64_t>(t->removed);
  }
  s.bytes = report.bytes_downloaded;
  s.failures = static_cast<uint64_t>(report.total_errors());
  s.exit_status = exit_status;
  return s;
}

}  // namespace ferry::pull
