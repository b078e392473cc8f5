#include "serve/address_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace ferry::serve {
namespace {

using Verdict = AddressLimiter::Verdict;

TEST(AddressLimiterTest, CapsEachAddressAndGivesSlotsBackOnClose) {
  AddressLimiter limiter(2, 0);
  AddressLimiter::Slot a1, a2, a3, b1;
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1", &a1), Verdict::kAdmitted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1", &a2), Verdict::kAdmitted);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1", &a3), Verdict::kAddressFull);
  EXPECT_FALSE(a3.held());
  EXPECT_EQ(limiter.TryAcquire("10.0.0.2", &b1), Verdict::kAdmitted);  // others unaffected
  a1 = AddressLimiter::Slot();                                         // the connection closed
  EXPECT_EQ(limiter.held("10.0.0.1"), 1u);
  EXPECT_EQ(limiter.TryAcquire("10.0.0.1", &a3), Verdict::kAdmitted);
  EXPECT_EQ(limiter.held_total(), 3u);
}

TEST(AddressLimiterTest, TotalCapRefusesEveryAddressOnceFull) {
  AddressLimiter limiter(0, 3);
  std::vector<AddressLimiter::Slot> slots(4);
  EXPECT_EQ(limiter.TryAcquire("a", &slots[0]), Verdict::kAdmitted);
  EXPECT_EQ(limiter.TryAcquire("b", &slots[1]), Verdict::kAdmitted);
  EXPECT_EQ(limiter.TryAcquire("c", &slots[2]), Verdict::kAdmitted);
  EXPECT_EQ(limiter.TryAcquire("d", &slots[3]), Verdict::kServerFull);
  slots.clear();
  EXPECT_EQ(limiter.held_total(), 0u);
  EXPECT_EQ(limiter.held("a"), 0u);
}

TEST(AddressLimiterTest, ZeroMeansUnlimited) {
  AddressLimiter limiter(0, 0);
  std::vector<AddressLimiter::Slot> slots(1000);
  for (auto& s : slots) ASSERT_EQ(limiter.TryAcquire("127.0.0.1", &s), Verdict::kAdmitted);
  EXPECT_EQ(limiter.held("127.0.0.1"), 1000u);
}

}  // namespace
}  // namespace ferry::serve
