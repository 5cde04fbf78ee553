#include "login_throttle.hpp"

#include <algorithm>

namespace mango {
namespace {

// An address the user logged in from this recently is exempt from the per-username ceiling.
constexpr auto kTrustedAddressLifetime = std::chrono::hours(24 * 30);

// A username may contain any byte, so no separator character is safe: the address goes first,
// behind its length.
std::string pair_key(std::string_view username, std::string_view address) {
  std::string key = std::to_string(address.size());
  key.push_back(':');
  key.append(address);
  key.append(username);
  return key;
}

}  // namespace

FailureTable::Entry* FailureTable::find(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second.position);
  return &it->second.entry;
}

FailureTable::Entry& FailureTable::get(const std::string& key) {
  if (Entry* found = find(key)) return *found;
  if (capacity_ == 0) {
    // Nothing may be kept: hand out a scratch entry that is forgotten at once.
    static thread_local Entry scratch;
    scratch = Entry{};
    return scratch;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(key);
  auto [it, inserted] = entries_.emplace(key, Slot{Entry{}, order_.begin()});
  return it->second.entry;
}

LoginThrottle::LoginThrottle(LoginThrottleOptions options)
    : options_(std::move(options)),
      pairs_(options_.capacity),
      addresses_(options_.capacity),
      usernames_(options_.capacity) {
  options_.base_delay = std::max(options_.base_delay, std::chrono::seconds(1));
  options_.max_delay = std::max(options_.max_delay, options_.base_delay);
}

bool LoginThrottle::enabled() const {
  return options_.pair_limit || options_.address_limit || options_.username_limit;
}

LoginThrottle::Clock::time_point LoginThrottle::now() const {
  return options_.now ? options_.now() : Clock::now();
}

std::optional<std::chrono::seconds> LoginThrottle::wait_left(const FailureTable::Entry* entry,
                                                             unsigned limit,
                                                             Clock::time_point now) const {
  if (limit == 0 || entry == nullptr || entry->failures < limit) return std::nullopt;
  if (now - entry->last_failure >= options_.window) return std::nullopt;  // forgotten
  // base_delay after reaching the limit, doubling with each failure past it.
  const unsigned doublings = std::min(entry->failures - limit, 30u);
  auto delay = options_.base_delay * (std::int64_t{1} << doublings);
  delay = std::min(delay, options_.max_delay);
  const auto until = entry->last_failure + delay;
  if (now >= until) return std::nullopt;
  // Rounded up: a client waiting Retry-After seconds is let in.
  const auto left = std::chrono::ceil<std::chrono::seconds>(until - now);
  return std::max(left, std::chrono::seconds(1));
}

std::optional<std::chrono::seconds> LoginThrottle::blocked(std::string_view username,
                                                           std::string_view address) {
  if (!enabled()) return std::nullopt;
  const auto t = now();
  std::lock_guard lock(mutex_);
  std::optional<std::chrono::seconds> longest;
  const auto consider = [&](std::optional<std::chrono::seconds> wait) {
    if (wait && (!longest || *wait > *longest)) longest = wait;
  };
  const FailureTable::Entry* pair = nullptr;
  if (!address.empty()) {
    pair = pairs_.find(pair_key(username, address));
    consider(wait_left(pair, options_.pair_limit, t));
    consider(wait_left(addresses_.find(std::string(address)), options_.address_limit, t));
  }
  const bool trusted = pair != nullptr && pair->last_success != Clock::time_point{} &&
                       t - pair->last_success < kTrustedAddressLifetime;
  if (!trusted)
    consider(wait_left(usernames_.find(std::string(username)), options_.username_limit, t));
  return longest;
}

void LoginThrottle::count(FailureTable& table, unsigned limit, const std::string& key,
                          Clock::time_point now) {
  if (limit == 0) return;
  FailureTable::Entry& entry = table.get(key);
  if (entry.failures > 0 && now - entry.last_failure >= options_.window) entry.failures = 0;
  if (entry.failures < 1000000) ++entry.failures;
  entry.last_failure = now;
}

void LoginThrottle::failure(std::string_view username, std::string_view address) {
  if (!enabled()) return;
  const auto t = now();
  std::lock_guard lock(mutex_);
  if (!address.empty()) {
    count(pairs_, options_.pair_limit, pair_key(username, address), t);
    count(addresses_, options_.address_limit, std::string(address), t);
  }
  count(usernames_, options_.username_limit, std::string(username), t);
}

void LoginThrottle::success(std::string_view username, std::string_view address) {
  if (!enabled() || address.empty()) return;
  const auto t = now();
  std::lock_guard lock(mutex_);
  // Kept (not erased) so that the address stays trusted for this username.
  FailureTable::Entry& pair = pairs_.get(pair_key(username, address));
  pair.failures = 0;
  pair.last_success = t;
}

std::size_t LoginThrottle::size() const {
  std::lock_guard lock(mutex_);
  return pairs_.size() + addresses_.size() + usernames_.size();
}

}  // namespace mango
