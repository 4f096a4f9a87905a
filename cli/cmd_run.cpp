// goodhart run: simulate a scenario's base and variants and report the comparison.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "goodhart/engine/canonical_csv.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/output.hpp"
#include "goodhart/sim/report.hpp"
#include "goodhart/sim/run.hpp"
#include "progress.hpp"
#include "signals.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

int cmd_run(int argc, char** argv) {
  po::options_description opts("goodhart run options");
  opts.add_options()
      ("help,h", "show this help")
      ("replicates,r", po::value<int>(), "Monte Carlo replicates (default: the scenario's)")
      ("seed,s", po::value<std::uint64_t>(), "random seed (default: the scenario's)")
      ("threads,t", po::value<int>()->default_value(1), "worker threads (results do not depend on it)")
      ("variant,v", po::value<std::vector<std::string>>()->multitoken(),
       "variants to run ('base' is the scenario as written; default: base and all variants)")
      ("out,o", po::value<std::string>(), "write summary.json, daily.csv and people.csv to DIR")
      ("format,f", po::value<std::string>()->default_value("table"), "stdout format: table, json or csv")
      ("events", po::value<std::string>(), "write per-employee-day usage of replicate 0 (canonical CSV)")
      ("quiet,q", "no progress display");
  po::options_description hidden;
  hidden.add_options()("scenario", po::value<std::string>(), "scenario file");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << "Usage: goodhart run SCENARIO [options]\n\n"
                 "Simulates the scenario (and its variants, with common random numbers) and prints\n"
                 "a comparison: spend P5/P50/P95, theatre share, value per dollar, Goodhart gap,\n"
                 "budget exhaustion and alerts, then the calibration targets.\n\n"
              << opts << "\n";
    return kExitOk;
  }
  if (!vm.count("scenario")) throw po::error("missing SCENARIO file");
  const std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json" && format != "csv")
    throw po::error("--format must be table, json or csv");

  sim::RunOptions options;
  if (vm.count("replicates")) {
    options.replicates = vm["replicates"].as<int>();
    if (*options.replicates < 1) throw po::error("--replicates must be at least 1");
  }
  if (vm.count("seed")) options.seed = vm["seed"].as<std::uint64_t>();
  options.threads = vm["threads"].as<int>();
  if (options.threads < 1) throw po::error("--threads must be at least 1");
  std::vector<std::string> variants;
  if (vm.count("variant")) variants = vm["variant"].as<std::vector<std::string>>();

  const auto doc = sim::ScenarioDocument::load_file(vm["scenario"].as<std::string>());

  std::unique_ptr<engine::AtomicFile> events_file;
  std::unique_ptr<engine::CanonicalCsvWriter> events;
  if (vm.count("events")) {
    events_file = std::make_unique<engine::AtomicFile>(vm["events"].as<std::string>());
    events = std::make_unique<engine::CanonicalCsvWriter>(events_file->stream());
    options.on_event = [&](const std::string&, const engine::UsageRecord& r) { events->write(r); };
    if (variants.empty()) variants = {"base"};  // one history: the scenario as written
  }

  std::atomic<std::int64_t> done{0};
  options.progress = &done;
  sim::RunResult run;
  {
    std::optional<Progress> bar;
    if (!vm.count("quiet"))
      bar.emplace(done, sim::planned_employee_days(doc, variants, options), "employee-days");
    run = sim::run_scenario(doc, variants, options);
  }
  const auto checks = sim::check_targets(doc.build().targets, run);
  const nlohmann::json summary = sim::summary_json(run, checks);

  if (events) events_file->commit();
  if (vm.count("out")) {
    const std::filesystem::path dir = vm["out"].as<std::string>();
    // Each file is atomic; all are written before any is renamed into place.
    engine::AtomicFile s(dir / "summary.json"), d(dir / "daily.csv"), p(dir / "people.csv");
    s.stream() << sim::dump_json(summary) << "\n";
    sim::write_daily_csv(d.stream(), run);
    sim::write_people_csv(p.stream(), run);
    {
      DeferSignals all_or_none;  // a signal now waits until the three files are in place
      s.commit();
      d.commit();
      p.commit();
    }
    check_interrupted();
  }
  if (format == "json") {
    std::cout << sim::dump_json(summary) << "\n";
  } else if (format == "csv") {
    sim::write_daily_csv(std::cout, run);
  } else {
    std::cout << sim::format_table(run, checks);
    std::cout << "\n" << run.employee_days() * run.replicates * static_cast<std::int64_t>(run.variants.size())
              << " employee-days in " << run.elapsed_seconds << " s";
    if (vm.count("out")) std::cout << "; outputs in " << vm["out"].as<std::string>() << "/";
    if (vm.count("events")) std::cout << "; events in " << vm["events"].as<std::string>();
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace goodhart::cli
