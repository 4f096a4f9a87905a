// Runs a scenario's variants as Monte Carlo replicates, day by day, through the engine's
// governor; returns figures per replicate, daily series and per-person detail.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "goodhart/engine/governor.hpp"
#include "goodhart/engine/usage.hpp"
#include "goodhart/sim/scenario.hpp"

namespace goodhart::sim {

struct RunOptions {
  std::optional<int> replicates;       // default: the scenario's monte_carlo.replicates
  std::optional<std::uint64_t> seed;   // default: the scenario's monte_carlo.seed
  int threads = 1;
  // Incremented by employee-days as they are simulated (a display thread may poll it).
  std::atomic<std::int64_t>* progress = nullptr;
  // When set, per-employee-day usage of replicate 0 is passed here (canonical record).
  std::function<void(const std::string& variant, const engine::UsageRecord&)> on_event;
};

// Per-person outputs of one replicate (columns).
struct People {
  std::vector<std::string> cohort_names;
  std::vector<std::uint16_t> cohort;
  std::vector<std::int32_t> team;
  std::vector<double> effort_real, effort_usage_gaming, effort_kpi_gaming;  // means over workdays
  std::array<std::vector<double>, engine::kPurposes> tokens;                 // by purpose
  std::vector<double> spend_usd, value_usd, rewarded_metric;
  std::vector<double> pull_requests, commits, edits_accepted, edits_rejected;
  std::vector<std::int32_t> active_days, capped_days;
  std::vector<std::uint8_t> aware;
  std::size_t size() const { return cohort.size(); }
};

// Names of the per-day series (daily.csv "metric" column).
const std::vector<std::string>& daily_metric_names();

struct ReplicateResult {
  std::vector<double> figures;                // aligned with VariantResult::figure_names
  std::vector<std::vector<double>> daily;     // [metric][day]; NaN where not defined that day
  People people;                              // kept for replicate 0 only
  std::vector<engine::AlertEvent> alerts;     // org and team alerts
  std::vector<double> leaderboard_cutoffs;    // each publication, in metric units
  // The exact ledger (micro-dollars): by purpose from the daily ledger, by cohort and in
  // total from per-person sums. Conservation tests compare them.
  std::array<engine::MicroUsd, engine::kPurposes> spend_micro_by_purpose{};
  std::vector<engine::MicroUsd> spend_micro_by_cohort;
  engine::MicroUsd spend_micro_total = 0;
};

struct VariantResult {
  std::string name;         // "base" for the scenario as written
  std::string description;
  std::vector<std::string> figure_names;
  std::vector<ReplicateResult> replicates;
};

struct RunResult {
  std::string scenario_file;
  std::string scenario_name;
  std::uint64_t seed = 0;
  int replicates = 0;
  int threads = 1;
  std::int64_t employees = 0;        // headcount
  std::int64_t licensed = 0;         // simulated seats
  int days = 0;
  engine::Date start;
  double elapsed_seconds = 0.0;
  std::vector<VariantResult> variants;
  std::int64_t employee_days() const { return employees * days; }
};

// Employees per work unit of a replicate's threads: fixed, so results ignore thread count.
inline constexpr int kEmployeesPerChunk = 2048;

// Simulates one replicate of one (already variant-applied) scenario.
ReplicateResult simulate_replicate(const Scenario& s, std::uint64_t seed, int replicate,
                                   int threads, bool keep_people,
                                   const std::function<void(const engine::UsageRecord&)>& on_event,
                                   std::atomic<std::int64_t>* progress_employee_days);

const std::vector<std::string>& figure_names();

}  // namespace goodhart::sim
