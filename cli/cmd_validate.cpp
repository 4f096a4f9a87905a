// goodhart validate: checks scenario, policy and pricing-catalog files and reports every
// problem of each as file:line:col: message; prints the JSON Schema on request.
#include <boost/program_options.hpp>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/pricing.hpp"
#include "goodhart/engine/schema.hpp"
#include "goodhart/engine/yaml_util.hpp"
#include "goodhart/sim/scenario_loader.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

namespace {

using engine::Diagnostic;
using engine::is_map;

std::string money(double usd) { return "$" + engine::format_number(usd); }

std::string window_text(const engine::Window& w, int horizon_days) {
  const bool from_start = w.start_day == 0;
  const bool to_end = w.end_day >= horizon_days;
  if (from_start && to_end) return "";
  if (to_end) return " from day " + std::to_string(w.start_day);
  if (from_start) return " until day " + std::to_string(w.end_day);
  return " days " + std::to_string(w.start_day) + "-" + std::to_string(w.end_day);
}

const char* kind_name(sim::SchemeKind k) {
  switch (k) {
    case sim::SchemeKind::linear: return "linear";
    case sim::SchemeKind::leaderboard: return "leaderboard";
    case sim::SchemeKind::quota: return "quota";
    case sim::SchemeKind::outcome_kpi: return "outcome KPI";
  }
  return "?";
}

const char* metric_name(sim::Metric m) {
  switch (m) {
    case sim::Metric::tokens: return "tokens";
    case sim::Metric::spend: return "spend";
    case sim::Metric::outcomes: return "outcomes";
    case sim::Metric::outcome_per_usd: return "outcomes per USD";
  }
  return "?";
}

std::vector<std::string> policy_lines(const engine::PolicyConfig& g, int days) {
  std::vector<std::string> out;
  auto limits = [](std::vector<std::pair<const char*, std::optional<double>>> items) {
    std::string s;
    for (const auto& [name, v] : items)
      if (v) s += std::string(s.empty() ? "" : ", ") + name + " " + money(*v);
    return s;
  };
  const std::string caps = limits({{"per seat/day", g.caps.per_seat_day_usd},
                                   {"per seat/month", g.caps.per_seat_month_usd},
                                   {"team/month", g.caps.team_month_usd},
                                   {"org/month", g.caps.org_month_usd},
                                   {"org/year", g.caps.org_year_usd}});
  if (!caps.empty()) out.push_back("caps " + caps + window_text(g.caps.window, days));
  const std::string budgets = limits({{"per seat/month", g.budgets.per_seat_month_usd},
                                      {"team/month", g.budgets.team_month_usd},
                                      {"org/month", g.budgets.org_month_usd},
                                      {"org/year", g.budgets.org_year_usd}});
  if (!budgets.empty())
    out.push_back("budgets " + budgets + window_text(g.budgets.window, days));
  if (g.alerts.enabled && (!caps.empty() || !budgets.empty())) {
    std::string t;
    for (double x : g.alerts.thresholds)
      t += std::string(t.empty() ? "" : "/") + engine::format_number(x * 100);
    out.push_back("alerts at " + t + " %");
  }
  if (g.anomaly.enabled) {
    const char* action = g.anomaly.action == engine::AnomalyAction::alert      ? "alert"
                         : g.anomaly.action == engine::AnomalyAction::throttle ? "throttle"
                                                                               : "stop agents";
    out.push_back(std::string("anomaly detection (") + action + ")" +
                  window_text(g.anomaly.window, days));
  }
  if (g.model_approval.enabled)
    out.push_back("model approval (substitute " + g.model_approval.substitute + ")" +
                  window_text(g.model_approval.window, days));
  if (g.settle_delay_hours > 0)
    out.push_back("settle delay " + engine::format_number(g.settle_delay_hours) + " h");
  return out;
}

void print_scenario_summary(const sim::Scenario& sc, std::ostream& os) {
  const int days = sc.horizon.days;
  os << "  name:      " << sc.meta.name << "\n";
  os << "  horizon:   " << sc.horizon.start.iso() << " + " << days << " days\n";
  os << "  pricing:   " << sc.pricing_ref;
  if (sc.pricing) os << " (dated " << sc.pricing->effective_date().iso() << ")";
  os << "\n";
  for (const auto& c : sc.cohorts)
    os << "  cohort:    " << c.name << ": " << c.headcount << " people, " << c.model << "\n";
  for (const auto& s : sc.incentives) {
    os << "  scheme:    " << s.name << ": " << kind_name(s.kind) << " on "
       << metric_name(s.metric);
    if (!s.enabled) os << " (disabled)";
    os << window_text(s.window, days) << "\n";
  }
  for (const auto& line : policy_lines(sc.governance, days)) os << "  policy:    " << line << "\n";
  for (const auto& v : sc.variants)
    os << "  variant:   " << v.name << (v.description.empty() ? "" : ": " + v.description)
       << "\n";
}

// A pricing catalog has `catalog` and `models`; a policy file `governance` and no cohorts.
enum class FileKind { scenario, policy, pricing };

FileKind kind_of(const YAML::Node& root) {
  if (!is_map(root)) return FileKind::scenario;
  if (root["catalog"] && root["models"]) return FileKind::pricing;
  if (root["governance"] && !root["cohorts"]) return FileKind::policy;
  return FileKind::scenario;
}

// Returns the problems of one file; prints its "ok" line and summary when it has none.
std::vector<Diagnostic> check_file(const std::string& path, bool quiet) {
  try {
    const YAML::Node root = engine::load_yaml_file(path);
    switch (kind_of(root)) {
      case FileKind::pricing: {
        const auto cat = engine::PricingCatalog::load_file(path);
        if (!quiet)
          std::cout << path << ": ok (pricing catalog dated " << cat.effective_date().iso()
                    << ", " << cat.models().size() << " models)\n";
        return {};
      }
      case FileKind::policy: {
        const auto policy = engine::load_policy_file(path);
        if (!quiet) {
          std::cout << path << ": ok (governance policy)\n";
          for (const auto& line : policy_lines(policy, std::numeric_limits<int>::max()))
            std::cout << "  policy:    " << line << "\n";
        }
        return {};
      }
      case FileKind::scenario: break;
    }
    auto problems = sim::validate_scenario_file(path);
    if (!problems.empty()) return problems;
    if (!quiet) {
      const sim::Scenario sc = sim::load_scenario(path);
      std::cout << path << ": ok (" << sc.cohorts.size() << " cohorts, " << sc.employees()
                << " employees, " << sc.horizon.days << " days, " << sc.variants.size()
                << " variants)\n";
      print_scenario_summary(sc, std::cout);
    }
    return {};
  } catch (const engine::InputError& e) {
    return e.diagnostics();
  }
}

}  // namespace

