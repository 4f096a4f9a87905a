#include "goodhart/sim/report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "goodhart/engine/stats.hpp"

namespace goodhart::sim {

Band band(const std::vector<double>& values) {
  std::vector<double> v;
  v.reserve(values.size());
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  Band b;
  b.n = static_cast<int>(v.size());
  if (v.empty()) {
    b.p5 = b.p50 = b.p95 = b.mean = std::numeric_limits<double>::quiet_NaN();
    return b;
  }
  std::sort(v.begin(), v.end());
  b.p5 = engine::quantile_sorted(v, 0.05);
  b.p50 = engine::quantile_sorted(v, 0.5);
  b.p95 = engine::quantile_sorted(v, 0.95);
  b.mean = engine::mean(v);
  return b;
}

Band figure_band(const VariantResult& v, const std::string& figure) {
  const auto it = std::find(v.figure_names.begin(), v.figure_names.end(), figure);
  if (it == v.figure_names.end()) return band({});
  const std::size_t k = static_cast<std::size_t>(it - v.figure_names.begin());
  std::vector<double> xs;
  for (const auto& r : v.replicates) xs.push_back(r.figures[k]);
  return band(xs);
}

namespace {
std::string num(double x) {
  if (!std::isfinite(x)) return "-";
  std::ostringstream os;
  const double a = std::abs(x);
  if (a >= 1e12) os << std::setprecision(3) << x / 1e12 << "T";
  else if (a >= 1e9) os << std::setprecision(3) << x / 1e9 << "B";
  else if (a >= 1e6) os << std::setprecision(3) << x / 1e6 << "M";
  else if (a >= 1e4) os << std::setprecision(3) << x / 1e3 << "k";
  else if (a >= 100) os << std::fixed << std::setprecision(0) << x;
  else os << std::setprecision(3) << x;
  return os.str();
}
std::string fixed2(double x) {
  if (!std::isfinite(x)) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(2) << x;
  return os.str();
}
std::string usd(double x) { return std::isfinite(x) ? "$" + num(x) : "-"; }
std::string pct(double x) {
  if (!std::isfinite(x)) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << 100 * x << "%";
  return os.str();
}
nlohmann::json jnum(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }
const VariantResult* find_variant(const RunResult& run, const std::string& name) {
  for (const auto& v : run.variants)
    if (v.name == (name.empty() ? "base" : name)) return &v;
  return nullptr;
}
}  // namespace

std::vector<TargetCheck> check_targets(const std::vector<Target>& targets, const RunResult& run) {
  std::vector<TargetCheck> out;
  for (const Target& t : targets) {
    const VariantResult* v = find_variant(run, t.variant);
    if (!v) continue;  // the variant was not run
    TargetCheck c;
    c.target = t;
    const Band b = figure_band(*v, t.metric);
    c.defined = b.n > 0;
    c.observed = b.p50;
    std::ostringstream e;
    if (t.value) {
      e << "≈ " << num(*t.value) << " ± " << std::round(t.tolerance * 100) << " %";
      c.met = c.defined && std::abs(c.observed - *t.value) <= t.tolerance * std::abs(*t.value);
    } else {
      const double lo = t.min.value_or(-INFINITY), hi = t.max.value_or(INFINITY);
      if (t.min && t.max) e << "in [" << num(lo) << ", " << num(hi) << "]";
      else if (t.min) e << "≥ " << num(lo);
      else e << "≤ " << num(hi);
      c.met = c.defined && c.observed >= lo && c.observed <= hi;
    }
    c.expectation = e.str();
    out.push_back(std::move(c));
  }
  return out;
}

nlohmann::json summary_json(const RunResult& run, const std::vector<TargetCheck>& checks) {
  nlohmann::json j;
  j["version"] = GOODHART_VERSION;
  j["scenario"] = {{"file", run.scenario_file}, {"name", run.scenario_name}};
  j["seed"] = run.seed;
  j["replicates"] = run.replicates;
  j["threads"] = run.threads;
  j["employees"] = run.employees;
  j["licensed_seats"] = run.licensed;
  j["days"] = run.days;
  j["employee_days"] = run.employee_days();
  j["elapsed_seconds"] = run.elapsed_seconds;
  nlohmann::json vs = nlohmann::json::array();
  for (const auto& v : run.variants) {
    nlohmann::json jv;
    jv["name"] = v.name;
    jv["description"] = v.description;
    nlohmann::json figs = nlohmann::json::object();
    for (const auto& f : v.figure_names) {
      const Band b = figure_band(v, f);
      figs[f] = {{"p5", jnum(b.p5)}, {"p50", jnum(b.p50)}, {"p95", jnum(b.p95)},
                 {"mean", jnum(b.mean)}, {"replicates_defined", b.n}};
    }
    jv["figures"] = figs;
    nlohmann::json by_purpose = nlohmann::json::object();
    for (int p = 0; p < engine::kPurposes; ++p) {
      const std::string name = engine::kPurposeNames[p];
      by_purpose[name] = figs["spend_" + name + "_usd"];
    }
    jv["spend_usd"] = figs["spend_usd"];
    jv["spend_by_purpose_usd"] = by_purpose;
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& c : checks) {
      if ((c.target.variant.empty() ? "base" : c.target.variant) != v.name) continue;
      nlohmann::json jt = {{"name", c.target.name}, {"metric", c.target.metric},
                           {"observed", c.defined ? jnum(c.observed) : nlohmann::json(nullptr)},
                           {"expectation", c.expectation}, {"tolerance", c.target.tolerance},
                           {"met", c.met}, {"source", c.target.source}};
      if (c.target.value) jt["value"] = *c.target.value;
      if (c.target.min) jt["min"] = *c.target.min;
      if (c.target.max) jt["max"] = *c.target.max;
      targets.push_back(jt);
    }
    jv["targets"] = targets;
    if (!v.replicates.empty()) {
      nlohmann::json alerts = nlohmann::json::array();
      for (const auto& a : v.replicates[0].alerts) {
        static const char* scope[] = {"seat", "team", "org"};
        static const char* kind[] = {"cap", "budget"};
        static const char* period[] = {"day", "month", "year"};
        alerts.push_back({{"day", a.day_index}, {"date", a.date.iso()},
                          {"scope", scope[static_cast<int>(a.scope)]}, {"id", a.id},
                          {"kind", kind[static_cast<int>(a.kind)]},
                          {"period", period[static_cast<int>(a.period)]},
                          {"threshold", a.threshold}, {"limit_usd", a.limit_micro_usd / 1e6},
                          {"forecast_exhausted_day", a.forecast_exhausted_day >= 0
                                                         ? nlohmann::json(a.forecast_exhausted_day)
                                                         : nlohmann::json(nullptr)}});
      }
      jv["alerts_replicate_0"] = alerts;
      nlohmann::json cut = nlohmann::json::array();
      for (double c : v.replicates[0].leaderboard_cutoffs) cut.push_back(c);
      jv["leaderboard_cutoffs_replicate_0"] = cut;
    }
    vs.push_back(jv);
  }
  j["variants"] = vs;
  bool all_met = true;
  for (const auto& c : checks) all_met = all_met && c.met;
  j["targets_met"] = all_met;
  return j;
}

