#include "net/concurrency_controller.h"

#include <algorithm>
#include <cctype>

namespace ferry {
namespace {

// How much the last change of level paid: the relative change of throughput over the relative
// change of level (1: throughput followed the level exactly; 0: it did not move).
double Elasticity(double throughput, double last_throughput, int level, int last_level) {
  const double level_change = static_cast<double>(level - last_level) / last_level;
  if (last_throughput <= 0) return throughput > 0 ? 1.0 : 0.0;
  const double throughput_change = (throughput - last_throughput) / last_throughput;
  return throughput_change / level_change;
}

}  // namespace

ConcurrencyController::ConcurrencyController(const ConcurrencyOptions& options)
    : cap_(std::max(1, options.adaptive ? options.cap : options.fixed_level)),
      floor_(std::clamp(options.initial, 1, cap_)),
      phase_(options.adaptive ? Phase::kSlowStart : Phase::kFixed),
      level_(options.adaptive ? floor_ : cap_) {}

void ConcurrencyController::OnCompleted(int64_t now_ns, uint64_t bytes) {
  if (phase_ == Phase::kFixed) return;
  // Requests that were in flight when the server said "overloaded" finish during the pause;
  // they measure the old level, not the new one.
  if (now_ns < paused_until_ns_) return;
  if (!round_started_) {  // this completion only marks the start of the round
    StartRound(now_ns);
    return;
  }
  round_bytes_ += bytes;
  ++round_completions_;
  if (round_completions_ >= round_level_ && now_ns - round_start_ns_ >= kMinRoundNs) {
    EndRound(now_ns);
  }
}

void ConcurrencyController::OnOverloaded(int64_t now_ns, int64_t retry_after_ms) {
  if (phase_ == Phase::kFixed) return;
  const int64_t wait_ms = std::clamp<int64_t>(
      retry_after_ms < 0 ? kDefaultRetryAfterMs : retry_after_ms, 0, kMaxRetryAfterMs);
  const int64_t until = now_ns + wait_ms * 1'000'000;
  // Every request in flight may meet the same overload: one decrease per pause, as TCP
  // halves its window once per loss event, not once per lost segment.
  const bool new_event = now_ns >= paused_until_ns_;
  paused_until_ns_ = std::max(paused_until_ns_, until);
  if (!new_event) return;
  level_ = std::max(1, level_ / 2);
  phase_ = Phase::kAvoidance;
  round_started_ = false;  // the next completion after the pause starts a round
  settling_ = true;
  last_throughput_ = -1;  // what came before the overload says nothing about the new level
}

void ConcurrencyController::StartRound(int64_t now_ns) {
  round_started_ = true;
  round_start_ns_ = now_ns;
  round_bytes_ = 0;
  round_completions_ = 0;
  round_level_ = level_;
}

void ConcurrencyController::EndRound(int64_t now_ns) {
  if (settling_) {
    // The round right after a change mixes requests started at the old level with the new
    // ones: measuring it would credit (or blame) the change for the transition.
    settling_ = false;
    StartRound(now_ns);
    return;
  }
  const double throughput =
      static_cast<double>(round_bytes_) * 1e9 / static_cast<double>(now_ns - round_start_ns_);
  const bool compared = last_throughput_ >= 0 && round_level_ != last_level_;
  const bool paid =
      compared && Elasticity(throughput, last_throughput_, round_level_, last_level_) >= kPaid;
  const int before_raise = last_level_;
  const bool first = last_throughput_ < 0;
  last_throughput_ = throughput;
  last_level_ = round_level_;

  if (phase_ == Phase::kSlowStart) {
    if (first || paid) {
      level_ = std::min(cap_, 2 * round_level_);
      if (level_ == round_level_) {  // at the cap: nothing left to double
        phase_ = Phase::kAvoidance;
        going_up_ = true;
      }
    } else {
      // The doubling bought little: back to the level before it, then look for fewer.
      phase_ = Phase::kAvoidance;
      level_ = std::max(before_raise, floor_);
      going_up_ = false;
    }
    settling_ = level_ != round_level_;
    StartRound(now_ns);
    return;
  }

  if (first) {
    going_up_ = true;  // after an overload: probe upwards again, a step at a time
  } else if (compared) {
    // Up and paid: keep going up. Down and it cost throughput: go back up. Otherwise the
    // level does not matter much: go (or keep going) down, toward the fewest that suffice.
    going_up_ = paid;
  } else if (round_level_ <= 1 || round_level_ <= floor_) {
    going_up_ = true;  // held at the bottom: try upwards
  }                    // else held at the cap, going up: keep holding
  level_ = going_up_ ? StepUp() : StepDown();
  settling_ = level_ != round_level_;
  StartRound(now_ns);
}

int ConcurrencyController::StepUp() const {
  return std::min(cap_, level_ + std::max(1, level_ / 4));
}

int ConcurrencyController::StepDown() const {
  // Throughput never takes the level under the floor (an overload may): below it the gain
  // of fewer connections is nil and a loopback or LAN pull would lose speed.
  if (level_ <= floor_) return level_;
  return std::max(floor_, level_ - std::max(1, level_ / 4));
}

int InitialRequestsForRoundTrip(int64_t round_trip_ns, int cap) {
  const int top = std::max(kInitialRequestsInFlight, cap / 2);
  const int64_t want =
      kInitialRequestsInFlight * std::max<int64_t>(0, round_trip_ns) / kShortRoundTripNs;
  int level = kInitialRequestsInFlight;
  while (2 * level <= want && 2 * level <= top) level *= 2;
  return std::min(level, std::max(1, cap));
}

int64_t ParseRetryAfterMs(const std::string& value) {
  if (value.empty() || value.size() > 9) return -1;
  int64_t seconds = 0;
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds * 1000;
}

}  // namespace ferry
