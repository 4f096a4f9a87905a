// The random numbers and math one employee-day uses, counted by a build of the simulator
// with GOODHART_COUNT_DRAWS (counting_sim.cpp): the basis of the floor (bench_floor.cpp).
#pragma once

#include "goodhart/sim/scenario.hpp"

namespace goodhart::bench {

// Average primitives per licensed employee-day of one replicate, traits included.
struct Counts {
  double streams = 0;         // Draws objects (Philox key and counter set-up)
  double philox_blocks = 0;   // Philox4x32-10 evaluations
  double uniforms = 0;        // uniforms used directly (bernoulli, inversion, exponential)
  double box_muller = 0;      // pairs of normals: 2 uniforms, log, sqrt, sin, cos
  double poisson_inv = 0;     // Poisson inversions: one exp each
  double poisson_steps = 0;   // inversion steps
  double poisson_normal = 0;  // Poisson by normal approximation: a sqrt
  double poisson_table = 0;   // Poisson from tabulated partial sums: a search
  double exponentials = 0;    // exponential draws: a log
  double lognormal_exp = 0;   // exp of a scaled normal
  double priced = 0;          // purposes priced (llround, 3 conversions, exact integer cost)
};

Counts count_draws(const sim::Scenario& s);

}  // namespace goodhart::bench
