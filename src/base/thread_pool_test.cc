#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace ferry {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskBeforeWaitReturns) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3u);
  std::atomic<int> sum{0};
  for (int i = 1; i <= 1000; ++i) pool.Schedule([&sum, i] { sum += i; });
  pool.Wait();
  EXPECT_EQ(sum.load(), 500500);
}

TEST(ThreadPoolTest, ZeroThreadsMeansOne) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), 1u);
  bool ran = false;
  pool.Schedule([&] { ran = true; });
  pool.Wait();
  EXPECT_TRUE(ran);
}

TEST(ThreadPoolTest, DestructorDrainsQueuedTasks) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 50; ++i) pool.Schedule([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(ThreadPoolTest, SingleWorkerRunsTasksInScheduleOrder) {
  ThreadPool pool(1);
  std::vector<int> order;  // one worker: no concurrent access
  for (int i = 0; i < 20; ++i) pool.Schedule([&order, i] { order.push_back(i); });
  pool.Wait();
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
}

TEST(ThreadPoolTest, TasksRunConcurrentlyUpToPoolSize) {
  // Each task waits until all `kThreads` are inside at once: this only finishes if the pool
  // really runs them in parallel. The deadline turns a regression into a failure, not a hang.
  constexpr int kThreads = 4;
  ThreadPool pool(kThreads);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  std::atomic<int> met{0};
  for (int i = 0; i < kThreads; ++i) {
    pool.Schedule([&] {
      std::unique_lock<std::mutex> lock(mu);
      ++inside;
      cv.notify_all();
      if (cv.wait_for(lock, std::chrono::seconds(10), [&] { return inside == kThreads; })) {
        ++met;
      }
    });
  }
  pool.Wait();
  EXPECT_EQ(met.load(), kThreads);
}

TEST(ThreadPoolTest, TaskMayScheduleMoreWork) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  pool.Schedule([&] {
    ++ran;
    pool.Schedule([&] { ++ran; });
  });
  pool.Wait();
  EXPECT_EQ(ran.load(), 2);
}

TEST(ThreadPoolTest, DefaultThreadCountIsPositive) {
  EXPECT_GE(ThreadPool::DefaultThreadCount(), 1u);
}

}  // namespace
}  // namespace ferry
