// goodhart sweep: run a sweep file's design points (sharded, checkpointed, resumable) into
// DIR/results.csv and, with --analyse, the Sobol' indices or tornado into DIR/sensitivity.csv.
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/output.hpp"
#include "goodhart/sim/sweep.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace goodhart::cli {

namespace {

// Lock-free atomics are safe to touch in a signal handler.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

extern "C" void on_interrupt(int) {
  if (g_signals.fetch_add(1) > 0) ::_exit(130);
  g_stop = true;
  static const char msg[] =
      "\ngoodhart sweep: interrupted; finishing the points that are running (interrupt again "
      "to stop now). Finished points are saved: rerun the same command to resume.\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
}

std::string duration(double s) {
  if (!(s >= 0) || s > 1e8) return "?";
  char buf[32];
  if (s < 90) std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 5400) std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  else std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

// Points done, resumed, elapsed and time left on stderr: a line updated in place on a
// terminal, a new line every ten seconds in a batch log.
class SweepProgress {
 public:
  SweepProgress(std::atomic<std::int64_t>& done, std::size_t todo, std::size_t in_shard,
                std::size_t resumed)
      : done_(done), todo_(todo), in_shard_(in_shard), resumed_(resumed),
        tty_(::isatty(STDERR_FILENO) != 0) {
    if (todo_ > 0) thread_ = std::thread([this] { loop(); });
  }
  ~SweepProgress() {
    finished_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    double last = 0;
    bool shown = false;
    while (!finished_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const double elapsed = std::chrono::duration<double>(clock::now() - t0).count();
      if (elapsed < 1.0 || elapsed - last < (tty_ ? 0.5 : 10.0)) continue;
      last = elapsed;
      const auto done = static_cast<std::size_t>(done_.load());
      // Time left from this run's own pace; the bar counts resumed points as done.
      const double frac = static_cast<double>(done) / static_cast<double>(todo_);
      const double shown_frac =
          static_cast<double>(resumed_ + done) / static_cast<double>(in_shard_);
      const std::string left = done > 0 ? "~" + duration(elapsed * (1 - frac) / frac) + " left"
                                        : "time left: after the first point";
      char bar[31];
      for (int i = 0; i < 30; ++i) bar[i] = i < shown_frac * 30 ? '#' : '.';
      bar[30] = 0;
      std::fprintf(stderr, "%ssweep [%s] %zu/%zu points%s  %s elapsed  %s%s", tty_ ? "\r" : "",
                   bar, resumed_ + done, in_shard_,
                   resumed_ ? (" (" + std::to_string(resumed_) + " resumed)").c_str() : "",
                   duration(elapsed).c_str(), left.c_str(), tty_ ? "   " : "\n");
      std::fflush(stderr);
      shown = true;
    }
    if (shown && tty_) std::fprintf(stderr, "\r%*s\r", 100, "");
  }

  std::atomic<std::int64_t>& done_;
  std::size_t todo_, in_shard_, resumed_;
  bool tty_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

fs::path default_out(const std::string& file) {
  return fs::path(fs::path(file).stem().string() + "-sweep");
}

}  // namespace

int cmd_sweep(int argc, char** argv) {
  po::options_description opts("goodhart sweep options");
  opts.add_options()
      ("help,h", "show this help")
      ("out,o", po::value<std::string>(), "results directory (default: <file stem>-sweep)")
      ("threads,t", po::value<int>()->default_value(1),
       "worker threads (results do not depend on it)")
      ("shard", po::value<std::string>(), "run only points k with k mod n == i (i/n, 0-based)")
      ("replicates,r", po::value<int>(), "Monte Carlo replicates per point (default: the sweep's)")
      ("analyse,a", "write DIR/sensitivity.csv and print it (design saltelli or oat)")
      ("statistic", po::value<std::string>()->default_value("mean"),
       "replicate summary analysed: mean or p50")
      ("bootstrap", po::value<int>()->default_value(1000),
       "bootstrap resamples of the Sobol' intervals")
      ("confidence", po::value<double>()->default_value(0.95, "0.95"),
       "level of the Sobol' intervals")
      ("plan", "print the design points (CSV) and exit without running")
      ("quiet,q", "no progress display");
  po::options_description hidden;
  hidden.add_options()
      ("file", po::value<std::string>(), "sweep file")
      ("analyze", "same as --analyse")
      ("test-crash-after", po::value<std::size_t>(), "tests: SIGKILL after N points are saved");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << "Usage: goodhart sweep FILE [options]\n\n"
                 "Runs the design points of a sweep file (docs/sweeps.md): each point is the\n"
                 "scenario with the parameters set, run for its replicates. One row per point and\n"
                 "variant is appended to DIR/results.csv as soon as it finishes (with\n"
                 "--shard i/n: DIR/results.shard-i-of-n.csv); rerunning the same command\n"
                 "resumes where it stopped.\n\n"
              << opts << "\n";
    return kExitOk;
  }
  if (!vm.count("file")) throw po::error("missing sweep FILE");
  const std::string file = vm["file"].as<std::string>();
  const int threads = vm["threads"].as<int>();
  if (threads < 1) throw po::error("--threads must be at least 1");
  std::optional<int> replicates;
  if (vm.count("replicates")) {
    replicates = vm["replicates"].as<int>();
    if (*replicates < 1) throw po::error("--replicates must be at least 1");
  }
  const sim::Shard shard = vm.count("shard") ? sim::parse_shard(vm["shard"].as<std::string>())
                                             : sim::Shard{};
  const bool analyse = vm.count("analyse") || vm.count("analyze");
  const std::string statistic = vm["statistic"].as<std::string>();
  if (statistic != "mean" && statistic != "p50") throw po::error("--statistic must be mean or p50");
  engine::SobolOptions sobol;
  if (vm["bootstrap"].as<int>() < 0) throw po::error("--bootstrap must be at least 0");
  sobol.bootstrap = static_cast<std::size_t>(vm["bootstrap"].as<int>());
  sobol.confidence = vm["confidence"].as<double>();
  if (!(sobol.confidence > 0 && sobol.confidence < 1))
    throw po::error("--confidence must be in (0, 1)");
  const bool quiet = vm.count("quiet") > 0;

