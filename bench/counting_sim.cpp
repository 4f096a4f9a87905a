// The simulator compiled a second time with draw counting on (GOODHART_COUNT_DRAWS), under
// other names, so the floor benchmark can count what one employee-day uses. The shipped
// library is not affected: its hooks compile to nothing (goodhart/sim/rng.hpp).
#define GOODHART_COUNT_DRAWS 1
#define simulate_replicate simulate_replicate_counting
#define figure_names figure_names_counting
#define daily_metric_names daily_metric_names_counting
#include "../sim/src/simulator.cpp"
#undef simulate_replicate
#undef figure_names
#undef daily_metric_names

#include "bench_counts.hpp"

namespace goodhart::bench {

Counts count_draws(const sim::Scenario& s) {
  auto& c = sim::counting::draw_counts;
  c = {};
  (void)sim::simulate_replicate_counting(s, s.monte_carlo.seed, 0, 1, false, {}, nullptr);
  double seats = 0;
  for (const auto& co : s.cohorts) seats += static_cast<double>(std::llround(co.headcount * co.seat_share));
  const double ed = seats * s.horizon.days;
  Counts out;
  out.streams = c.streams / ed;
  out.philox_blocks = c.philox_blocks / ed;
  out.uniforms = c.uniforms / ed;
  out.box_muller = c.box_muller / ed;
  out.poisson_inv = c.poisson_inv / ed;
  out.poisson_steps = c.poisson_steps / ed;
  out.poisson_normal = c.poisson_normal / ed;
  out.poisson_table = c.poisson_table / ed;
  out.exponentials = c.exponentials / ed;
  out.lognormal_exp = c.lognormal_exp / ed;
  out.priced = c.priced / ed;
  return out;
}

}  // namespace goodhart::bench
