// Bandwidth rules of a push transport: which upload rate applies at a given local time.
//
// Two ways to say it, both from the seed product's configuration (docs/PUSH.md):
// - `bandwidth: {upload_mbps: 50, schedule: [{days: [mon..fri], from: "08:00", to: "18:00"}]}`:
//   the rate applies inside any of the windows and nowhere else (no limit outside them, so the
//   lab's network is spared during working hours and the night runs at full speed). Without a
//   schedule the rate applies at all times. Windows are half-open, [from, to): at 18:00 sharp
//   the limit is already lifted. `from` must be before `to` (no window across midnight: write
//   two).
// - `bwlimit: "08:00,512k 18:00,off"`: an rclone-style timetable. Each entry is
//   `[Day-]HH:MM,RATE`; an entry without a day applies every day; the entry in force is the
//   latest one at or before now in the week, wrapping around to the last entry of the week
//   before. A lone RATE (no time) is a fixed limit. RATE is a number with an optional suffix
//   B, K, M, G (bytes, KiB, MiB, GiB per second; no suffix means KiB, as rclone), or `off`;
//   `UP:DOWN` pairs keep the upload part.
//
// Everything here is a pure function of a given *local* wall time (weekday, minute of the
// day), so windows are tested on their edges without a clock; ToLocalTime is the one place
// that asks the C library for the local time zone, which is how a DST day keeps working: a
// window says "08:00 local" and local time is what the caller passes.
//
// Rates are bytes per second; std::nullopt means "no limit".
//
// Thread-safety: pure functions (ToLocalTime uses localtime_r).
#ifndef FERRY_PUSH_BANDWIDTH_H_
#define FERRY_PUSH_BANDWIDTH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry::push {

// Bytes per second, or std::nullopt for unlimited.
using RateLimit = std::optional<uint64_t>;

// A local wall time reduced to what the rules look at.
struct LocalTime {
  int weekday = 0;        // 0 = Sunday ... 6 = Saturday (struct tm's tm_wday)
  int minute_of_day = 0;  // 0 ... 1439
};

// [from_minute, to_minute) on each day whose bit (1 << weekday) is set in days_mask.
struct DayTimeWindow {
  uint8_t days_mask = 0;
  int from_minute = 0;
  int to_minute = 0;
};

struct BandwidthSchedule {
  std::optional<double> upload_mbps;   // megabits per second; unset: no limit at all
  std::vector<DayTimeWindow> windows;  // empty: the rate applies at all times
};

struct TimetableEntry {
  int weekday = -1;  // -1: every day
  int minute_of_day = 0;
  RateLimit rate;
};

struct Timetable {
  std::vector<TimetableEntry> entries;  // in the order written
};

// "mon".."sun" (any case, also full names "monday") -> 1..6, 0 for Sunday.
Result<int> ParseWeekday(std::string_view text);

// "HH:MM" (00:00 ... 23:59, and 24:00 for the end of a day) -> minutes since midnight.
Result<int> ParseClockTime(std::string_view text);

// Whether `t` is inside the window (half-open).
bool InWindow(const DayTimeWindow& window, LocalTime t);

// The limit a `bandwidth:` schedule imposes at `t`.
RateLimit ScheduledRate(const BandwidthSchedule& schedule, LocalTime t);

// Parses an rclone-style --bwlimit value; errors name the offending entry.
Result<Timetable> ParseTimetable(std::string_view text);

// The limit a timetable imposes at `t` (no entries: no limit).
RateLimit TimetableRate(const Timetable& timetable, LocalTime t);

// The local time (TZ, /etc/localtime) at a Unix time.
LocalTime ToLocalTime(int64_t unix_seconds);

// rsync's --bwlimit takes KiB/s and reads 0 as "no limit", so a tiny limit is rounded up to
// 1 KiB/s rather than down to "unlimited". Returns the argument value, e.g. "6104".
std::string RsyncBwlimitArgument(uint64_t bytes_per_second);

}  // namespace ferry::push

#endif  // FERRY_PUSH_BANDWIDTH_H_
