// BodyQueue: the bounded hand-off of one response body from the thread that receives it (the
// curl_multi driver, net/curl_multi_driver.h) to the thread that consumes it (the caller of
// HttpClient::Send, whose sink hashes and writes to disk).
//
// Why a queue and not a call: the driver thread serves every transfer of the client, so a
// sink that ran on it would serialize all hashing and disk writes behind one thread, and a
// slow disk for one table would hold up the bytes of all the others. Here the driver only
// copies bytes in; each consumer runs its own sink on its own thread.
//
// Bound and back-pressure: the queue holds at most max_bytes plus one chunk (a chunk always
// fits into an empty queue, so any chunk size makes progress). When TryPush refuses, the
// producer pauses the transfer (libcurl: return CURL_WRITEFUNC_PAUSE, which keeps the chunk
// to deliver again) and the queue remembers that it did; the consumer's next Take empties the
// queue and says `resume`, and the consumer then asks the producer to unpause. So a transfer
// never buffers more than about max_bytes in ferry, however slow its consumer.
//
// End: the producer calls Close once, after its last TryPush; Take then returns the bytes
// still queued and, once they are gone, `closed`. Everything the producer wrote before Close
// (or before a TryPush) is visible to the consumer after the Take that reports it (the
// queue's mutex orders them).
//
// Thread-safety: one producer thread and one consumer thread; every method is thread-safe.
#ifndef FERRY_NET_BODY_QUEUE_H_
#define FERRY_NET_BODY_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace ferry {

class BodyQueue {
 public:
  explicit BodyQueue(size_t max_bytes) : max_bytes_(max_bytes) {}
  BodyQueue(const BodyQueue&) = delete;
  BodyQueue& operator=(const BodyQueue&) = delete;

  // Producer: appends `chunk` and wakes the consumer; false (nothing appended) when the
  // queue is not empty and the chunk would take it past max_bytes: the producer must pause
  // until the consumer resumes it.
  bool TryPush(std::string_view chunk);
  // Producer: no more bytes will come. The queue is not touched after the consumer can see
  // it, so the consumer may destroy the queue once Take says closed.
  void Close();

  struct Taken {
    bool closed = false;  // the producer is done and every byte was taken before
    bool resume = false;  // the producer paused on a full queue: tell it to go on
  };
  // Consumer: waits until there are bytes or the queue is closed; moves every queued byte
  // into *bytes (replacing its contents; empty when `closed`).
  Taken Take(std::string* bytes);

 private:
  const size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;   // guarded by mu_
  bool paused_ = false;  // guarded by mu_: a TryPush was refused and not resumed yet
  bool closed_ = false;  // guarded by mu_
};

}  // namespace ferry

#endif  // FERRY_NET_BODY_QUEUE_H_