std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write_daily_csv(std::ostream& os, const RunResult& run) {
  os << "variant,day,date,metric,p5,p50,p95,mean\n";
  os << std::setprecision(10);
  const auto& names = daily_metric_names();
  for (const auto& v : run.variants) {
    if (v.replicates.empty()) continue;
    for (std::size_t m = 0; m < names.size(); ++m) {
      for (int t = 0; t < run.days; ++t) {
        std::vector<double> xs;
        for (const auto& r : v.replicates) xs.push_back(r.daily[m][t]);
        const Band b = band(xs);
        if (b.n == 0) continue;
        os << v.name << ',' << t << ',' << (run.start + t).iso() << ',' << names[m] << ','
           << b.p5 << ',' << b.p50 << ',' << b.p95 << ',' << b.mean << '\n';
      }
    }
  }
}

void write_people_csv(std::ostream& os, const RunResult& run) {
  os << "variant,person,cohort,team,effort_real,effort_usage_gaming,effort_kpi_gaming";
  for (const char* p : engine::kPurposeNames) os << ",tokens_" << p;
  os << ",spend_usd,value_usd,rewarded_metric,pull_requests,commits,edits_accepted,"
        "edits_rejected,active_days,aware,capped_days\n";
  os << std::setprecision(10);
  for (const auto& v : run.variants) {
    if (v.replicates.empty()) continue;
    const People& p = v.replicates[0].people;
    for (std::size_t i = 0; i < p.size(); ++i) {
      os << v.name << ",e" << i << ',' << p.cohort_names[p.cohort[i]] << ",t" << p.team[i] << ','
         << p.effort_real[i] << ',' << p.effort_usage_gaming[i] << ',' << p.effort_kpi_gaming[i];
      for (int k = 0; k < engine::kPurposes; ++k) os << ',' << p.tokens[k][i];
      os << ',' << p.spend_usd[i] << ',' << p.value_usd[i] << ',' << p.rewarded_metric[i] << ','
         << p.pull_requests[i] << ',' << p.commits[i] << ',' << p.edits_accepted[i] << ','
         << p.edits_rejected[i] << ',' << p.active_days[i] << ',' << int(p.aware[i]) << ','
         << p.capped_days[i] << '\n';
    }
  }
}

