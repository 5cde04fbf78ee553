// A small, bounded cache of user documents for guarded requests, so that a valid token does not
// cost a database round trip on every request. Entries live at most `ttl`.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "mango/user_store.hpp"

namespace mango {

class UserCache {
 public:
  using Clock = std::chrono::steady_clock;

  // ttl 0 disables the cache. At most `capacity` users are kept.
  UserCache(std::chrono::seconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

  bool enabled() const { return ttl_.count() > 0 && capacity_ > 0; }

  std::optional<Document> find(const std::string& user_id, Clock::time_point now = Clock::now());
  void put(const std::string& user_id, const Document& user, Clock::time_point now = Clock::now());
  void erase(const std::string& user_id);
  std::size_t size() const;

 private:
  struct Entry {
    Document user;
    Clock::time_point expires;
  };
  void make_room(Clock::time_point now);

  const std::chrono::seconds ttl_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mango
