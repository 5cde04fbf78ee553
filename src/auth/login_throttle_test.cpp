// LoginThrottle and its bounded table, on a hand-moved clock.
#include "login_throttle.hpp"

#include <gtest/gtest.h>

#include <memory>

using namespace mango;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> t =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::hours(1000));
  std::function<std::chrono::steady_clock::time_point()> function() const {
    return [t = t] { return *t; };
  }
  void advance(std::chrono::steady_clock::duration d) const { *t += d; }
};

LoginThrottleOptions options(const FakeClock& clock) {
  LoginThrottleOptions o;
  o.pair_limit = 3;
  o.address_limit = 10;
  o.username_limit = 20;
  o.window = 600s;
  o.base_delay = 2s;
  o.max_delay = 60s;
  o.now = clock.function();
  return o;
}

}  // namespace

TEST(LoginThrottle, BlocksAPairAfterItsLimitWithDoublingDelays) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(throttle.blocked("ada", "10.0.0.1")) << i;
    throttle.failure("ada", "10.0.0.1");
  }
  EXPECT_EQ(throttle.blocked("ada", "10.0.0.1"), 2s);
  clock.advance(2s);
  EXPECT_FALSE(throttle.blocked("ada", "10.0.0.1"));
  throttle.failure("ada", "10.0.0.1");  // 4th: 4 s
  EXPECT_EQ(throttle.blocked("ada", "10.0.0.1"), 4s);
  clock.advance(4s);
  throttle.failure("ada", "10.0.0.1");  // 5th: 8 s
  EXPECT_EQ(throttle.blocked("ada", "10.0.0.1"), 8s);
  for (int i = 0; i < 10; ++i) throttle.failure("ada", "10.0.0.1");  // capped at max_delay
  EXPECT_EQ(throttle.blocked("ada", "10.0.0.1"), 60s);
}

TEST(LoginThrottle, RetryAfterIsRoundedUp) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  for (int i = 0; i < 3; ++i) throttle.failure("ada", "10.0.0.1");
  clock.advance(500ms);
  EXPECT_EQ(throttle.blocked("ada", "10.0.0.1"), 2s);  // 1.5 s left
}

TEST(LoginThrottle, OtherAddressesAndUsersAreNotBlockedByOnePair) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  for (int i = 0; i < 5; ++i) throttle.failure("ada", "10.0.0.1");
  EXPECT_TRUE(throttle.blocked("ada", "10.0.0.1"));
  EXPECT_FALSE(throttle.blocked("ada", "10.0.0.2"));
  EXPECT_FALSE(throttle.blocked("bob", "10.0.0.1"));
}

TEST(LoginThrottle, SuccessResetsThePair) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  for (int i = 0; i < 2; ++i) throttle.failure("ada", "10.0.0.1");
  throttle.success("ada", "10.0.0.1");
  for (int i = 0; i < 2; ++i) throttle.failure("ada", "10.0.0.1");
  EXPECT_FALSE(throttle.blocked("ada", "10.0.0.1"));  // 2 since the success, not 4
  throttle.failure("ada", "10.0.0.1");
  EXPECT_TRUE(throttle.blocked("ada", "10.0.0.1"));
}

TEST(LoginThrottle, FailuresAreForgottenAfterTheWindow) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  for (int i = 0; i < 3; ++i) throttle.failure("ada", "10.0.0.1");
  clock.advance(601s);
  EXPECT_FALSE(throttle.blocked("ada", "10.0.0.1"));
  throttle.failure("ada", "10.0.0.1");  // counts from 1 again
  EXPECT_FALSE(throttle.blocked("ada", "10.0.0.1"));
}

TEST(LoginThrottle, AddressLimitCatchesSprayingOverManyUsernames) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  for (int i = 0; i < 10; ++i) throttle.failure("user" + std::to_string(i), "10.0.0.9");
  EXPECT_TRUE(throttle.blocked("someone-else", "10.0.0.9"));
  EXPECT_FALSE(throttle.blocked("someone-else", "10.0.0.8"));
}

TEST(LoginThrottle, UsernameCeilingSparesAddressesTheUserLoggedInFrom) {
  FakeClock clock;
  LoginThrottle throttle(options(clock));
  throttle.success("ada", "192.168.1.5");  // Ada's own address
  // A distributed guess: 20 addresses, one failure each.
  for (int i = 0; i < 20; ++i) throttle.failure("ada", "10.1.0." + std::to_string(i));
  EXPECT_TRUE(throttle.blocked("ada", "10.1.0.99"));     // a new address: ceiling applies
  EXPECT_FALSE(throttle.blocked("ada", "192.168.1.5"));  // Ada is not locked out
  EXPECT_FALSE(throttle.blocked("bob", "10.1.0.99"));
}

TEST(LoginThrottle, ZeroLimitsDisableEachCount) {
  FakeClock clock;
  auto o = options(clock);
  o.pair_limit = o.address_limit = o.username_limit = 0;
  LoginThrottle throttle(o);
  EXPECT_FALSE(throttle.enabled());
  for (int i = 0; i < 100; ++i) throttle.failure("ada", "10.0.0.1");
  EXPECT_FALSE(throttle.blocked("ada", "10.0.0.1"));
  EXPECT_EQ(throttle.size(), 0u);
}

TEST(LoginThrottle, MemoryIsBoundedByTheCapacity) {
  FakeClock clock;
  auto o = options(clock);
  o.capacity = 64;
  LoginThrottle throttle(o);
  for (int i = 0; i < 10000; ++i)
    throttle.failure("user" + std::to_string(i), "10." + std::to_string(i % 250) + ".0.1");
  EXPECT_LE(throttle.size(), 3u * 64u);
  EXPECT_GE(throttle.size(), 3u * 64u - 64u);  // the tables did fill
}

TEST(FailureTable, EvictsTheLeastRecentlyUsedEntry) {
  FailureTable table(2);
  table.get("a").failures = 1;
  table.get("b").failures = 2;
  ASSERT_NE(table.find("a"), nullptr);  // "a" is now the most recently used
  table.get("c");
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.find("b"), nullptr);
  ASSERT_NE(table.find("a"), nullptr);
  EXPECT_EQ(table.find("a")->failures, 1u);
  EXPECT_NE(table.find("c"), nullptr);
}
