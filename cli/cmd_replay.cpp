// goodhart replay: runs a governance policy file over usage exports in time order and
// reports what it would have blocked, the alerts with dates, spend saved, outcomes at risk.
#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/replay.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

namespace {
std::string default_pricing() {
  if (const char* env = std::getenv("GOODHART_PRICING"); env && *env) return env;
  return std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml";
}
}  // namespace

int cmd_replay(int argc, char** argv) {
  po::options_description opts("goodhart replay options");
  opts.add_options()
      ("help,h", "show this help")
      ("policy,p", po::value<std::string>(), "policy file: a governance block (as in a scenario)")
      ("map", po::value<std::string>(), "identity map CSV: identity,person,team,cohort")
      ("out,o", po::value<std::string>(), "write replay.json, events.csv, alerts.csv, days.csv, people.csv to DIR")
      ("format,f", po::value<std::string>()->default_value("table"), "stdout format: table or json")
      ("input-format", po::value<std::string>(), "input export format, instead of detecting it")
      ("pricing", po::value<std::string>(), "pricing catalog (default $GOODHART_PRICING or the shipped 2026-08 one)")
      ("strict", "exit 2 when any record is rejected");
  po::options_description hidden;
  hidden.add_options()("inputs", po::value<std::vector<std::string>>(), "export files");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("inputs", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << "Usage: goodhart replay FILE|DIR|- ... --policy POLICY.yaml [options]\n\n"
                 "Replays a governance policy (caps, budgets, alerts, anomaly actions, enforcement lag)\n"
                 "over usage exports in time order, with the simulator's own policy engine. Day 0 of\n"
                 "the policy's timeline is the first day of the history.\n\n"
              << opts << "\n";
    return kExitOk;
  }
  if (!vm.count("inputs")) throw po::error("no export files given (use - for standard input)");
  if (!vm.count("policy")) throw po::error("--policy is required");
  const std::string format = vm["format"].as<std::string>();
  if (format != "table" && format != "json") throw po::error("--format must be table or json");

  engine::IngestOptions ingest;
  if (vm.count("input-format")) {
    ingest.format = engine::parse_format_name(vm["input-format"].as<std::string>());
    if (!ingest.format) throw po::error("unknown --input-format '" + vm["input-format"].as<std::string>() + "'");
  }
  // The policy is checked before any export is read: a typo there should not cost a long read.
  const engine::PolicyConfig policy = engine::load_policy_file(vm["policy"].as<std::string>());
  const auto catalog = engine::PricingCatalog::load_file(
      vm.count("pricing") ? vm["pricing"].as<std::string>() : default_pricing());
  std::optional<engine::IdentityMap> map;
  if (vm.count("map")) {
    map = engine::IdentityMap::load_file(vm["map"].as<std::string>());
    ingest.identities = &*map;
  }
  const auto data = engine::ingest_paths(vm["inputs"].as<std::vector<std::string>>(), catalog, ingest);
  const auto& report = data.report();
  auto print_rejections = [&] {
    if (report.rejected == 0) return;
    std::cerr << "goodhart: " << report.rejected << " of " << report.records_read << " records rejected\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(report.rejections.size(), 5); ++i)
      std::cerr << "  " << report.rejections[i].str() << "\n";
  };
  if (report.records_read > 0 && report.accepted == 0) {
    print_rejections();
    throw engine::InputError(engine::Location{report.files.front().file}, "no record could be read; nothing to replay");
  }
  if (vm.count("strict") && report.rejected > 0) {
    print_rejections();
    std::cerr << "goodhart replay: --strict and records were rejected; nothing written\n";
    return kExitBadInput;
  }
  const auto result = engine::run_replay(data, policy);
  if (vm.count("out")) engine::write_replay_outputs(vm["out"].as<std::string>(), result, data);
  if (format == "json") {
    std::cout << engine::replay_json(result, data);
    print_rejections();
  } else {
    engine::write_replay_table(std::cout, result, data);
  }
  return kExitOk;
}

}  // namespace goodhart::cli
