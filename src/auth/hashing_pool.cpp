#include "hashing_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mango {

HashingPool::HashingPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned n = 0; n < threads; ++n) threads_.emplace_back([this] { serve(); });
}

HashingPool::~HashingPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  job_posted_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void HashingPool::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  job_posted_.notify_one();
}

void HashingPool::serve() {
  // On Linux a niceness belongs to a thread; lowering one's own needs no privilege. A failure
  // only costs latency under load, so it is logged, not fatal.
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  if (errno == 0 && now < kNice &&
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice) != 0)
    spdlog::warn("hashing thread: could not lower its priority: {}", std::strerror(errno));

  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      job_posted_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to do
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace mango
