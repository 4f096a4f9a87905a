// goodhart_bench: Google Benchmark suite of the simulator, its floor and the readers, plus
// helper modes used by bench/run:
//   goodhart_bench generate FILE PEOPLE DAYS PER_DAY    write a Claude Code Analytics export
//   goodhart_bench read FILE                            read it once (for /usr/bin/time -v)
//   goodhart_bench reference SCENARIO[:VARIANT] SEATS DAYS REPLICATES
//                                                       per-replicate aggregates (numpy peer)
//   goodhart_bench counts SCENARIO[:VARIANT] SEATS DAYS primitives per employee-day
//   goodhart_bench replicate SCENARIO[:VARIANT] SEATS DAYS THREADS
//                                                       one replicate, no per-person output
//                                                       (for /usr/bin/time -v: memory in flight)
// Anything else goes to Google Benchmark (--benchmark_filter, --benchmark_repetitions, ...).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include "bench_common.hpp"
#include "bench_ingest.hpp"
#include "goodhart/engine/usage.hpp"

namespace goodhart::bench {
void register_sim_benchmarks();
void register_floor_benchmarks();
void register_ingest_benchmarks();
}  // namespace goodhart::bench

namespace gb = goodhart::bench;

namespace {

goodhart::sim::Scenario scenario_arg(const std::string& arg, long long seats, int days) {
  const auto colon = arg.find(':');
  if (colon == std::string::npos) return gb::scaled_scenario(arg, seats, days);
  return gb::scaled_scenario(arg.substr(0, colon), seats, days, arg.substr(colon + 1));
}

int reference(const std::string& arg, long long seats, int days, int reps) {
  const goodhart::sim::Scenario s = scenario_arg(arg, seats, days);
  const double ed = gb::seat_days(s);
  std::printf("{\"scenario\": \"%s\", \"seats\": %.0f, \"days\": %d, \"replicates\": [\n", arg.c_str(),
              ed / days, days);
  for (int r = 0; r < reps; ++r) {
    const double c0 = gb::thread_cpu_seconds();
    const goodhart::sim::ReplicateResult res = gb::run_once(s, 1, r);
    const double cpu = gb::thread_cpu_seconds() - c0;
    std::printf("  {\"replicate\": %d, \"cpu_ns_per_employee_day\": %.3f, \"spend_usd\": {", r, cpu * 1e9 / ed);
    for (int p = 0; p < goodhart::engine::kPurposes; ++p)
      std::printf("%s\"%s\": %.6f", p ? ", " : "", goodhart::engine::kPurposeNames[p],
                  static_cast<double>(res.spend_micro_by_purpose[p]) / 1e6);
    std::printf("}, \"tokens\": {");
    // Figures: tokens_productive .. tokens_gaming follow tokens_total.
    const auto& names = goodhart::sim::figure_names();
    for (int p = 0; p < goodhart::engine::kPurposes; ++p) {
      const std::string want = std::string("tokens_") + goodhart::engine::kPurposeNames[p];
      double v = 0;
      for (std::size_t k = 0; k < names.size(); ++k)
        if (names[k] == want) v = res.figures[k];
      std::printf("%s\"%s\": %.1f", p ? ", " : "", goodhart::engine::kPurposeNames[p], v);
    }
    std::printf("}}%s\n", r + 1 < reps ? "," : "");
  }
  std::printf("]}\n");
  return 0;
}

int replicate(const std::string& arg, long long seats, int days, int threads) {
  const goodhart::sim::Scenario s = scenario_arg(arg, seats, days);
  const double w0 = gb::wall_seconds(), c0 = gb::process_cpu_seconds();
  const goodhart::sim::ReplicateResult r = gb::run_once(s, threads);
  const double wall = gb::wall_seconds() - w0, cpu = gb::process_cpu_seconds() - c0;
  std::printf("{\"scenario\": \"%s\", \"seats\": %.0f, \"days\": %d, \"threads\": %d, \"wall_seconds\": %.4f, "
              "\"cpu_seconds\": %.4f, \"ns_per_employee_day\": %.2f, \"spend_usd\": %.2f}\n",
              arg.c_str(), gb::seat_days(s) / days, days, threads, wall, cpu, wall * 1e9 / gb::seat_days(s),
              static_cast<double>(r.spend_micro_total) / 1e6);
  return 0;
}

int counts(const std::string& arg, long long seats, int days) {
  const gb::Counts c = gb::count_draws(scenario_arg(arg, seats, days));
  std::printf(
      "{\"scenario\": \"%s\", \"streams\": %.4f, \"philox_blocks\": %.4f, \"uniforms\": %.4f, "
      "\"box_muller\": %.4f, \"poisson_inv\": %.4f, \"poisson_steps\": %.4f, \"poisson_normal\": %.4f, "
      "\"poisson_table\": %.4f, \"exponentials\": %.4f, \"lognormal_exp\": %.4f, \"priced\": %.4f}\n",
      arg.c_str(), c.streams, c.philox_blocks, c.uniforms, c.box_muller, c.poisson_inv, c.poisson_steps,
      c.poisson_normal, c.poisson_table, c.exponentials, c.lognormal_exp, c.priced);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "generate" && argc == 6) {
      const gb::GeneratedExport g = gb::generate_claude_code(argv[2], std::stoi(argv[3]), std::stoi(argv[4]),
                                                             std::stoi(argv[5]));
      std::printf("{\"file\": \"%s\", \"bytes\": %llu, \"records\": %lld, \"person_days\": %lld}\n", argv[2],
                  static_cast<unsigned long long>(g.bytes), static_cast<long long>(g.records),
                  static_cast<long long>(g.person_days));
      return 0;
    }
    if (mode == "read" && argc == 3) {
      const gb::ReadStats r = gb::read_claude_code(argv[2]);
      std::printf(
          "{\"file\": \"%s\", \"bytes\": %llu, \"records\": %lld, \"accepted\": %lld, \"rows\": %lld, "
          "\"wall_seconds\": %.4f, \"cpu_seconds\": %.4f, \"MB_per_s\": %.1f, \"cpu_MB_per_s\": %.1f, "
          "\"records_per_s\": %.0f}\n",
          argv[2], static_cast<unsigned long long>(r.bytes), static_cast<long long>(r.records),
          static_cast<long long>(r.accepted), static_cast<long long>(r.rows), r.wall_seconds, r.cpu_seconds,
          static_cast<double>(r.bytes) / r.wall_seconds / 1e6, static_cast<double>(r.bytes) / r.cpu_seconds / 1e6,
          static_cast<double>(r.records) / r.wall_seconds);
      return r.rejected() == 0 ? 0 : 1;
    }
    if (mode == "reference" && argc == 6)
      return reference(argv[2], std::stoll(argv[3]), std::stoi(argv[4]), std::stoi(argv[5]));
    if (mode == "replicate" && argc == 6)
      return replicate(argv[2], std::stoll(argv[3]), std::stoi(argv[4]), std::stoi(argv[5]));
    if (mode == "counts" && argc == 5) return counts(argv[2], std::stoll(argv[3]), std::stoi(argv[4]));
    if (!mode.empty() && mode[0] != '-') {
      std::fprintf(stderr, "goodhart_bench: unknown mode '%s' (see the comment in bench/bench_main.cpp)\n",
                   mode.c_str());
      return 2;
    }
    gb::register_sim_benchmarks();
    gb::register_floor_benchmarks();
    gb::register_ingest_benchmarks();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "goodhart_bench: %s\n", e.what());
    return 1;
  }
}
