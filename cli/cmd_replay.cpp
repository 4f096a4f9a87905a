// goodhart replay: runs a governance policy file over usage exports in time order and
// reports what it would have blocked, the alerts with dates, spend saved, outcomes at risk.
#include <boost/program_options.hpp>
#include <iostream>

#include "commands.hpp"
#include "exports.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/replay.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

int cmd_replay(int argc, char** argv) {
  po::options_description opts("goodhart replay options");
  opts.add_options()
      ("help,h", "show this help")
      ("policy,p", po::value<std::string>(), "policy file: a governance block (as in a scenario)")
      ("out,o", po::value<std::string>(), "write replay.json, events.csv, alerts.csv, days.csv, people.csv to DIR")
      ("format,f", po::value<std::string>()->default_value("table"), "stdout format: table or json");
  po::options_description hidden;
  add_export_options(opts, hidden);
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

  // The policy is checked before any export is read: a typo there should not cost a long read.
  const engine::PolicyConfig policy = engine::load_policy_file(vm["policy"].as<std::string>());
  const auto data = read_exports(vm, engine::IngestOptions{}, "replay");
  const auto& report = data.report();
  if (refused_by_strict(vm, report, "replay")) return kExitBadInput;
  const auto result = engine::run_replay(data, policy);
  if (vm.count("out")) engine::write_replay_outputs(vm["out"].as<std::string>(), result, data);
  if (format == "json") {
    std::cout << engine::replay_json(result, data);
    print_rejections(std::cerr, report);
  } else {
    engine::write_replay_table(std::cout, result, data);
  }
  return kExitOk;
}

}  // namespace goodhart::cli
