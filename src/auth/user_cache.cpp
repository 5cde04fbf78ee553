#include "user_cache.hpp"

namespace mango {

std::optional<Document> UserCache::find(const std::string& user_id, Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(user_id);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.user;
}

void UserCache::put(const std::string& user_id, const Document& user, Clock::time_point now) {
  if (!enabled()) return;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.contains(user_id)) make_room(now);
  entries_[user_id] = Entry{user, now + ttl_};
}

void UserCache::erase(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  entries_.erase(user_id);
}

std::size_t UserCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

// Drops expired entries; when all are fresh, drops an arbitrary one (the cache only saves
// round trips, so which one goes does not matter for correctness).
void UserCache::make_room(Clock::time_point now) {
  std::erase_if(entries_, [now](const auto& item) { return item.second.expires <= now; });
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
}

}  // namespace mango
