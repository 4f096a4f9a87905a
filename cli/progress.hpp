// A progress line on stderr for long runs: appears only after a second, only on a
// terminal, and shows share done, rate and time left. (Debian ships no C++ progress library.)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <unistd.h>

namespace goodhart::cli {

class Progress {
 public:
  Progress(std::atomic<std::int64_t>& counter, std::int64_t total, const char* what)
      : counter_(counter), total_(total), what_(what) {
    if (!::isatty(STDERR_FILENO) || total_ <= 0) return;
    thread_ = std::thread([this] { loop(); });
  }
  ~Progress() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    bool shown = false;
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const double elapsed = std::chrono::duration<double>(clock::now() - t0).count();
      if (elapsed < 1.0) continue;
      const double frac = std::min(1.0, static_cast<double>(counter_.load()) / total_);
      const int width = 30;
      char bar[width + 1];
      for (int i = 0; i < width; ++i) bar[i] = i < frac * width ? '#' : '.';
      bar[width] = 0;
      const double left = frac > 0 ? elapsed * (1 - frac) / frac : 0;
      std::fprintf(stderr, "\r%s [%s] %5.1f%%  %.0fM %s/s  %.0fs left ", what_, bar, 100 * frac,
                   counter_.load() / elapsed / 1e6, what_, left);
      shown = true;
    }
    if (shown) std::fprintf(stderr, "\r%*s\r", 80, "");
  }

  std::atomic<std::int64_t>& counter_;
  std::int64_t total_;
  const char* what_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace goodhart::cli
