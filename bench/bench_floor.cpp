// The floor: what the random numbers and transcendental functions of one employee-day cost
// alone. A counting build of the simulator (counting_sim.cpp) counts, per scenario, the
// primitives an employee-day uses; this kernel performs that many of each with sim::Draws
// (Philox4x32-10) and libm, and nothing else: no state, no bookkeeping, no decisions.
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <mutex>

#include "bench_common.hpp"
#include "goodhart/sim/rng.hpp"

namespace goodhart::bench {

namespace {

// Spreads a fractional count evenly over employee-days (an error-diffusion schedule).
struct Spread {
  double rate = 0, acc = 0;
  int next() {
    acc += rate;
    const int n = static_cast<int>(acc);
    acc -= n;
    return n;
  }
};

struct Kernel {
  Spread uniforms, box_muller, poisson_inv, poisson_steps, poisson_normal, poisson_table,
      exponentials, lognormal_exp, priced;
  explicit Kernel(const Counts& c)
      : uniforms{c.uniforms}, box_muller{c.box_muller}, poisson_inv{c.poisson_inv},
        poisson_steps{c.poisson_steps}, poisson_normal{c.poisson_normal}, poisson_table{c.poisson_table},
        exponentials{c.exponentials}, lognormal_exp{c.lognormal_exp}, priced{c.priced},
        table_size(sim::PoissonCdf::append(1.5, table, guide)) {}
  // Partial sums of a typical outcome mean and their guide, for the table searches.
  std::vector<double> table;
  sim::PoissonCdf::Guide guide;
  std::uint32_t table_size;
};

// Micro-dollars per million tokens (Sonnet-class list prices) and a token mix.
constexpr std::int64_t kPrice[4] = {3'000'000, 15'000'000, 300'000, 3'750'000};
constexpr double kMix[3] = {0.1, 0.03, 0.82};

// The exact cost of a purpose's tokens: split by type, sum of tokens x price, one rounding.
inline std::int64_t price(double tokens_d) {
  const auto tokens = static_cast<std::uint64_t>(std::llround(tokens_d));
  const double td = static_cast<double>(tokens);
  const auto a = static_cast<std::uint64_t>(td * kMix[0]);
  const auto b = static_cast<std::uint64_t>(td * kMix[1]);
  const auto c = static_cast<std::uint64_t>(td * kMix[2]);
  const std::uint64_t d = tokens - a - b - c;
  const std::int64_t pico = static_cast<std::int64_t>(a) * kPrice[0] + static_cast<std::int64_t>(b) * kPrice[1] +
                            static_cast<std::int64_t>(c) * kPrice[2] + static_cast<std::int64_t>(d) * kPrice[3];
  return (pico + 500'000) / 1'000'000;
}

// One pass over `n` employee-days; returns a checksum so nothing is optimised away.
double floor_pass(Kernel& k, std::uint64_t key, std::uint32_t first, std::uint32_t n) {
  double sum = 0.0;
  std::int64_t money = 0;
  for (std::uint32_t j = 0; j < n; ++j) {
    sim::Draws r(key, sim::Stream::day, first + j, 7);
    double u = 0.5;
    for (int q = k.uniforms.next(); q > 0; --q) u = r.uniform();  // bernoulli, inversion
    double z = 0.0;
    for (int q = k.box_muller.next(); q > 0; --q) z += r.normal() + r.normal();  // one pair
    const double mean = 1.0 + 3.0 * u;
    double p = 0.0, cdf = 0.0;
    for (int q = k.poisson_inv.next(); q > 0; --q) {
      p = std::exp(-mean);
      cdf += p;
    }
    double pk = p;
    int kk = 0;
    for (int q = k.poisson_steps.next(); q > 0; --q) {
      ++kk;
      pk *= mean / kk;
      cdf += pk;
    }
    const sim::PoissonCdf table(k.table.data(), k.table_size, k.guide);
    for (int q = k.poisson_table.next(); q > 0; --q) sum += table(u);
    for (int q = k.poisson_normal.next(); q > 0; --q) sum += std::floor(mean * 20 + std::sqrt(mean * 20) * z + 0.5);
    for (int q = k.exponentials.next(); q > 0; --q) sum += -6.0 * std::log(u);
    double tokens = 0.0;
    for (int q = k.lognormal_exp.next(); q > 0; --q) tokens += 4.5e5 * std::exp(0.9 * z + 0.01 * q);
    for (int q = k.priced.next(); q > 0; --q) money += price(tokens + q);
    sum += cdf + tokens;
  }
  return sum + static_cast<double>(money);
}

const Counts& counts_of(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, Counts> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) {
    const auto colon = name.find(':');
    const sim::Scenario s = colon == std::string::npos
                                ? scaled_scenario(name, 20000, 14)
                                : scaled_scenario(name.substr(0, colon), 20000, 14, name.substr(colon + 1));
    it = cache.emplace(name, count_draws(s)).first;
  }
  return it->second;
}

void run_floor(benchmark::State& st, const std::string& name) {
  const Counts& c = counts_of(name);
  Kernel k(c);
  constexpr std::uint32_t kBatch = 1u << 18;
  const std::uint64_t key = sim::replicate_key(1, 0);
  double cpu = 0, wall = 0, check = 0;
  std::uint32_t first = 0;
  for (auto _ : st) {
    const double w0 = wall_seconds(), c0 = thread_cpu_seconds();
    check += floor_pass(k, key, first, kBatch);
    cpu += thread_cpu_seconds() - c0;
    wall += wall_seconds() - w0;
    first += kBatch;
  }
  benchmark::DoNotOptimize(check);
  const double ed = static_cast<double>(st.iterations()) * kBatch;
  st.counters["floor_ns_per_employee_day"] = wall * 1e9 / ed;
  st.counters["floor_cpu_ns_per_employee_day"] = cpu * 1e9 / ed;
  st.counters["streams"] = c.streams;
  st.counters["philox_blocks"] = c.philox_blocks;
  st.counters["uniforms"] = c.uniforms;
  st.counters["box_muller"] = c.box_muller;
  st.counters["poisson_inv"] = c.poisson_inv;
  st.counters["poisson_steps"] = c.poisson_steps;
  st.counters["poisson_normal"] = c.poisson_normal;
  st.counters["poisson_table"] = c.poisson_table;
  st.counters["exponentials"] = c.exponentials;
  st.counters["lognormal_exp"] = c.lognormal_exp;
  st.counters["priced"] = c.priced;
}

}  // namespace

void register_floor_benchmarks() {
  for (const auto& name : scenario_names())
    benchmark::RegisterBenchmark(("floor/" + name).c_str(), [name](benchmark::State& st) {
      run_floor(st, name);
    })->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(4);
  benchmark::RegisterBenchmark("floor/claudeonomics:leaderboard_hidden", [](benchmark::State& st) {
    run_floor(st, "claudeonomics:leaderboard_hidden");
  })->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(4);
}

}  // namespace goodhart::bench
