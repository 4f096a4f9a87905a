#include "goodhart/sim/run.hpp"

#include <algorithm>
#include <chrono>

#include "goodhart/sim/limits.hpp"
#include "work_pool.hpp"

namespace goodhart::sim {

namespace {

struct Planned {
  std::string name, description;
  Scenario scenario;
};

std::vector<Planned> plan(const ScenarioDocument& doc, const std::vector<std::string>& names) {
  std::vector<std::string> wanted = names;
  if (wanted.empty()) {
    wanted.push_back("base");
    for (const auto& v : doc.variant_names()) wanted.push_back(v);
  }
  const Scenario base = doc.build();
  std::vector<Planned> out;
  for (const auto& name : wanted) {
    if (name == "base") {
      out.push_back({"base", "the scenario as written", base});
      continue;
    }
    Planned p{name, "", doc.with_variant(name).build()};
    for (const auto& v : base.variants)
      if (v.name == name) p.description = v.description;
    out.push_back(std::move(p));
  }
  return out;
}

int replicates_of(const Scenario& s, const RunOptions& o) {
  return o.replicates.value_or(s.monte_carlo.replicates);
}

}  // namespace

int replicates_in_flight(const Scenario& s, int replicates, int threads) {
  if (threads <= 1 || replicates <= 1) return 1;
  if (estimate_run_size(s, replicates).seats >= std::int64_t{8} * kEmployeesPerChunk * threads) return 1;
  return std::min(threads, replicates);
}

std::int64_t planned_employee_days(const ScenarioDocument& doc,
                                   const std::vector<std::string>& variants,
                                   const RunOptions& options) {
  std::int64_t total = 0;
  for (const auto& p : plan(doc, variants))
    total += p.scenario.employees() * p.scenario.horizon.days * replicates_of(p.scenario, options);
  return total;
}

RunResult run_scenario(const ScenarioDocument& doc, const std::vector<std::string>& variants,
                       const RunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Planned> planned = plan(doc, variants);
  const Scenario& base = planned.front().scenario;
  RunResult run;
  run.scenario_file = doc.file();
  run.scenario_name = base.meta.name;
  run.seed = options.seed.value_or(base.monte_carlo.seed);
  run.replicates = replicates_of(base, options);
  run.threads = std::max(1, options.threads);
  run.employees = base.employees();
  run.days = base.horizon.days;
  run.start = base.horizon.start;
  for (const auto& c : base.cohorts)
    run.licensed += static_cast<std::int64_t>(std::llround(c.headcount * c.seat_share));
  // Refuse up front, with the estimate, what cannot fit in memory.
  std::vector<int> in_flight;
  for (const Planned& p : planned) {
    in_flight.push_back(replicates_in_flight(p.scenario, run.replicates, run.threads));
    require_run_size(doc, p.scenario, run.replicates, static_cast<int>(planned.size()), in_flight.back());
  }

  for (std::size_t v = 0; v < planned.size(); ++v) {
    const Planned& p = planned[v];
    VariantResult vr;
    vr.name = p.name;
    vr.description = p.description;
    vr.figure_names = figure_names();
    vr.replicates.resize(run.replicates);
    // Same seed for every variant: common random numbers, so differences are policy. Each
    // replicate writes only its own slot.
    const int threads_each = std::max(1, run.threads / in_flight[v]);
    detail::for_each_index(static_cast<std::size_t>(run.replicates), static_cast<std::size_t>(in_flight[v]),
                           [&](std::size_t i) {
                             const int r = static_cast<int>(i);
                             std::function<void(const engine::UsageRecord&)> sink;  // replicate 0's events, in its order
                             if (r == 0 && options.on_event)
                               sink = [&](const engine::UsageRecord& rec) { options.on_event(p.name, rec); };
                             vr.replicates[i] = simulate_replicate(p.scenario, run.seed, r, threads_each, r == 0,
                                                                   sink, options.progress);
                           });
    run.variants.push_back(std::move(vr));
  }
  run.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace goodhart::sim
