// Bandwidth windows and timetables on their edges: half-open windows, the wrong weekday, a
// DST day, the wrap-around of a timetable.
#include "push/bandwidth.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <string>

namespace ferry::push {
namespace {

constexpr int kSun = 0, kMon = 1, kFri = 5, kSat = 6;
constexpr uint64_t kFiftyMbps = 50'000'000 / 8;  // bytes per second

LocalTime At(int weekday, int hour, int minute) { return LocalTime{weekday, hour * 60 + minute}; }

// 50 Mbit/s on weekdays 08:00-18:00, as in the seed product's example.
BandwidthSchedule WorkingHours(uint8_t days_mask = 0b0111110) {
  BandwidthSchedule s;
  s.upload_mbps = 50;
  s.windows.push_back({days_mask, 8 * 60, 18 * 60});
  return s;
}

TEST(BandwidthTest, RateAppliesInsideTheWindow) {
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kMon, 8, 0)), kFiftyMbps);  // from is included
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kMon, 12, 30)), kFiftyMbps);
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kFri, 17, 59)), kFiftyMbps);
}

TEST(BandwidthTest, EighteenHundredIsExcluded) {
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kMon, 18, 0)), std::nullopt);
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kMon, 7, 59)), std::nullopt);
}

TEST(BandwidthTest, WrongWeekdayHasNoLimit) {
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kSat, 12, 0)), std::nullopt);
  EXPECT_EQ(ScheduledRate(WorkingHours(), At(kSun, 12, 0)), std::nullopt);
}

TEST(BandwidthTest, RateWithoutScheduleAppliesAlways) {
  BandwidthSchedule s;
  s.upload_mbps = 50;
  EXPECT_EQ(ScheduledRate(s, At(kSun, 3, 0)), kFiftyMbps);
  EXPECT_EQ(ScheduledRate(BandwidthSchedule{}, At(kMon, 12, 0)), std::nullopt);
}

TEST(BandwidthTest, AnyOfSeveralWindowsApplies) {
  BandwidthSchedule s = WorkingHours(1u << kMon);
  s.windows.push_back({1u << kSat, 10 * 60, 12 * 60});
  EXPECT_EQ(ScheduledRate(s, At(kSat, 11, 0)), kFiftyMbps);
  EXPECT_EQ(ScheduledRate(s, At(kSat, 12, 0)), std::nullopt);
  EXPECT_EQ(ScheduledRate(s, At(kMon, 9, 0)), kFiftyMbps);
}

