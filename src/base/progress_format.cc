#include "base/progress_format.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace ferry {

namespace {

std::string FormatScaled(double value) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  constexpr int kLastUnit = 4;
  int unit = 0;
  while (unit < kLastUnit && value >= 1024.0) {
    value /= 1024.0;
    ++unit;
  }
  char buf[64];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f B", std::floor(value));
    return buf;
  }
  if (value < 9.95) {
    std::snprintf(buf, sizeof(buf), "%.1f %s", value, kUnits[unit]);
  } else if (value < 1023.5 || unit == kLastUnit) {
    std::snprintf(buf, sizeof(buf), "%.0f %s", value, kUnits[unit]);
  } else {  // 1023.5 .. 1024 rounds to "1024": say "1.0" of the next unit instead
    std::snprintf(buf, sizeof(buf), "1.0 %s", kUnits[unit + 1]);
  }
  return buf;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) { return FormatScaled(static_cast<double>(bytes)); }

std::string FormatRate(double bytes_per_second) {
  if (!(bytes_per_second > 0)) bytes_per_second = 0;  // also maps NaN to 0
  return FormatScaled(bytes_per_second) + "/s";
}

std::string FormatClockDuration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[64];
  const int64_t h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
  if (h > 0) {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return buf;
}

std::string FormatShortDuration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[64];
  const int64_t h = seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
  if (h > 0) {
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm", static_cast<long long>(h),
                  static_cast<long long>(m));
  } else if (m > 0) {
    std::snprintf(buf, sizeof(buf), "%lldm%02llds", static_cast<long long>(m),
                  static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(s));
  }
  return buf;
}

}  // namespace ferry
