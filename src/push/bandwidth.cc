#include "push/bandwidth.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ferry::push {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One RATE of a timetable: "512k", "10M", "1.5G", "100" (KiB), "off", "10M:1M" (upload part).
Result<RateLimit> ParseRate(std::string_view text, std::string_view entry) {
  std::string_view up = text.substr(0, text.find(':'));
  std::string lower = Lower(up);
  if (lower == "off") return RateLimit();
  double multiplier = 1024;  // rclone: no suffix means KiB/s
  if (!lower.empty() && std::isalpha(static_cast<unsigned char>(lower.back()))) {
    switch (lower.back()) {
      case 'b':
        multiplier = 1;
        break;
      case 'k':
        multiplier = 1024;
        break;
      case 'm':
        multiplier = 1024.0 * 1024;
        break;
      case 'g':
        multiplier = 1024.0 * 1024 * 1024;
        break;
      default:
        return Status::InvalidArgument("bwlimit entry '" + std::string(entry) +
                                       "': unknown rate suffix in '" + std::string(up) +
                                       "' (use B, K, M, G or off)");
    }
    lower.pop_back();
  }
  char* end = nullptr;
  double value = std::strtod(lower.c_str(), &end);
  if (lower.empty() || end == nullptr || *end != '\0' || !(value >= 0) || !std::isfinite(value)) {
    return Status::InvalidArgument("bwlimit entry '" + std::string(entry) + "': '" +
                                   std::string(up) + "' is not a rate (e.g. 512k, 10M, off)");
  }
  if (value == 0) return RateLimit();  // rclone reads 0 as off
  return RateLimit(static_cast<uint64_t>(std::llround(value * multiplier)));
}

// Minutes since the start of the week (Sunday 00:00).
int WeekMinute(int weekday, int minute_of_day) { return weekday * kMinutesPerDay + minute_of_day; }

}  // namespace

Result<int> ParseWeekday(std::string_view text) {
  static const char* const kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  static const char* const kLong[] = {"sunday",   "monday", "tuesday", "wednesday",
                                      "thursday", "friday", "saturday"};
  std::string lower = Lower(text);
  for (int i = 0; i < 7; ++i) {
    if (lower == kNames[i] || lower == kLong[i]) return i;
  }
  return Status::InvalidArgument("'" + std::string(text) +
                                 "' is not a weekday (use mon, tue, wed, thu, fri, sat, sun)");
}

Result<int> ParseClockTime(std::string_view text) {
  const size_t colon = text.find(':');
  const Status bad = Status::InvalidArgument("'" + std::string(text) +
                                             "' is not a time of day (use HH:MM, e.g. 08:00)");
  if (colon == std::string_view::npos || colon == 0 || colon > 2) return bad;
  std::string_view hh = text.substr(0, colon);
  std::string_view mm = text.substr(colon + 1);
  if (!AllDigits(hh) || !AllDigits(mm) || mm.size() != 2) return bad;
  const int hours = std::stoi(std::string(hh));
  const int minutes = std::stoi(std::string(mm));
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return bad;
  return hours * 60 + minutes;
}

bool InWindow(const DayTimeWindow& window, LocalTime t) {
  if ((window.days_mask & (1u << t.weekday)) == 0) return false;
  return t.minute_of_day >= window.from_minute && t.minute_of_day < window.to_minute;
}

RateLimit ScheduledRate(const BandwidthSchedule& schedule, LocalTime t) {
  if (!schedule.upload_mbps) return RateLimit();
  const auto rate = static_cast<uint64_t>(std::llround(*schedule.upload_mbps * 1e6 / 8));
  if (schedule.windows.empty()) return rate;
  for (const DayTimeWindow& w : schedule.windows) {
    if (InWindow(w, t)) return rate;
  }
  return RateLimit();
}

Result<Timetable> ParseTimetable(std::string_view text) {
  Timetable table;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos >= text.size()) break;
    size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    const std::string_view entry = text.substr(pos, end - pos);
    pos = end;
    TimetableEntry e;
    const size_t comma = entry.find(',');
    if (comma == std::string_view::npos) {
      // A lone rate: a fixed limit, in force from the start of every day.
      FERRY_ASSIGN_OR_RETURN(e.rate, ParseRate(entry, entry));
      table.entries.push_back(e);
      continue;
    }
    std::string_view when = entry.substr(0, comma);
    const size_t dash = when.find('-');
    if (dash != std::string_view::npos) {
      Result<int> day = ParseWeekday(when.substr(0, dash));
      if (!day.ok()) {
        return Status::InvalidArgument("bwlimit entry '" + std::string(entry) +
                                       "': " + day.status().message());
      }
      e.weekday = *day;
      when = when.substr(dash + 1);
    }
    Result<int> minute = ParseClockTime(when);
    if (!minute.ok() || *minute >= kMinutesPerDay) {
      return Status::InvalidArgument("bwlimit entry '" + std::string(entry) + "': '" +
                                     std::string(when) +
                                     "' is not a time of day (use HH:MM, e.g. 08:00)");
    }
    e.minute_of_day = *minute;
    FERRY_ASSIGN_OR_RETURN(e.rate, ParseRate(entry.substr(comma + 1), entry));
    table.entries.push_back(e);
  }
  return table;
}

RateLimit TimetableRate(const Timetable& timetable, LocalTime t) {
  // Lay every entry out on the week (an every-day entry once per day) and take the latest at
  // or before now; before the week's first entry, the week's last one is still in force.
  struct Point {
    int week_minute;
    size_t order;  // later entries win a tie, as they would in rclone's list
    RateLimit rate;
  };
  std::vector<Point> points;
  for (size_t i = 0; i < timetable.entries.size(); ++i) {
    const TimetableEntry& e = timetable.entries[i];
    if (e.weekday >= 0) {
      points.push_back({WeekMinute(e.weekday, e.minute_of_day), i, e.rate});
    } else {
      for (int day = 0; day < 7; ++day) {
        points.push_back({WeekMinute(day, e.minute_of_day), i, e.rate});
      }
    }
  }
  if (points.empty()) return RateLimit();
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return a.week_minute != b.week_minute ? a.week_minute < b.week_minute : a.order < b.order;
  });
  const int now = WeekMinute(t.weekday, t.minute_of_day);
  const Point* in_force = &points.back();
  for (const Point& p : points) {
    if (p.week_minute > now) break;
    in_force = &p;
  }
  return in_force->rate;
}

LocalTime ToLocalTime(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm local {};
  localtime_r(&t, &local);
  return LocalTime{local.tm_wday, local.tm_hour * 60 + local.tm_min};
}

std::string RsyncBwlimitArgument(uint64_t bytes_per_second) {
  return std::to_string(std::max<uint64_t>(1, bytes_per_second / 1024));
}

}  // namespace ferry::push
