#include "base/parallel_hash.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/mem_env.h"
#include "support/digests.h"

namespace ferry {
namespace {

using testing::Sha256Hex;

// Counts how many files are open for reading at once, to prove the in-flight bound.
class CountingEnv : public EnvWrapper {
 public:
  explicit CountingEnv(Env* target) : EnvWrapper(target) {}
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& p) override {
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, target()->NewSequentialFile(p));
    int now = ++open_;
    int seen = max_open_.load();
    while (now > seen && !max_open_.compare_exchange_weak(seen, now)) {
    }
    return std::unique_ptr<SequentialFile>(new Counted(std::move(file), &open_));
  }
  int max_open() const { return max_open_.load(); }

 private:
  class Counted : public SequentialFile {
   public:
    Counted(std::unique_ptr<SequentialFile> f, std::atomic<int>* open)
        : f_(std::move(f)), open_(open) {}
    ~Counted() override { --*open_; }
    Result<size_t> Read(char* buf, size_t n) override { return f_->Read(buf, n); }
    Status Skip(uint64_t n) override { return f_->Skip(n); }

   private:
    std::unique_ptr<SequentialFile> f_;
    std::atomic<int>* open_;
  };
  std::atomic<int> open_{0};
  std::atomic<int> max_open_{0};
};

// Holds every open until `quorum` files are open at once (or a 10 s deadline passes), and
// records whether the quorum was ever met: proof that files are hashed concurrently.
class QuorumEnv : public EnvWrapper {
 public:
  QuorumEnv(Env* target, int quorum) : EnvWrapper(target), quorum_(quorum) {}
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& p) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++opened_;
    cv_.notify_all();
    if (cv_.wait_for(lock, std::chrono::seconds(10), [&] { return opened_ >= quorum_; })) {
      met_ = true;
    }
    lock.unlock();
    return target()->NewSequentialFile(p);
  }
  bool met() {
    std::lock_guard<std::mutex> lock(mu_);
    return met_;
  }

 private:
  const int quorum_;
  std::mutex mu_;
  std::condition_variable cv_;
  int opened_ = 0;
  bool met_ = false;
};

class ParallelHashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 40; ++i) {
      // Sizes vary a lot so workers finish out of order.
      std::string content(static_cast<size_t>((i * 7919) % 50000), static_cast<char>('a' + i % 26));
      std::string path = "/f" + std::to_string(i);
      ASSERT_TRUE(WriteFileAtomically(&env_, path, content).ok());
      jobs_.push_back({path, HashAlgorithm::kSha256});
      expected_.push_back(Sha256Hex(content));
    }
  }
  MemEnv env_;
  std::vector<HashJob> jobs_;
  std::vector<std::string> expected_;
};

TEST_F(ParallelHashTest, DeliversEveryDigestInListOrder) {
  for (size_t threads : {1, 2, 8, 100}) {
    std::vector<size_t> order;
    ParallelHashFiles(&env_, jobs_, threads, [&](size_t i, Result<std::string> digest) {
      order.push_back(i);
      ASSERT_TRUE(digest.ok()) << digest.status().ToString();
      EXPECT_EQ(*digest, expected_[i]) << "file " << i;
    });
    ASSERT_EQ(order.size(), jobs_.size()) << threads << " threads";
    for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  }
}

TEST_F(ParallelHashTest, ErrorsArriveAtTheirPlaceAndOthersStillHash) {
  jobs_.insert(jobs_.begin() + 3, HashJob{"/missing", HashAlgorithm::kMd5});
  size_t calls = 0;
  ParallelHashFiles(&env_, jobs_, 4, [&](size_t i, Result<std::string> digest) {
    ++calls;
    if (i == 3) {
      EXPECT_TRUE(digest.status().IsNotFound());
    } else {
      ASSERT_TRUE(digest.ok());
      EXPECT_EQ(*digest, expected_[i < 3 ? i : i - 1]);
    }
  });
  EXPECT_EQ(calls, jobs_.size());
}

TEST_F(ParallelHashTest, AtMostThreadsFilesOpenAtOnce) {
  CountingEnv counting(&env_);
  ParallelHashFiles(&counting, jobs_, 3, [](size_t, Result<std::string>) {});
  EXPECT_LE(counting.max_open(), 3);
  EXPECT_GE(counting.max_open(), 1);
}

TEST_F(ParallelHashTest, TwoThreadsHashTwoFilesAtOnce) {
  QuorumEnv quorum(&env_, 2);
  std::vector<HashJob> two(jobs_.begin(), jobs_.begin() + 2);
  size_t calls = 0;
  ParallelHashFiles(&quorum, two, 2, [&](size_t i, Result<std::string> digest) {
    ++calls;
    ASSERT_TRUE(digest.ok());
    EXPECT_EQ(*digest, expected_[i]);
  });
  EXPECT_EQ(calls, 2u);
  EXPECT_TRUE(quorum.met()) << "the second file was not opened while the first was";
}

TEST_F(ParallelHashTest, EachJobUsesItsOwnAlgorithm) {
  ASSERT_TRUE(WriteFileAtomically(&env_, "/abc", "abc").ok());
  std::vector<HashJob> jobs = {{"/abc", HashAlgorithm::kMd5}, {"/abc", HashAlgorithm::kSha256}};
  std::vector<std::string> got;
  ParallelHashFiles(&env_, jobs, 2, [&](size_t, Result<std::string> d) { got.push_back(*d); });
  EXPECT_EQ(got, (std::vector<std::string>{
                     "900150983cd24fb0d6963f7d28e17f72",
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}));
}

TEST_F(ParallelHashTest, EmptyListCallsNothing) {
  bool called = false;
  ParallelHashFiles(&env_, {}, 4, [&](size_t, Result<std::string>) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace ferry
