// Runs a scenario document's base and variants with common random numbers: the unit of a
// what-if comparison, shared by `goodhart run`, the Python package and sweeps.
#pragma once

#include <string>
#include <vector>

#include "goodhart/sim/scenario_loader.hpp"
#include "goodhart/sim/simulator.hpp"

namespace goodhart::sim {

// `variants` empty: the base and every variant, in file order. "base" names the base.
RunResult run_scenario(const ScenarioDocument& doc, const std::vector<std::string>& variants,
                       const RunOptions& options);

// Employee-days a run will simulate (for progress displays and up-front size checks).
std::int64_t planned_employee_days(const ScenarioDocument& doc,
                                   const std::vector<std::string>& variants,
                                   const RunOptions& options);

}  // namespace goodhart::sim
