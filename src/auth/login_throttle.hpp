// Brute-force throttling of failed logins: bounded tables of failure counts with exponential
// backoff. See LoginThrottleOptions in mango/auth.hpp for the policy.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mango/auth.hpp"

namespace mango {

// Failure counts under string keys, at most `capacity` entries: inserting into a full table evicts
// the least recently used entry. Not thread-safe (LoginThrottle locks around it).
class FailureTable {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    unsigned failures = 0;
    Clock::time_point last_failure{};
    Clock::time_point last_success{};  // epoch: never
  };

  explicit FailureTable(std::size_t capacity) : capacity_(capacity) {}

  // The entry for `key`, or nullptr; marks it recently used.
  Entry* find(const std::string& key);
  // The entry for `key`, created (evicting the least recently used one when full).
  Entry& get(const std::string& key);
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Order = std::list<std::string>;  // most recently used first
  struct Slot {
    Entry entry;
    Order::iterator position;
  };
  std::size_t capacity_;
  Order order_;
  std::unordered_map<std::string, Slot> entries_;
};

// Thread-safe.
class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LoginThrottle(LoginThrottleOptions options);

  // How long `username` from `address` must wait before its next attempt, or nullopt when it may
  // try now. An empty address skips the pair and address counts.
  std::optional<std::chrono::seconds> blocked(std::string_view username, std::string_view address);
  // Counts a failed attempt (unknown user or wrong password).
  void failure(std::string_view username, std::string_view address);
  // A successful login: the pair's count starts again, and the address is remembered as one the
  // user logs in from (it is not blocked by the per-username ceiling).
  void success(std::string_view username, std::string_view address);

  // Entries held in all tables (bounded by 3 * capacity).
  std::size_t size() const;
  bool enabled() const;

 private:
  Clock::time_point now() const;
  // The refusal period left for an entry with this many failures, if any.
  std::optional<std::chrono::seconds> wait_left(const FailureTable::Entry* entry, unsigned limit,
                                                Clock::time_point now) const;
  void count(FailureTable& table, unsigned limit, const std::string& key, Clock::time_point now);

  LoginThrottleOptions options_;
  mutable std::mutex mutex_;
  FailureTable pairs_;
  FailureTable addresses_;
  FailureTable usernames_;
};

}  // namespace mango