std::string format_table(const RunResult& run, const std::vector<TargetCheck>& checks) {
  std::ostringstream os;
  os << run.scenario_name << " — " << run.employees << " employees, " << run.days << " days, "
     << run.replicates << " replicates, seed " << run.seed << "\n\n";
  struct Col {
    const char* head;
    int width;
  };
  const Col cols[] = {{"variant", 22}, {"spend P5", 10}, {"P50", 10}, {"P95", 10},
                      {"theatre", 8},  {"value/$", 8},   {"gap ρ", 8}, {"exhausted", 10},
                      {"alerts", 8},   {"capped", 8}};
  for (const auto& c : cols) os << std::left << std::setw(c.width) << c.head;
  os << "\n";
  for (const auto& v : run.variants) {
    const Band spend = figure_band(v, "spend_usd");
    const Band exhausted = figure_band(v, "budget_exhausted_day");
    std::string ex = "-";
    if (exhausted.n > 0) {
      ex = "day " + num(exhausted.p50);
      if (exhausted.n < static_cast<int>(v.replicates.size()))
        ex += " (" + std::to_string(exhausted.n) + "/" + std::to_string(v.replicates.size()) + ")";
    }
    std::string name = v.name.size() > 21 ? v.name.substr(0, 20) + "~" : v.name;
    os << std::left << std::setw(22) << name << std::setw(10) << usd(spend.p5) << std::setw(10)
       << usd(spend.p50) << std::setw(10) << usd(spend.p95) << std::setw(8)
       << pct(figure_band(v, "theatre_share").p50) << std::setw(8)
       << num(figure_band(v, "value_per_usd").p50) << std::setw(8)
       << fixed2(figure_band(v, "goodhart_gap_rank").p50) << std::setw(10) << ex << std::setw(8)
       << num(figure_band(v, "alerts").p50) << std::setw(8)
       << num(figure_band(v, "people_capped").p50) << "\n";
  }
  if (!checks.empty()) {
    os << "\nCalibration targets (P50 over replicates):\n";
    for (const auto& c : checks) {
      os << "  " << (c.met ? "[met]    " : "[MISSED] ") << c.target.name << ": "
         << c.target.metric << " = " << (c.defined ? num(c.observed) : "undefined") << ", expected "
         << c.expectation;
      if (!c.target.variant.empty()) os << " (variant " << c.target.variant << ")";
      os << "\n";
    }
  }
  return os.str();
}

}  // namespace goodhart::sim