// Sets TZ for the test's lifetime (localtime_r reads it after tzset).
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    const char* old = getenv("TZ");
    had_old_ = old != nullptr;
    if (had_old_) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTimeZone() {
    if (had_old_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_old_ = false;
  std::string old_;
};

// 2026-03-29 is the Sunday Berlin moves from CET (UTC+1) to CEST (UTC+2) at 02:00 local. A
// window written in local time must follow local time across the change.
TEST(BandwidthTest, WindowFollowsLocalTimeOnTheDstDay) {
  ScopedTimeZone berlin("Europe/Berlin");
  const BandwidthSchedule sundays = WorkingHours(1u << kSun);
  const int64_t kMar29_0630Utc = 1774765800;                  // 08:30 CEST: inside
  const int64_t kMar22_0630Utc = kMar29_0630Utc - 7 * 86400;  // 07:30 CET a week before: not
  EXPECT_EQ(ToLocalTime(kMar29_0630Utc).weekday, kSun);
  EXPECT_EQ(ToLocalTime(kMar29_0630Utc).minute_of_day, 8 * 60 + 30);
  EXPECT_EQ(ScheduledRate(sundays, ToLocalTime(kMar29_0630Utc)), kFiftyMbps);
  EXPECT_EQ(ToLocalTime(kMar22_0630Utc).minute_of_day, 7 * 60 + 30);
  EXPECT_EQ(ScheduledRate(sundays, ToLocalTime(kMar22_0630Utc)), std::nullopt);
  // 16:00 UTC is 18:00 CEST on the DST day: the end of the window, excluded.
  EXPECT_EQ(ScheduledRate(sundays, ToLocalTime(kMar29_0630Utc + 9 * 3600 + 1800)), std::nullopt);
  EXPECT_EQ(ScheduledRate(sundays, ToLocalTime(kMar29_0630Utc + 9 * 3600 + 1740)), kFiftyMbps);
}

TEST(BandwidthTest, TimetableOfTheSeedExample) {
  Result<Timetable> t = ParseTimetable("08:00,512k 18:00,off");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(TimetableRate(*t, At(kMon, 8, 0)), 512u * 1024);
  EXPECT_EQ(TimetableRate(*t, At(kMon, 17, 59)), 512u * 1024);
  EXPECT_EQ(TimetableRate(*t, At(kMon, 18, 0)), std::nullopt);
  // Before the day's first entry, yesterday's last one is still in force.
  EXPECT_EQ(TimetableRate(*t, At(kMon, 7, 59)), std::nullopt);
}

TEST(BandwidthTest, TimetableWithDaysWrapsAroundTheWeek) {
  Result<Timetable> t = ParseTimetable("Mon-08:00,10M Fri-18:00,1G");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(TimetableRate(*t, At(kMon, 9, 0)), 10u << 20);
  EXPECT_EQ(TimetableRate(*t, At(kFri, 17, 0)), 10u << 20);
  EXPECT_EQ(TimetableRate(*t, At(kSat, 1, 0)), uint64_t{1} << 30);
  // Sunday and Monday before 08:00: Friday's entry, from the week before.
  EXPECT_EQ(TimetableRate(*t, At(kSun, 1, 0)), uint64_t{1} << 30);
  EXPECT_EQ(TimetableRate(*t, At(kMon, 7, 0)), uint64_t{1} << 30);
}

TEST(BandwidthTest, TimetableRateForms) {
  EXPECT_EQ(TimetableRate(*ParseTimetable("100"), At(kMon, 0, 0)), 100u * 1024);   // KiB
  EXPECT_EQ(TimetableRate(*ParseTimetable("10M:1M"), At(kMon, 0, 0)), 10u << 20);  // upload
  EXPECT_EQ(TimetableRate(*ParseTimetable("2048B"), At(kMon, 0, 0)), 2048u);
  EXPECT_EQ(TimetableRate(*ParseTimetable("off"), At(kMon, 0, 0)), std::nullopt);
  EXPECT_EQ(TimetableRate(*ParseTimetable(""), At(kMon, 0, 0)), std::nullopt);
}

TEST(BandwidthTest, BadTimetablesNameTheEntry) {
  EXPECT_EQ(ParseTimetable("08:00,1M 25:00,off").status().message(),
            "bwlimit entry '25:00,off': '25:00' is not a time of day (use HH:MM, e.g. 08:00)");
  EXPECT_EQ(ParseTimetable("Xyz-08:00,1M").status().message(),
            "bwlimit entry 'Xyz-08:00,1M': 'Xyz' is not a weekday (use mon, tue, wed, thu, fri, "
            "sat, sun)");
  EXPECT_EQ(ParseTimetable("08:00,xM").status().message(),
            "bwlimit entry '08:00,xM': 'xM' is not a rate (e.g. 512k, 10M, off)");
}

TEST(BandwidthTest, ClockTimes) {
  EXPECT_EQ(*ParseClockTime("00:00"), 0);
  EXPECT_EQ(*ParseClockTime("8:05"), 8 * 60 + 5);
  EXPECT_EQ(*ParseClockTime("24:00"), 24 * 60);  // the end of a day, for `to`
  EXPECT_FALSE(ParseClockTime("24:01").ok());
  EXPECT_FALSE(ParseClockTime("12:60").ok());
  EXPECT_FALSE(ParseClockTime("1200").ok());
}

TEST(BandwidthTest, RsyncBwlimitIsKibAndNeverZero) {
  EXPECT_EQ(RsyncBwlimitArgument(kFiftyMbps), "6103");
  EXPECT_EQ(RsyncBwlimitArgument(100), "1");  // 0 would mean "no limit" to rsync
}

}  // namespace
}  // namespace ferry::push
