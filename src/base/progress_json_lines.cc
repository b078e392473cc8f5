// The --events sink: one compact JSON object per event, one per line, flushed at once so a
// program reading ferry's stdout sees each event as it happens. The schema (keys appear in
// this order; a key with a default value is still present unless marked optional):
//   {"event":"plan","files_total":N,"bytes_total":N}
//   {"event":"item_start","item":S}
//   {"event":"bytes","item":S,"bytes":N}
//   {"event":"item_done","item":S,"ok":B[,"message":S]}      message only when not empty
//   {"event":"note","message":S}
//   {"event":"finish","ok":B,"files_done":N,"files_failed":N,"bytes_done":N,"elapsed_ms":N
//    [,"message":S]}
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
    switch (event.kind) {
      case ProgressEvent::Kind::kPlan:
        j["event"] = "plan";
        j["files_total"] = event.files_total;
        j["bytes_total"] = event.bytes_total;
        break;
      case ProgressEvent::Kind::kItemStart:
        j["event"] = "item_start";
        j["item"] = event.item;
        break;
      case ProgressEvent::Kind::kBytes:
        j["event"] = "bytes";
        j["item"] = event.item;
        j["bytes"] = event.bytes_delta;
        break;
      case ProgressEvent::Kind::kItemDone:
        j["event"] = "item_done";
        j["item"] = event.item;
        j["ok"] = event.ok;
        if (!event.message.empty()) j["message"] = event.message;
        break;
      case ProgressEvent::Kind::kNote:
        j["event"] = "note";
        j["message"] = event.message;
        break;
      case ProgressEvent::Kind::kFinish:
        j["event"] = "finish";
        j["ok"] = event.ok;
        j["files_done"] = tally_.files_done();
        j["files_failed"] = tally_.files_failed();
        j["bytes_done"] = tally_.bytes_done();
        j["elapsed_ms"] = tally_.ElapsedNs(now) / 1'000'000;
        if (!event.message.empty()) j["message"] = event.message;
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
