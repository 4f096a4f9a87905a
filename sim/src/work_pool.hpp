// A pool of threads taking indices from a shared counter: replicates of a run, points of a
// sweep. Private to the simulator library.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace goodhart::sim::detail {

// Calls task(i) for i = 0 .. n-1, each index once, on `workers` threads (the calling thread
// one of them), each thread taking the next index as it becomes free. Before taking one, a
// thread asks keep_going(); the first exception stops every thread from taking more and is
// rethrown once all have returned. A thread that cannot be started leaves its share to the
// others. With one worker, the indices run in order on the calling thread.
template <typename Task, typename KeepGoing>
void for_each_index(std::size_t n, std::size_t workers, Task&& task, KeepGoing&& keep_going) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  auto worker = [&] {
    try {
      while (!failed && keep_going()) {
        const std::size_t i = next++;
        if (i >= n) break;
        task(i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < workers; ++k) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

template <typename Task>
void for_each_index(std::size_t n, std::size_t workers, Task&& task) {
  for_each_index(n, workers, task, [] { return true; });
}

}  // namespace goodhart::sim::detail
