// Summaries of a run over replicates (P5/P50/P95/mean bands), calibration-target checks,
// and the run's outputs: summary.json, daily.csv, people.csv and the terminal table.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "goodhart/sim/scenario.hpp"
#include "goodhart/sim/simulator.hpp"

namespace goodhart::sim {

struct Band {
  double p5 = 0, p50 = 0, p95 = 0, mean = 0;
  int n = 0;  // replicates where the figure is defined (e.g. a budget that ran out)
};
// Band over the replicates that define the value (NaN = undefined).
Band band(const std::vector<double>& values);
Band figure_band(const VariantResult& v, const std::string& figure);

struct TargetCheck {
  Target target;
  double observed = 0;  // the P50 over replicates
  bool defined = false;
  bool met = false;
  std::string expectation;  // "≈ 60e12 ± 25 %", "in [91, 120]"
};
std::vector<TargetCheck> check_targets(const std::vector<Target>& targets, const RunResult& run);

nlohmann::json summary_json(const RunResult& run, const std::vector<TargetCheck>& checks);
// Serialises with invalid UTF-8 in user-given names replaced, never thrown on.
std::string dump_json(const nlohmann::json& j, int indent = 2);
void write_daily_csv(std::ostream& os, const RunResult& run);
void write_people_csv(std::ostream& os, const RunResult& run);
std::string format_table(const RunResult& run, const std::vector<TargetCheck>& checks);

}  // namespace goodhart::sim
