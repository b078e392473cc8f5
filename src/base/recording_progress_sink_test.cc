#include "base/recording_progress_sink.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "base/progress_sinks.h"
#include "base/progress_test_support.h"

namespace ferry {
namespace {

using namespace ferry::testing;  // NOLINT: event builders

TEST(RecordingProgressSinkTest, KeepsEventsInOrderWithTheirFields) {
  RecordingProgressSink sink;
  sink.OnEvent(Plan(2, 30));
  sink.OnEvent(Bytes("a", 10));
  sink.OnEvent(Bytes("b", 20));
  sink.OnEvent(ItemDone("a"));
  sink.OnEvent(ItemDone("b", false, "gone"));
  sink.OnEvent(Finish());
  const std::vector<ProgressEvent> events = sink.events();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].kind, ProgressEvent::Kind::kPlan);
  EXPECT_EQ(events[0].bytes_total, 30u);
  EXPECT_EQ(events[4].message, "gone");
  EXPECT_EQ(sink.bytes_reported(), 30u);
  EXPECT_EQ(sink.bytes_reported("b"), 20u);
  EXPECT_EQ(sink.failed_items(), std::vector<std::string>{"b"});
  EXPECT_EQ(sink.events_of(ProgressEvent::Kind::kItemDone).size(), 2u);
  EXPECT_STREQ(ProgressKindName(events[5].kind), "finish");
  sink.Clear();
  EXPECT_TRUE(sink.events().empty());
}

// Every sink is called from many worker threads at once; none may lose or tear an event.
TEST(RecordingProgressSinkTest, ConcurrentEventsFromManyThreadsAreAllKept) {
  RecordingProgressSink recording;
  MemoryFile json_out, line_out, tty_out;
  ManualClock clock;
  auto json = NewJsonLinesProgressSink(json_out.get(), clock.AsFunction());
  auto line = NewLineProgressSink(line_out.get(), 5000, clock.AsFunction());
  auto tty = NewTerminalProgressSink(tty_out.get(), clock.AsFunction());
  auto silent = NewSilentProgressSink();
  std::vector<ProgressSink*> sinks = {&recording, json.get(), line.get(), tty.get(), silent.get()};
  constexpr int kThreads = 8, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        for (ProgressSink* s : sinks) s->OnEvent(Bytes("item" + std::to_string(t), 3));
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (ProgressSink* s : sinks) s->OnEvent(Finish());

  EXPECT_EQ(recording.events().size(), static_cast<size_t>(kThreads * kPerThread + 1));
  EXPECT_EQ(recording.bytes_reported(), 3u * kThreads * kPerThread);
  EXPECT_EQ(recording.bytes_reported("item3"), 3u * kPerThread);
  const std::string json_text = json_out.text();
  EXPECT_EQ(std::count(json_text.begin(), json_text.end(), '\n'), kThreads * kPerThread + 1);
  EXPECT_NE(json_text.find("\"bytes_done\":12000,"), std::string::npos);
  EXPECT_EQ(line_out.text(), "ferry: done: 0 files, 12 KiB in 0s\n");
  EXPECT_NE(tty_out.text().find("  0 files  12 KiB  --/s  done in 0:00\n"), std::string::npos);
}

}  // namespace
}  // namespace ferry
