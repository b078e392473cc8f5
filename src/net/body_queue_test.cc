#include "net/body_queue.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace ferry {
namespace {

TEST(BodyQueueTest, BytesArriveInOrderAndCloseComesAfterTheLast) {
  BodyQueue q(1 << 20);
  EXPECT_TRUE(q.TryPush("ab"));
  EXPECT_TRUE(q.TryPush("cd"));
  q.Close();
  std::string bytes = "stale";
  BodyQueue::Taken t = q.Take(&bytes);
  EXPECT_FALSE(t.closed);
  EXPECT_FALSE(t.resume);
  EXPECT_EQ(bytes, "abcd");
  t = q.Take(&bytes);
  EXPECT_TRUE(t.closed);
  EXPECT_EQ(bytes, "");
}

TEST(BodyQueueTest, AFullQueueRefusesThenTheTakeThatDrainsItSaysResume) {
  BodyQueue q(4);
  EXPECT_TRUE(q.TryPush("abc"));
  EXPECT_FALSE(q.TryPush("de")) << "3 + 2 > 4: the producer must pause";
  std::string bytes;
  BodyQueue::Taken t = q.Take(&bytes);
  EXPECT_EQ(bytes, "abc");
  EXPECT_TRUE(t.resume);
  EXPECT_TRUE(q.TryPush("de"));  // libcurl delivers the refused chunk again
  t = q.Take(&bytes);
  EXPECT_EQ(bytes, "de");
  EXPECT_FALSE(t.resume) << "no refusal since the last resume";
}

TEST(BodyQueueTest, AChunkLargerThanTheBoundFitsIntoAnEmptyQueue) {
  BodyQueue q(4);
  EXPECT_TRUE(q.TryPush("0123456789"));
  EXPECT_FALSE(q.TryPush("x"));
}

TEST(BodyQueueTest, TakeWaitsForTheProducerOnAnotherThread) {
  BodyQueue q(8);
  const std::string body(30000, 'z');  // 10000 chunks of 3
  std::thread producer([&] {
    size_t sent = 0;
    while (sent < body.size()) {
      // A refused chunk is offered again, as libcurl does after an unpause; this producer
      // simply retries, the consumer's Take is what lets it through.
      if (q.TryPush(std::string_view(body).substr(sent, 3))) sent += 3;
    }
    q.Close();
  });
  std::string got, bytes;
  while (!q.Take(&bytes).closed) got += bytes;
  producer.join();
  EXPECT_TRUE(got == body) << got.size() << " bytes";
}

}  // namespace
}  // namespace ferry
