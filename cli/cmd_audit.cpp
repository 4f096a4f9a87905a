// goodhart audit: reads usage exports and prints the Goodhart indicators (spend, unit costs,
// suspects, correlation, bunching, anomalies, budget); --out writes audit.json and CSVs.
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "exports.hpp"
#include "goodhart/engine/audit.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/ingest.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

namespace {

// "250M", "1.5B", "40k" or a plain number.
double parse_amount(const std::string& text, const char* option) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw po::error(std::string(option) + " must be a number, got '" + text + "'");
  }
  const std::string suffix = text.substr(used);
  if (suffix == "k" || suffix == "K") v *= 1e3;
  else if (suffix == "M") v *= 1e6;
  else if (suffix == "B" || suffix == "G") v *= 1e9;
  else if (!suffix.empty()) throw po::error(std::string(option) + ": unknown suffix '" + suffix + "' (use k, M or B)");
  if (!(v > 0) || !std::isfinite(v)) throw po::error(std::string(option) + " must be positive");
  return v;
}

}  // namespace

int cmd_audit(int argc, char** argv) {
  po::options_description opts("goodhart audit options");
  opts.add_options()
      ("help,h", "show this help")
      ("period", po::value<std::string>()->default_value("week"), "day, week or month")
      ("out,o", po::value<std::string>(), "write audit.json and CSV tables to DIR")
      ("format,f", po::value<std::vector<std::string>>()->composing(),
       "stdout format: table (default), json or csv (people x period); an export format name "
       "(claude-code, anthropic-usage, anthropic-cost, openai-usage, openai-costs, litellm-spend-logs, "
       "litellm-daily, canonical) sets the input format instead")
      ("quota", po::value<std::string>(), "adoption quota per person-week, for bunching (e.g. 50M tokens)")
      ("quota-metric", po::value<std::string>()->default_value("tokens"), "tokens or usd")
      ("budget", po::value<std::string>(), "budget in USD, for burn and exhaustion forecast")
      ("budget-period", po::value<std::string>()->default_value("month"), "month or year")
      ("truth", "score the suspects against gaming_tokens_truth (simulated exports)")
      ("truth-threshold", po::value<double>()->default_value(0.25), "gaming share of tokens that makes a gamer")
      ("min-gap", po::value<double>()->default_value(0.6), "rank test: usage minus outcome percentile at least this")
      ("min-usage-percentile", po::value<double>()->default_value(0.9), "rank test: usage percentile at least this")
      ("acceptance-gap", po::value<double>()->default_value(0.10), "quality test: acceptance this far below the cohort median")
      ("acceptance-z", po::value<double>()->default_value(3.0), "quality test: and a binomial z-score at most minus this")
      ("seed", po::value<std::uint64_t>()->default_value(20260801), "seed of the budget bootstrap");
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
    std::cout << "Usage: goodhart audit FILE|DIR|- ... [options]\n\n"
                 "Reads usage exports (Claude Code Analytics, Anthropic and OpenAI admin APIs, LiteLLM,\n"
                 "goodhart canonical CSV; detected from content) and reports spend, tokens, outcomes and\n"
                 "unit costs per person, team and period, with the Goodhart indicators: tokenmaxxing\n"
                 "suspects with reasons, usage-outcome rank correlation over time, bunching above a\n"
                 "quota, anomaly days and budget exhaustion. Formats: docs/formats.md.\n\n"
              << opts << "\n";
    return kExitOk;
  }
  if (!vm.count("inputs")) throw po::error("no export files given (use - for standard input)");

  std::string out_format = "table";
  engine::IngestOptions ingest;
  if (vm.count("format"))
    for (const auto& f : vm["format"].as<std::vector<std::string>>()) {
      if (f == "table" || f == "json" || f == "csv") out_format = f;
      else if (auto x = engine::parse_format_name(f)) ingest.format = x;
      else throw po::error("--format must be table, json, csv or an export format name, got '" + f + "'");
    }

  engine::AuditOptions options;
  const std::string period = vm["period"].as<std::string>();
  if (period == "day") options.period = engine::AuditPeriod::day;
  else if (period == "week") options.period = engine::AuditPeriod::week;
  else if (period == "month") options.period = engine::AuditPeriod::month;
  else throw po::error("--period must be day, week or month");
  if (vm.count("quota")) options.quota = parse_amount(vm["quota"].as<std::string>(), "--quota");
  const std::string qm = vm["quota-metric"].as<std::string>();
  if (qm == "usd") options.quota_metric = engine::QuotaMetric::usd;
  else if (qm != "tokens") throw po::error("--quota-metric must be tokens or usd");
  if (vm.count("budget")) {
    const auto micro = engine::parse_decimal_micro(vm["budget"].as<std::string>(), engine::kMicroPerUsd);
    if (!micro || *micro <= 0) throw po::error("--budget must be a positive amount in USD");
    options.budget = *micro;
  }
  const std::string bp = vm["budget-period"].as<std::string>();
  if (bp == "year") options.budget_period = engine::AuditBudgetPeriod::year;
  else if (bp != "month") throw po::error("--budget-period must be month or year");
  options.truth = vm.count("truth") > 0;
  options.truth_threshold = vm["truth-threshold"].as<double>();
  options.min_gap = vm["min-gap"].as<double>();
  options.min_usage_percentile = vm["min-usage-percentile"].as<double>();
  options.acceptance_gap = vm["acceptance-gap"].as<double>();
  options.acceptance_z = vm["acceptance-z"].as<double>();
  options.seed = vm["seed"].as<std::uint64_t>();

  const auto data = read_exports(vm, ingest, "audit");
  const auto& report = data.report();
  if (options.truth && !data.has_truth())
    throw engine::InputError(engine::Location{report.files.empty() ? "-" : report.files.front().file},
                             "--truth needs a simulated export with gaming_tokens_truth on every usage row "
                             "(goodhart run --events)");
  if (refused_by_strict(vm, report, "audit")) return kExitBadInput;

  const auto result = engine::run_audit(data, options);
  if (vm.count("out")) engine::write_audit_outputs(vm["out"].as<std::string>(), result, data);
  if (out_format == "json") std::cout << engine::audit_json(result, data);
  else if (out_format == "csv") engine::write_person_period_csv(std::cout, result, data);
  else engine::write_audit_table(std::cout, result, data);
  if (out_format != "table") print_rejections(std::cerr, report);
  return kExitOk;
}

}  // namespace goodhart::cli