int cmd_validate(int argc, char** argv) {
  po::options_description opts("goodhart validate options");
  opts.add_options()("help,h", "show this help")(
      "print-schema", "print the JSON Schema of scenario files (scenarios/schema.json) and exit")(
      "quiet,q", "print only problems, nothing for valid files");
  po::options_description hidden;
  hidden.add_options()("files", po::value<std::vector<std::string>>(), "files to check")(
      "print-reference", "print the key reference table of docs/scenarios.md and exit");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  po::notify(vm);

  if (vm.count("help")) {
    std::cout << "Usage: goodhart validate FILE... [options]\n\n"
                 "Checks scenario files (and each of their variants), governance policy files\n"
                 "and pricing catalogs. Every problem of a file is reported at once, as\n"
                 "file:line:col: message. Valid scenarios get a one-line summary.\n\n"
              << opts
              << "\nExit codes: 0 all files valid, 2 a file is invalid or unreadable.\n";
    return kExitOk;
  }
  if (vm.count("print-schema")) {
    std::cout << engine::to_json_schema(sim::scenario_schema(), "goodhart scenario").dump(2)
              << "\n";
    return kExitOk;
  }
  if (vm.count("print-reference")) {
    std::cout << engine::to_markdown_table(sim::scenario_schema());
    return kExitOk;
  }
  if (!vm.count("files")) {
    std::cerr << "goodhart validate: no file given\nTry 'goodhart validate --help'.\n";
    return kExitBadInput;
  }
  const bool quiet = vm.count("quiet") > 0;
  const auto files = vm["files"].as<std::vector<std::string>>();
  int bad = 0;
  for (const auto& path : files) {
    const auto problems = check_file(path, quiet);
    if (problems.empty()) continue;
    ++bad;
    for (const auto& d : problems) std::cerr << d.str() << "\n";
    std::cerr << path << ": " << problems.size() << " problem" << (problems.size() == 1 ? "" : "s")
              << "\n";
  }
  if (files.size() > 1 && !quiet)
    std::cout << files.size() - static_cast<std::size_t>(bad) << " of " << files.size()
              << " files valid\n";
  return bad == 0 ? kExitOk : kExitBadInput;
}

}  // namespace goodhart::cli
