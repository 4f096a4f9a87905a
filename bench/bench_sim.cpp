// Simulator benchmarks: ns per employee-day of simulate_replicate on each shipped scenario,
// and its scaling in headcount, days and threads (with a bit-for-bit check across threads).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "bench_common.hpp"

namespace goodhart::bench {

sim::Scenario scaled_scenario(const std::string& name, std::int64_t seats, int days,
                              const std::string& variant) {
  sim::ScenarioDocument doc = sim::ScenarioDocument::load_file(scenario_path(name));
  if (variant != "base") doc = doc.with_variant(variant);
  const sim::Scenario s0 = doc.build();
  double total = 0;
  for (const auto& c : s0.cohorts) total += static_cast<double>(c.headcount) * c.seat_share;
  for (const auto& c : s0.cohorts) {
    const auto h = std::max<std::int64_t>(
        1, std::llround(static_cast<double>(c.headcount) * static_cast<double>(seats) / total));
    doc.set_from_string("cohorts." + c.name + ".headcount", std::to_string(h));
  }
  doc.set_from_string("horizon.days", std::to_string(days));
  // Timeline events beyond a shortened horizon move to its end (they would not happen).
  if (doc.root()["timeline"] && doc.root()["timeline"].IsSequence()) {
    YAML::Node tl = YAML::Clone(doc.root()["timeline"]);
    bool moved = false;
    for (auto ev : tl)
      if (ev["day"] && ev["day"].as<int>() > days) {
        ev["day"] = days;
        moved = true;
      }
    if (moved) doc.set("timeline", tl);
  }
  return doc.build();
}

namespace {

bool same_double(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

}  // namespace

bool identical(const sim::ReplicateResult& a, const sim::ReplicateResult& b) {
  if (a.figures.size() != b.figures.size() || a.daily.size() != b.daily.size()) return false;
  for (std::size_t k = 0; k < a.figures.size(); ++k)
    if (!same_double(a.figures[k], b.figures[k])) return false;
  for (std::size_t m = 0; m < a.daily.size(); ++m) {
    if (a.daily[m].size() != b.daily[m].size()) return false;
    for (std::size_t t = 0; t < a.daily[m].size(); ++t)
      if (!same_double(a.daily[m][t], b.daily[m][t])) return false;
  }
  return a.spend_micro_by_purpose == b.spend_micro_by_purpose &&
         a.spend_micro_by_cohort == b.spend_micro_by_cohort &&
         a.spend_micro_total == b.spend_micro_total &&
         a.leaderboard_cutoffs.size() == b.leaderboard_cutoffs.size() &&
         std::equal(a.leaderboard_cutoffs.begin(), a.leaderboard_cutoffs.end(),
                    b.leaderboard_cutoffs.begin(), same_double);
}

namespace {

// Scenarios are built once (YAML parsing is not what is measured).
const sim::Scenario& cached(const std::string& name, std::int64_t seats, int days,
                            const std::string& variant = "base") {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<sim::Scenario>> cache;
  const std::string key = name + "/" + variant + "/" + std::to_string(seats) + "/" + std::to_string(days);
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[key];
  if (!slot) slot = std::make_unique<sim::Scenario>(scaled_scenario(name, seats, days, variant));
  return *slot;
}

// Wall and CPU time per licensed employee-day. Single-threaded runs use the thread's CPU
// time (robust to other jobs on a shared machine); threaded runs report wall time.
void run_sim(benchmark::State& st, const sim::Scenario& s, int threads, bool check_threads) {
  const double ed = seat_days(s);
  double wall = 0, cpu = 0, main_cpu = 0;
  for (auto _ : st) {
    const double w0 = wall_seconds(), m0 = thread_cpu_seconds();
    const double c0 = threads == 1 ? m0 : process_cpu_seconds();
    sim::ReplicateResult r = run_once(s, threads);
    benchmark::DoNotOptimize(r.figures.data());
    const double m1 = thread_cpu_seconds();
    cpu += (threads == 1 ? m1 : process_cpu_seconds()) - c0;
    main_cpu += m1 - m0;
    wall += wall_seconds() - w0;
  }
  const double n = static_cast<double>(st.iterations());
  st.counters["employee_days"] = ed;
  st.counters["seats"] = ed / s.horizon.days;
  st.counters["days"] = s.horizon.days;
  st.counters["omp_threads"] = threads;
  st.counters["ns_per_employee_day"] = wall * 1e9 / (n * ed);
  st.counters["cpu_ns_per_employee_day"] = cpu * 1e9 / (n * ed);
  // The main thread's CPU time: on a machine with a free core per thread this is about the
  // wall time (it runs the serial parts and its share of the parallel ones; idle threads
  // sleep with OMP_WAIT_POLICY=passive). A contention-proof estimate of the speed-up.
  st.counters["main_thread_cpu_ns_per_employee_day"] = main_cpu * 1e9 / (n * ed);
  if (check_threads) {
    // Results must not depend on the thread count: compare with one thread, bit for bit.
    const sim::ReplicateResult one = run_once(s, 1);
    const sim::ReplicateResult many = run_once(s, threads);
    st.counters["identical_to_1_thread"] = identical(one, many) ? 1.0 : 0.0;
  }
}

std::string seats_label(std::int64_t seats) {
  if (seats % 1000000 == 0) return std::to_string(seats / 1000000) + "M";
  if (seats % 1000 == 0) return std::to_string(seats / 1000) + "k";
  return std::to_string(seats);
}

}  // namespace

// The standard size of a per-scenario run: about 20k seats for 14 days (< 1 s a run).
constexpr std::int64_t kSeats = 20000;
constexpr int kDays = 14;

void register_sim_benchmarks() {
  auto reg = [](const std::string& label, std::string name, std::int64_t seats, int days,
                int threads, bool check, std::string variant = "base") {
    benchmark::RegisterBenchmark(label.c_str(), [=](benchmark::State& st) {
      run_sim(st, cached(name, seats, days, variant), threads, check);
    })->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
  };
  // Every shipped scenario as written (all its mechanisms), single thread.
  for (const auto& name : scenario_names())
    reg("sim/" + name, name, kSeats, kDays, 1, false);
  // The numpy peer's scenario (bench/peer_numpy.py): claudeonomics without its leaderboard.
  reg("sim/claudeonomics:leaderboard_hidden", "claudeonomics", kSeats, kDays, 1, false,
      "leaderboard_hidden");
  // Scaling in headcount (one week), in days, and in threads.
  for (std::int64_t seats : {10000, 100000, 1000000})
    reg("scale_headcount/kirorank/" + seats_label(seats), "kirorank", seats, 7, 1, false);
  for (int days : {7, 14, 28, 56})
    reg("scale_days/kirorank/" + std::to_string(days), "kirorank", kSeats, days, 1, false);
  for (const std::string name : {"kirorank", "claudeonomics", "uncapped_500m"})
    for (int threads : {1, 2})
      reg("threads/" + name + "/" + std::to_string(threads), name, 100000, kDays, threads, threads > 1);
}

}  // namespace goodhart::bench