  const sim::Sweep sweep(sim::load_sweep_file(file), replicates);
  const auto& def = sweep.definition();
  sobol.seed = sweep.seed();

  if (vm.count("plan")) {
    std::cout << "point";
    for (const auto& p : def.parameters) std::cout << "," << sim::csv_field(p.name);
    std::cout << ",seed\n";
    for (std::size_t k = 0; k < sweep.size(); ++k) {
      if (!shard.owns(k)) continue;
      std::cout << k;
      for (const auto& v : sweep.values(k)) std::cout << "," << sim::csv_field(v);
      std::cout << "," << sweep.point_seed(k) << "\n";
    }
    return kExitOk;
  }
  if (analyse && def.design != sim::SweepDesign::saltelli && def.design != sim::SweepDesign::oat)
    throw engine::InputError(engine::Location{file},
                             std::string("--analyse needs design saltelli (Sobol' indices) or oat "
                                         "(tornado); this sweep's design is ") +
                                 sim::design_name(def.design));

  const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>()) : default_out(file);
  sim::SweepRunOptions options;
  options.out_dir = out;
  options.shard = shard;
  options.threads = threads;
  std::atomic<std::int64_t> done{0};
  options.points_done = &done;
  options.stop = &g_stop;
  if (vm.count("test-crash-after")) options.crash_after = vm["test-crash-after"].as<std::size_t>();

  // The checkpoint is opened here too, only to size the progress display; run_sweep reopens it.
  std::size_t in_shard = 0, resumed = 0;
  {
    const sim::SweepCheckpoint cp(sweep, out, shard);
    in_shard = sim::pending_points(sweep, shard, nullptr).size();
    resumed = in_shard - sim::pending_points(sweep, shard, &cp).size();
  }
  g_stop = false;
  g_signals = 0;
  auto old_int = std::signal(SIGINT, on_interrupt);
  auto old_term = std::signal(SIGTERM, on_interrupt);
  sim::SweepRunSummary summary;
  try {
    std::optional<SweepProgress> bar;
    if (!quiet) bar.emplace(done, in_shard - resumed, in_shard, resumed);
    summary = sim::run_sweep(sweep, options);
  } catch (...) {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
    throw;
  }
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);

  const fs::path results = out / sim::results_file_name(shard);
  if (summary.stopped) {
    std::cerr << "goodhart sweep: stopped after " << summary.ran << " new points ("
              << summary.resumed + summary.ran << " of " << summary.in_shard
              << " saved in " << results.string() << "); rerun the same command to resume\n";
    return 130;
  }
  if (!quiet)
    std::cerr << "goodhart sweep: " << summary.in_shard << " points"
              << (shard.count > 1 ? " in shard " + shard.str() : "") << " ("
              << summary.ran << " run now in " << duration(summary.elapsed_seconds) << ", "
              << summary.resumed << " already done); results in " << results.string() << "\n";

  if (!analyse) return kExitOk;
  const auto rows = sim::read_sweep_results(sweep, out);
  std::size_t have = 0;
  {
    std::vector<bool> seen(sweep.size(), false);
    for (const auto& r : rows) seen[r.point] = true;
    have = static_cast<std::size_t>(std::count(seen.begin(), seen.end(), true));
  }
  if (have < sweep.size() && shard.count > 1) {
    std::cerr << "goodhart sweep: sensitivity.csv not written yet: " << out.string() << " holds "
              << have << " of " << sweep.size()
              << " points. When every shard is done, run: goodhart sweep " << file << " --out "
              << out.string() << " --analyse\n";
    return kExitOk;
  }
  const auto s = sim::analyse_sweep(sweep, rows, sobol, statistic);
  engine::AtomicFile f(out / "sensitivity.csv");
  sim::write_sensitivity_csv(f.stream(), s);
  f.commit();
  std::cout << sim::format_sensitivity(s);
  if (!s.sobol.empty())
    std::cout << "\nIntervals: " << sobol.confidence * 100 << " % percentile bootstrap ("
              << sobol.bootstrap << " resamples of the base rows).";
  std::cout << "\nWritten: " << (out / "sensitivity.csv").string() << "\n";
  return kExitOk;
}

}  // namespace goodhart::cli
