// The --events sink: one compact JSON object per event, one per line, flushed at once so a
// program reading the stream sees each event as it happens. The schema is docs/EVENTS.md;
// keys appear in the order written below, and the optional ones only when set:
//   {"event":"started","operation":S,"item":S[,"peer":S]}
//   {"event":"plan","files_total":N,"bytes_total":N}
//   {"event":"item_start","item":S}
//   {"event":"bytes","item":S,"bytes":N}
//   {"event":"item_done","item":S,"ok":B[,"bytes":N][,"digest":S][,"message":S]}
//   {"event":"reference_made","item":S,"target":S,"strategy":S}
//   {"event":"removed","item":S,"what":S}
//   {"event":"note","message":S}
//   {"event":"warning"[,"item":S],"message":S}
//   {"event":"finish","ok":B,"files_done":N,"files_failed":N,"bytes_done":N,"elapsed_ms":N
//    [,"message":S][,"summary":{"added":N,"updated":N,"removed":N,"bytes":N,"failures":N,
//    "exit_status":N}]}
// Strings that are not valid UTF-8 (a file name from an old disk) have the bad bytes replaced
// with U+FFFD instead of failing the event.
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "base/progress_sinks.h"
#include "base/progress_tally.h"

namespace ferry {

namespace {

class JsonLinesProgressSink final : public ProgressSink {
 public:
  JsonLinesProgressSink(std::FILE* out, ProgressClock now_ns)
      : out_(out), now_ns_(std::move(now_ns)) {}

  void OnEvent(const ProgressEvent& event) override {
    // ordered_json keeps the keys in the documented order, which makes the stream diffable.
    nlohmann::ordered_json j;
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = now_ns_();
    tally_.Apply(event, now);
    j["event"] = ProgressKindName(event.kind);
    switch (event.kind) {
      case ProgressEvent::Kind::kStarted:
        j["operation"] = event.operation;
        j["item"] = event.item;
        if (!event.peer.empty()) j["peer"] = event.peer;
        break;
      case ProgressEvent::Kind::kPlan:
        j["files_total"] = event.files_total;
        j["bytes_total"] = event.bytes_total;
        break;
      case ProgressEvent::Kind::kItemStart:
        j["item"] = event.item;
        break;
      case ProgressEvent::Kind::kBytes:
        j["item"] = event.item;
        j["bytes"] = event.bytes_delta;
        break;
      case ProgressEvent::Kind::kItemDone:
        j["item"] = event.item;
        j["ok"] = event.ok;
        if (event.size_bytes) j["bytes"] = *event.size_bytes;
        if (!event.digest.empty()) j["digest"] = event.digest;
        if (!event.message.empty()) j["message"] = event.message;
        break;
      case ProgressEvent::Kind::kReferenceMade:
        j["item"] = event.item;
        j["target"] = event.target;
        j["strategy"] = event.strategy;
        break;
      case ProgressEvent::Kind::kRemoved:
        j["item"] = event.item;
        j["what"] = event.what;
        break;
      case ProgressEvent::Kind::kNote:
        j["message"] = event.message;
        break;
      case ProgressEvent::Kind::kWarning:
        if (!event.item.empty()) j["item"] = event.item;
        j["message"] = event.message;
        break;
      case ProgressEvent::Kind::kFinish:
        j["ok"] = event.ok;
        j["files_done"] = tally_.files_done();
        j["files_failed"] = tally_.files_failed();
        j["bytes_done"] = tally_.bytes_done();
        j["elapsed_ms"] = tally_.ElapsedNs(now) / 1'000'000;
        if (!event.message.empty()) j["message"] = event.message;
        if (event.summary) {
          const ProgressSummary& s = *event.summary;
          j["summary"] = {{"added", s.added},       {"updated", s.updated},
                          {"removed", s.removed},   {"bytes", s.bytes},
                          {"failures", s.failures}, {"exit_status", s.exit_status}};
        }
        break;
    }
    const std::string line =
        j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(),
                out_);  // advisory: a write error is not ours to fail on
    std::fflush(out_);
  }

 private:
  std::mutex mu_;
  std::FILE* out_;
  ProgressClock now_ns_;
  ProgressTally tally_;
};

}  // namespace

std::unique_ptr<ProgressSink> NewJsonLinesProgressSink(std::FILE* out, ProgressClock now_ns) {
  return std::make_unique<JsonLinesProgressSink>(out, std::move(now_ns));
}

}  // namespace ferry
