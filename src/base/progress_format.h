// How progress numbers read to a person: sizes in binary units, rates, and durations.
//
// Sizes keep about three significant digits, like `ls -h`: "512 B", "1.2 KiB", "37 KiB",
// "112 MiB", "3.4 GiB" (one decimal below 10, none from 10 up; a value that would round to
// 1024 moves to the next unit). Pure functions; thread-safe.
#ifndef FERRY_BASE_PROGRESS_FORMAT_H_
#define FERRY_BASE_PROGRESS_FORMAT_H_

#include <cstdint>
#include <string>

namespace ferry {

// "0 B", "512 B", "1.0 KiB", "1.2 GiB", "37 MiB", up to TiB.
std::string FormatBytes(uint64_t bytes);

// FormatBytes(bytes_per_second) + "/s", e.g. "112 MiB/s".
std::string FormatRate(double bytes_per_second);

// A clock-style duration for the terminal bar: "0:21", "12:05", "1:02:03".
std::string FormatClockDuration(int64_t seconds);

// A compact duration for log lines: "21s", "3m05s", "1h02m".
std::string FormatShortDuration(int64_t seconds);

}  // namespace ferry

#endif  // FERRY_BASE_PROGRESS_FORMAT_H_
