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

// How many replicates of `s` a run with `threads` threads works on at once: one, with every
// thread on its employees, unless that leaves threads idle (fewer than 8 chunks of employees
// per thread, and more than one replicate to run): then up to one replicate per thread, each
// on its share of the threads. Either way every replicate's numbers are the same.
int replicates_in_flight(const Scenario& s, int replicates, int threads);

// Employee-days a run will simulate (for progress displays and up-front size checks).
std::int64_t planned_employee_days(const ScenarioDocument& doc,
                                   const std::vector<std::string>& variants,
                                   const RunOptions& options);

}  // namespace goodhart::sim
