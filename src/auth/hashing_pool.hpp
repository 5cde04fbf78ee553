#pragma once
// Password hashes run here, on a few threads of their own at a lower scheduling priority.
//
// A login holds its worker thread while it waits for its hash. Without this pool, a burst of
// logins would take every worker and every core, and guarded requests (a token check and a
// cached lookup, microseconds) would queue behind 3 to 70 ms hashes. With at most `threads`
// hashes at a time, at nice 10, the other workers stay free and the kernel runs them first
// whenever they have work; hashing gets every cycle they leave.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace mango {

class HashingPool {
 public:
  // The niceness hashing threads run at (higher is lower priority; 0 is the default).
  static constexpr int kNice = 10;

  explicit HashingPool(unsigned threads);  // 0 means one per core
  ~HashingPool();
  HashingPool(const HashingPool&) = delete;
  HashingPool& operator=(const HashingPool&) = delete;

  // Runs `hash` on a hashing thread once one is free and waits for it; returns what it returns
  // and rethrows what it throws.
  template <typename F>
  std::invoke_result_t<F&> run(F&& hash) {
    std::packaged_task<std::invoke_result_t<F&>()> task(std::ref(hash));
    auto result = task.get_future();
    post([&task] { task(); });
    return result.get();
  }

 private:
  void post(std::function<void()> job);
  void serve();

  std::mutex mutex_;
  std::condition_variable job_posted_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mango
