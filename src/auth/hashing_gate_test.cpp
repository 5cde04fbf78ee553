#include "hashing_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace mango {
namespace {

// Eight threads ask a two-slot gate at once: never more than two run, all of them do run,
// and each gets its own result back.
TEST(HashingGate, NeverRunsMoreThanItsSlotsAtOnce) {
  HashingGate gate(2);
  std::atomic<int> running{0}, most{0}, done{0};
  std::vector<std::thread> threads;
  std::vector<int> results(8, -1);
  for (int n = 0; n < 8; ++n) {
    threads.emplace_back([&, n] {
      results[n] = gate.run([&] {
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

TEST(HashingGate, ReleasesItsSlotWhenTheHashThrows) {
  HashingGate gate(1);
  EXPECT_THROW(gate.run([]() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  EXPECT_EQ(gate.run([] { return 7; }), 7);  // would wait forever if the slot were lost
}

TEST(HashingGate, ZeroSlotsMeansOne) {
  HashingGate gate(0);
  EXPECT_EQ(gate.run([] { return 1; }), 1);
}

}  // namespace
}  // namespace mango
