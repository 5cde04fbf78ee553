#pragma once
// Bounds how many password hashes run at once. A login holds a worker thread while it hashes;
// without a bound, a burst of logins takes every worker and every core, and guarded requests
// (a token check and a cached lookup, microseconds) queue behind 20 ms hashes. With at most
// `slots` hashes at a time, the other workers stay free for everything else.
#include <condition_variable>
#include <mutex>

namespace mango {

class HashingGate {
 public:
  explicit HashingGate(unsigned slots) : free_(slots ? slots : 1) {}

  // Runs `hash` once a slot is free; returns what it returns.
  template <typename F>
  auto run(F&& hash) {
    {
      std::unique_lock lock(mutex_);
      slot_freed_.wait(lock, [this] { return free_ > 0; });
      --free_;
    }
    struct Release {
      HashingGate& gate;
      ~Release() {
        { std::lock_guard lock(gate.mutex_); ++gate.free_; }
        gate.slot_freed_.notify_one();
      }
    } release{*this};
    return hash();
  }

 private:
  std::mutex mutex_;
  std::condition_variable slot_freed_;
  unsigned free_;
};

}  // namespace mango
