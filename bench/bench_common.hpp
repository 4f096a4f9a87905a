// Shared helpers of the goodhart benchmarks: shipped scenarios rescaled to a bench size, the
// counting build of the simulator, and timers.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "goodhart/sim/scenario_loader.hpp"
#include "goodhart/sim/simulator.hpp"
#include "bench_counts.hpp"

#ifndef GOODHART_SOURCE_DIR
#define GOODHART_SOURCE_DIR "."
#endif

namespace goodhart::bench {

// The shipped scenarios, in the order the tables list them.
inline const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names{"kirorank", "claudeonomics", "uncapped_500m",
                                              "uber_budget", "healthy_baseline"};
  return names;
}

inline std::string scenario_path(const std::string& name) {
  return std::string(GOODHART_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

// A shipped scenario (optionally one of its variants) with its cohorts' headcounts scaled in
// proportion so that they add up to about `seats`, and `days` days.
sim::Scenario scaled_scenario(const std::string& name, std::int64_t seats, int days,
                              const std::string& variant = "base");

// Licensed seats times days: the employee-days simulate_replicate works through.
inline double seat_days(const sim::Scenario& s) {
  double seats = 0;
  for (const auto& c : s.cohorts) seats += static_cast<double>(std::llround(c.headcount * c.seat_share));
  return seats * s.horizon.days;
}

// One replicate, as `goodhart run` would do it (replicate 0 keeps per-person detail).
inline sim::ReplicateResult run_once(const sim::Scenario& s, int threads, int replicate = 0,
                                     bool keep_people = false) {
  return sim::simulate_replicate(s, s.monte_carlo.seed, replicate, threads, keep_people, {}, nullptr);
}

// True when two replicates agree bit for bit (figures, daily series, ledger).
bool identical(const sim::ReplicateResult& a, const sim::ReplicateResult& b);

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
inline double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace goodhart::bench
