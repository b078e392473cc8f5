// WaitUntilThreadSleeps: lets a test observe, rather than guess with a sleep, that another
// thread of the test has reached a blocking call (a lock wait, a read): Linux names each
// thread's scheduler state in /proc/self/task/<tid>/stat, and 'S' is "sleeping in the kernel".
//
// Thread-safety: reentrant.
#ifndef FERRY_TESTS_SUPPORT_THREAD_STATE_H_
#define FERRY_TESTS_SUPPORT_THREAD_STATE_H_

#include <atomic>
#include <chrono>

namespace ferry::testing {

// True once the thread whose id (gettid) `*tid` holds, published by that thread when it
// starts (0 until then), is asleep in the kernel; false after `deadline`.
bool WaitUntilThreadSleeps(const std::atomic<long>* tid, std::chrono::milliseconds deadline);

}  // namespace ferry::testing

#endif  // FERRY_TESTS_SUPPORT_THREAD_STATE_H_
