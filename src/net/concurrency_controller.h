// ConcurrencyController: how many requests to one server may be in flight, decided from what
// the requests achieve (docs/DESIGN.md, "Downloads find their own concurrency").
//
// Over a long link each small request waits a round trip, so throughput grows with the number
// in flight until the link (or the server) is saturated; past that point more requests only
// add connections. The controller finds that point the way TCP finds a window:
//
// - Rounds. A round ends at the first completion that makes at least `level` completions
//   since the round began and at least kMinRoundNs have passed (the Env's monotonic clock), so
//   every request in flight has had a chance to finish once. Its throughput is the completed
//   bytes over the round's time. The round right after a change of level is not measured
//   (settling: its completions are mostly requests started at the old level).
// - Slow start. From `initial` the level doubles after each round while doubling paid: the
//   round's throughput rose by at least half of what the raise would give if throughput
//   followed the level (elasticity >= 0.5, below). The first raise that did not pay ends slow
//   start, back at the level before it.
// - Avoidance. Each round steps the level by a quarter (at least 1), up or down. Elasticity of
//   a step = (relative change of throughput) / (relative change of the level). A step up that
//   paid (>= 0.5) keeps going up, one that did not turns down; a step down that cost
//   throughput (>= 0.5) turns up, one that did not keeps going down. So the level hovers just
//   above the fewest requests that keep the link busy. At the cap going up, it holds.
// - Overload. A 429 or 503 from the server halves the level (multiplicative decrease), ends
//   slow start, and no request may start before its Retry-After (delta-seconds; without one,
//   kDefaultRetryAfterMs; at most kMaxRetryAfterMs) has passed. Further overloads before that
//   time only extend the pause (one decrease per event, not per request that met it).
//   Completions during the pause are not measured; a round starts after it, and the level
//   then probes upwards a step at a time.
// - Bounds: 1 <= level <= cap, always. Throughput alone never takes the level under `initial`
//   (the floor): below it fewer connections save nothing worth a slower LAN pull; only an
//   overload does, and the steps up from there are the avoidance ones.
//
// A fixed controller (`--jobs N`) keeps level N and ignores everything it is told.
//
// Pure: no clock, no threads; every event carries its time. Thread-safety: none (the
// ConcurrencyGate serialises calls).
#ifndef FERRY_NET_CONCURRENCY_CONTROLLER_H_
#define FERRY_NET_CONCURRENCY_CONTROLLER_H_

#include <cstdint>
#include <string>

namespace ferry {

// The most requests ferry keeps in flight to one server when it chooses itself: enough to
// fill a 50 ms round trip with 64 KiB tables (32 was not: docs/DESIGN.md), and few enough for
// a small server (cpp-httplib gives each connection a thread; ferry serve runs up to 256).
inline constexpr int kMaxRequestsPerServer = 64;
// Where an adaptive controller starts (the old fixed default of --jobs).
inline constexpr int kInitialRequestsInFlight = 4;

// The initial level (and floor) for a server whose manifest took `round_trip_ns` to arrive
// (request sent to last byte): kInitialRequestsInFlight per kShortRoundTripNs of it, rounded
// down to a power of two (slow start then lands on the cap), within
// [kInitialRequestsInFlight, cap / 2]. A LAN (a few ms) keeps 4; a 50 ms link, whose first
// request costs the TCP handshake and its own round trip (~100 ms), starts at 32.
//
// Why the floor too, not only the start: on a long link a level of 4 is ~70 small tables a
// second against ~1,100 at 64, and throughput measured on a busy machine swings with the
// machine's load, not the level; avoidance then drifts down to the floor (it goes down unless
// a step up visibly paid), and a pull through the 50 ms bench proxy took 18.8 s instead of
// 3.3 s (docs/DESIGN.md). A floor that covers the round trip costs a few idle connections at
// worst; an overload still halves the level below it.
inline constexpr int64_t kShortRoundTripNs = 10'000'000;  // 10 ms
int InitialRequestsForRoundTrip(int64_t round_trip_ns, int cap);

struct ConcurrencyOptions {
  bool adaptive = true;
  int fixed_level = 4;  // when !adaptive
  int initial = kInitialRequestsInFlight;
  int cap = kMaxRequestsPerServer;
};

class ConcurrencyController {
 public:
  enum class Phase { kFixed, kSlowStart, kAvoidance };

  static constexpr int64_t kMinRoundNs = 20'000'000;  // 20 ms
  static constexpr int64_t kDefaultRetryAfterMs = 1000;
  static constexpr int64_t kMaxRetryAfterMs = 60'000;
  // Elasticity at or above which a change of level "paid".
  static constexpr double kPaid = 0.5;

  explicit ConcurrencyController(const ConcurrencyOptions& options);

  // How many requests may be in flight now.
  int level() const { return level_; }
  int cap() const { return cap_; }
  Phase phase() const { return phase_; }
  // No request may start before this time (Env monotonic ns); 0 when none is paused.
  int64_t paused_until_ns() const { return paused_until_ns_; }

  // A request finished at `now_ns` having moved `bytes` (0 for a failure).
  void OnCompleted(int64_t now_ns, uint64_t bytes);
  // The server answered 429 or 503 at `now_ns`; `retry_after_ms` < 0 when it sent none.
  void OnOverloaded(int64_t now_ns, int64_t retry_after_ms);

 private:
  void StartRound(int64_t now_ns);
  void EndRound(int64_t now_ns);
  // The level one avoidance step up or down from `level_`, within [1, cap].
  int StepUp() const;
  int StepDown() const;

  const int cap_;
  const int floor_;  // min(initial, cap): where steps down stop
  Phase phase_;
  int level_;
  int64_t paused_until_ns_ = 0;
  // The current round.
  bool round_started_ = false;
  int64_t round_start_ns_ = 0;
  uint64_t round_bytes_ = 0;
  int round_completions_ = 0;
  int round_level_ = 0;
  // The round before it (throughput < 0: none to compare with).
  double last_throughput_ = -1;
  int last_level_ = 0;
  bool going_up_ = true;   // avoidance: the direction of the next step
  bool settling_ = false;  // the level just changed: the next round is not measured
};

// Retry-After as milliseconds: delta-seconds ("120"), else -1 (absent, an HTTP-date or junk:
// the controller's default applies).
int64_t ParseRetryAfterMs(const std::string& value);

}  // namespace ferry

#endif  // FERRY_NET_CONCURRENCY_CONTROLLER_H_
