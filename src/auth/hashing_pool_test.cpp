#include "hashing_pool.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace mango {
namespace {

// Eight threads ask a two-thread pool at once: never more than two run, all of them do run,
// and each gets its own result back.
TEST(HashingPool, NeverRunsMoreThanItsThreadsAtOnce) {
  HashingPool pool(2);
  std::atomic<int> running{0}, most{0}, done{0};
  std::vector<std::thread> threads;
  std::vector<int> results(8, -1);
  for (int n = 0; n < 8; ++n) {
    threads.emplace_back([&, n] {
      results[n] = pool.run([&] {
        int now = ++running;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --running;
        ++done;
        return n * 10;
      });
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(done, 8);
  EXPECT_LE(most, 2);
  EXPECT_GE(most, 1);
  for (int n = 0; n < 8; ++n) EXPECT_EQ(results[n], n * 10);
}

TEST(HashingPool, PassesOnWhatTheHashThrowsAndKeepsServing) {
  HashingPool pool(1);
  EXPECT_THROW(pool.run([]() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  EXPECT_EQ(pool.run([] { return 7; }), 7);  // would wait forever if the thread were lost
}

// 0 threads means one per core: as many hashes as cores run at once, never more.
TEST(HashingPool, ZeroThreadsMeansOnePerCore) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  HashingPool pool(0);
  std::atomic<int> running{0}, most{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 2 * cores; ++n) {
    threads.emplace_back([&] {
      pool.run([&] {
        int now = ++running;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        --running;
      });
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(most, cores);
  EXPECT_GE(most, std::min(cores, 2));  // more than one at a time where there are cores for it
}

// Hashes yield the CPU to request handling: they run off the caller's thread, at a higher
// niceness than the caller's.
TEST(HashingPool, HashesRunOnAnotherThreadAtLowerPriority) {
  HashingPool pool(1);
  errno = 0;
  const int caller = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  ASSERT_EQ(errno, 0);
  const auto caller_thread = std::this_thread::get_id();
  auto [thread, nice] = pool.run([] {
    return std::pair{std::this_thread::get_id(),
                     getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()))};
  });
  EXPECT_NE(thread, caller_thread);
  EXPECT_EQ(nice, std::max(caller, HashingPool::kNice));
  EXPECT_GT(nice, 0);
}

}  // namespace
}  // namespace mango
