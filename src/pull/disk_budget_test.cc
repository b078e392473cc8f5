#include "pull/disk_budget.h"

#include <gtest/gtest.h>

#include "base/mem_env.h"

namespace ferry::pull {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

class DiskBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.CreateDir("/ws", 0755).ok()); }
  MemEnv env_;
  DiskBudget budget_{&env_, "/ws", 10 * kMiB};
};

TEST_F(DiskBudgetTest, AdmitsWhatFitsWithTheMarginAndSaysWhyNotOtherwise) {
  env_.SetFreeSpace(100 * kMiB);
  Result<std::unique_ptr<DiskBudget::Ticket>> fits = budget_.Admit("table a", 90 * kMiB);
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_EQ((*fits)->cap(), 90 * kMiB);
  fits->reset();
  Result<std::unique_ptr<DiskBudget::Ticket>> too_big = budget_.Admit("table b", 91 * kMiB);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kNoSpace);
  EXPECT_EQ(too_big.status().message(),
            "not enough disk space for table b: it needs 91 MiB plus a 10 MiB margin in /ws, "
            "which has 100 MiB free");
}

TEST_F(DiskBudgetTest, WhatRunningDownloadsWerePromisedIsNotPromisedTwice) {
  env_.SetFreeSpace(100 * kMiB);
  auto a = budget_.Admit("table a", 60 * kMiB);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(budget_.promised(), 60 * kMiB);
  auto b = budget_.Admit("table b", 40 * kMiB);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            "not enough disk space for table b: it needs 40 MiB plus a 10 MiB margin in /ws, "
            "which has 100 MiB free (60 MiB of it promised to downloads in progress)");
  // Bytes written leave the promise (the free figure shows them now)...
  (*a)->Wrote(50 * kMiB);
  EXPECT_EQ(budget_.promised(), 10 * kMiB);
  env_.SetFreeSpace(50 * kMiB);
  EXPECT_TRUE(budget_.Admit("table c", 30 * kMiB).ok());
  // ... and writing past the promise hands back nothing more.
  (*a)->Wrote(20 * kMiB);
  EXPECT_EQ(budget_.promised(), 0u);
}

TEST_F(DiskBudgetTest, ATicketHandsBackItsPromiseWhenDestroyed) {
  env_.SetFreeSpace(100 * kMiB);
  {
    auto a = budget_.Admit("table a", 80 * kMiB);
    ASSERT_TRUE(a.ok());
    (*a)->Wrote(5 * kMiB);
  }
  EXPECT_EQ(budget_.promised(), 0u);
  EXPECT_TRUE(budget_.Admit("table b", 80 * kMiB).ok());
}

TEST_F(DiskBudgetTest, UnknownSizeIsCappedAtWhatTheDiskCanSpare) {
  env_.SetFreeSpace(100 * kMiB);
  auto a = budget_.Admit("table a", 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->cap(), 90 * kMiB);
  env_.SetFreeSpace(10 * kMiB);  // only the margin is left: nothing may start
  auto b = budget_.Admit("table b", 0);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kNoSpace);
}

TEST_F(DiskBudgetTest, WithoutAFigureEverythingIsAdmitted) {
  DiskBudget nowhere(&env_, "/missing", 10 * kMiB);
  auto a = nowhere.Admit("table a", uint64_t{1} << 60);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->cap(), UINT64_MAX);
}

}  // namespace
}  // namespace ferry::pull
