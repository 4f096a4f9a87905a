// Up-front size checks for a run: refuse a scenario that cannot fit in memory, or that
// exceeds the simulator's index space, before anything is allocated — with the estimate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "goodhart/sim/scenario.hpp"
#include "goodhart/sim/scenario_loader.hpp"

namespace goodhart::sim {

// Memory a run needs, counted from the simulator's own per-seat arrays (sim/src/simulator.cpp
// and the engine's Governor) for each replicate in flight (replicates_in_flight in run.hpp);
// what stays behind is each replicate's figures and daily series, and replicate 0's people.
struct RunSizeEstimate {
  std::int64_t seats = 0;              // licensed seats simulated (headcount x seat_share)
  std::uint64_t bytes_per_seat = 0;    // in flight, for one replicate
  std::uint64_t in_flight_bytes = 0;   // seats x bytes_per_seat x replicates in flight
  std::uint64_t people_bytes = 0;      // replicate 0's per-person columns, kept per variant
  std::uint64_t results_bytes = 0;     // figures and daily series of every replicate
  std::uint64_t total_bytes = 0;
};

// `replicates` is how many replicates run; `variants` how many variants (base included) a
// run keeps results for; 0 means the base and every variant of the scenario; `in_flight` how
// many replicates run at once.
RunSizeEstimate estimate_run_size(const Scenario& s, int replicates, int variants = 0, int in_flight = 1);

// Memory the process can still use: MemAvailable from /proc/meminfo, lowered by a cgroup v2
// memory limit when there is one (containers, CI). nullopt when neither can be read.
std::optional<std::uint64_t> available_memory_bytes();

// nullopt when the run fits; otherwise a message for the user that names the scenario file,
// the cohort that dominates (as a dotted path), the estimate and the memory available.
std::optional<std::string> check_run_size(const Scenario& s, int replicates, int variants = 0);
// The same against a given amount of memory (tests; a --max-memory option).
std::optional<std::string> check_run_size(const Scenario& s, int replicates, int variants,
                                          std::uint64_t available_bytes, int in_flight = 1);

// For `goodhart run` and the bindings: throws InputError at the dominant cohort's headcount
// (file:line:col in `doc`) when check_run_size refuses; `s` is the scenario about to run
// (a variant of `doc` or its base), `variants` how many variants the run keeps.
void require_run_size(const ScenarioDocument& doc, const Scenario& s, int replicates, int variants = 0,
                      int in_flight = 1);

// "1.2 GB", "290 GB", "3.4 TB": decimal units, three significant figures.
std::string format_bytes(std::uint64_t bytes);

}  // namespace goodhart::sim
