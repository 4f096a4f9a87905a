// Golden regression cases (tests/regression/<case>/): a scenario (scenario.yaml) run at its
// seed, or an export (export.csv) audited, compared with expected.json exactly for integers
// and strings and within 1e-12 relative for other numbers. A change that moves a number must
// regenerate the files on purpose (scripts/regenerate-golden) and say why in the commit.
// Two cases are also checked against calculations made without the code under test.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "goodhart/engine/audit.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/sim/report.hpp"
#include "goodhart/sim/run.hpp"
#include "goodhart/sim/scenario_loader.hpp"

using namespace goodhart;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = GOODHART_SOURCE_DIR;
const fs::path kCases = kSource / "tests" / "regression";
const std::string kCatalog = (kSource / "scenarios" / "pricing" / "2026-08.yaml").string();

bool regenerating() { return std::getenv("GOODHART_REGENERATE_GOLDEN") != nullptr; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The figures of a run as summary.json gives them, less what depends on the machine (time,
// threads, paths), plus the exact ledger of every replicate in micro-dollars.
json scenario_figures(const sim::ScenarioDocument& doc, std::optional<std::uint64_t> seed = std::nullopt) {
  sim::RunOptions opt;
  opt.seed = seed;
  const sim::RunResult run = sim::run_scenario(doc, {}, opt);
  json j = sim::summary_json(run, sim::check_targets(doc.build().targets, run));
  j.erase("elapsed_seconds");
  j.erase("threads");
  j["scenario"].erase("file");
  json ledger = json::object();
  for (const auto& v : run.variants) {
    json reps = json::array();
    for (const auto& r : v.replicates) {
      json by_purpose = json::object();
      for (int p = 0; p < engine::kPurposes; ++p) by_purpose[engine::kPurposeNames[p]] = r.spend_micro_by_purpose[p];
      reps.push_back({{"total", r.spend_micro_total}, {"by_purpose", by_purpose}, {"by_cohort", r.spend_micro_by_cohort}});
    }
    ledger[v.name] = reps;
  }
  j["ledger_micro_usd"] = ledger;
  return j;
}

engine::UsageDataset read_export(const fs::path& file) {
  static const auto catalog = engine::PricingCatalog::load_file(kCatalog);
  engine::Ingestor ing(catalog);
  // Named without its folder, so expected.json does not depend on where the tree lives.
  ing.read_string(slurp(file), file.filename().string());
  return ing.finish();
}

json audit_figures(const fs::path& file) {
  const auto ds = read_export(file);
  return json::parse(engine::audit_json(engine::run_audit(ds, engine::AuditOptions{}), ds));
}

json case_figures(const fs::path& dir) {
  if (fs::exists(dir / "scenario.yaml")) return scenario_figures(sim::ScenarioDocument::load_file((dir / "scenario.yaml").string()));
  return audit_figures(dir / "export.csv");
}

// Differences between expected and actual, each as "path: expected X, got Y".
void diff(const json& want, const json& got, const std::string& path, std::vector<std::string>& out) {
  auto show = [](const json& v) { return v.dump(); };
  if (want.is_number() && got.is_number()) {
    if (want.is_number_float() || got.is_number_float()) {
      const double a = want.get<double>(), b = got.get<double>();
      if (a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b))) return;
    } else if (want == got) {
      return;
    }
    out.push_back(path + ": expected " + show(want) + ", got " + show(got));
  } else if (want.type() != got.type()) {
    out.push_back(path + ": expected " + show(want) + ", got " + show(got));
  } else if (want.is_object()) {
    for (const auto& [k, v] : want.items())
      if (!got.contains(k)) out.push_back(path + "." + k + ": missing");
      else diff(v, got[k], path + "." + k, out);
    for (const auto& [k, v] : got.items())
      if (!want.contains(k)) out.push_back(path + "." + k + ": new, not in expected.json");
  } else if (want.is_array()) {
    if (want.size() != got.size())
      out.push_back(path + ": expected " + std::to_string(want.size()) + " elements, got " + std::to_string(got.size()));
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) diff(want[i], got[i], path + "[" + std::to_string(i) + "]", out);
  } else if (want != got) {
    out.push_back(path + ": expected " + show(want) + ", got " + show(got));
  }
}

std::vector<fs::path> cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kCases))
    if (e.is_directory() && (fs::exists(e.path() / "expected.json") || regenerating()) &&
        (fs::exists(e.path() / "scenario.yaml") || fs::exists(e.path() / "export.csv")) &&
        e.path().filename() != "minimal")  // a shared fixture that other tests edit, not a golden case
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

const json& expected_of(const std::string& name) {
  static std::map<std::string, json> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, json::parse(slurp(kCases / name / "expected.json"))).first;
  return it->second;
}

double figure_p50(const json& j, const std::string& variant, const std::string& figure) {
  for (const auto& v : j["variants"])
    if (v["name"] == variant) return v["figures"][figure]["p50"].get<double>();
  FAIL("no variant " << variant);
  return 0;
}

// Micro-dollars per hand_checked task, from the catalog file read with yaml-cpp: independent
// of the engine's pricing code. Token split: 25,000 / 12,500 / 50,000 / 12,500.
std::int64_t hand_checked_task_price_micro() {
  const YAML::Node m = YAML::LoadFile(kCatalog)["models"]["claude-sonnet-4-6"];
  const double usd_x_mtok = 25'000 * m["input"].as<double>() + 12'500 * m["output"].as<double>() +
                            50'000 * m["cache_read"].as<double>() + 12'500 * m["cache_write_5m"].as<double>();
  return std::llround(usd_x_mtok);  // USD per MTok x tokens = micro-dollars
}

}  // namespace

TEST_CASE("golden: every regression case matches its expected.json", "[golden]") {
  const auto all = cases();
  REQUIRE(all.size() >= 3);
  for (const auto& dir : all) {
    const std::string name = dir.filename().string();
    INFO("case " << name);
    const json got = case_figures(dir);
    if (regenerating()) {
      std::ofstream(dir / "expected.json") << got.dump(2) << "\n";
      WARN("regenerated " << (dir / "expected.json").string());
      continue;
    }
    std::vector<std::string> differences;
    diff(expected_of(name), got, name, differences);
    std::ostringstream msg;
    for (std::size_t i = 0; i < differences.size() && i < 30; ++i) msg << differences[i] << "\n";
    if (differences.size() > 30) msg << "... and " << differences.size() - 30 << " more\n";
    INFO(msg.str() << "If the change is intended, run scripts/regenerate-golden and give the reason in the commit message.");
    CHECK(differences.empty());
  }
}

TEST_CASE("golden: the seed decides the numbers and nothing else does", "[golden]") {
  const auto doc = sim::ScenarioDocument::load_file((kCases / "seed_stability" / "scenario.yaml").string());
  const json a = scenario_figures(doc), b = scenario_figures(doc);
  CHECK(a == b);
  const json other = scenario_figures(doc, a["seed"].get<std::uint64_t>() + 1);
  CHECK(other["ledger_micro_usd"] != a["ledger_micro_usd"]);
}

TEST_CASE("golden: hand_checked spend is tasks times a price computed from the catalog by hand", "[golden]") {
  const std::int64_t per_task = hand_checked_task_price_micro();
  CHECK(per_task == 324'375);  // README.md: 75,000 + 187,500 + 15,000 + 46,875
  const auto doc = sim::ScenarioDocument::load_file((kCases / "hand_checked" / "scenario.yaml").string());
  const sim::Scenario s = doc.build();
  // Checked on a fresh run and on the stored expected values alike.
  std::vector<std::pair<std::string, json>> sources{{"fresh run", scenario_figures(doc)}};
  if (!regenerating()) sources.emplace_back("expected.json", expected_of("hand_checked"));
  for (const auto& [what, j] : sources) {
    INFO(what);
    const auto& reps = j["ledger_micro_usd"]["base"];
    REQUIRE(reps.size() == 3);
    for (const auto& r : reps) {
      const std::int64_t total = r["total"].get<std::int64_t>();
      CHECK(total % per_task == 0);
      const std::int64_t tasks = total / per_task;
      // E[tasks] = 100 people x 10 workdays x 4; Poisson sd = sqrt(4000) ~ 63.
      CHECK(std::abs(tasks - 4000) < 5 * 64);
      CHECK(r["by_purpose"]["productive"].get<std::int64_t>() == total);
      for (const char* p : {"retry", "agent", "loop", "gaming"}) CHECK(r["by_purpose"][p].get<std::int64_t>() == 0);
    }
    // With one replicate's figures: tokens are tasks x 100,000, value is tasks x $40.
    const double tokens = figure_p50(j, "base", "tokens_productive");
    const double spend = figure_p50(j, "base", "spend_usd");
    const double value = figure_p50(j, "base", "value_usd");
    const double tasks = tokens / 100'000;
    CHECK(tasks == std::floor(tasks));
    CHECK(spend == Approx(tasks * per_task / 1e6).epsilon(1e-12));
    CHECK(value == Approx(40.0 * tasks).epsilon(1e-12));
    CHECK(figure_p50(j, "base", "value_per_usd") == Approx(40.0 / 0.324375).epsilon(1e-9));
  }
  CHECK(s.employees() == 100);
}

TEST_CASE("golden: hand_checked top decile against the median is the hand calculation with ties shared", "[golden]") {
  // Tokens are tasks x 100,000, so many people tie; those at the decile's edge share its last
  // places. Recomputed here from replicate 0's people: sort, whole groups of equal tokens while
  // they fit, the edge group pro rata; the median as numpy's (mean of the middle two).
  const auto doc = sim::ScenarioDocument::load_file((kCases / "hand_checked" / "scenario.yaml").string());
  sim::RunOptions opt;
  opt.replicates = 1;
  const sim::RunResult run = sim::run_scenario(doc, {"base"}, opt);
  const sim::VariantResult& v = run.variants.at(0);
  const sim::People& p = v.replicates.at(0).people;
  std::vector<std::pair<double, double>> users;  // (tokens, pull requests)
  for (std::size_t i = 0; i < p.size(); ++i) {
    double tokens = 0.0;
    for (const auto& t : p.tokens) tokens += t[i];
    if (tokens > 0) users.emplace_back(tokens, p.pull_requests[i]);
  }
  REQUIRE(users.size() >= 10);
  std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const std::size_t dec = users.size() / 10;
  double top_tok = 0.0, top_out = 0.0;
  std::size_t left = dec;
  bool split = false;
  for (std::size_t i = 0; i < users.size() && left > 0;) {
    std::size_t j = i;
    double tok = 0.0, out = 0.0;
    for (; j < users.size() && users[j].first == users[i].first; ++j) tok += users[j].first, out += users[j].second;
    const double share = j - i <= left ? 1.0 : static_cast<double>(left) / static_cast<double>(j - i);
    split = split || share < 1.0;
    top_tok += share * tok;
    top_out += share * out;
    left -= std::min(left, j - i);
    i = j;
  }
  CHECK(split);  // the case does exercise a tie at the edge
  auto median = [](std::vector<double> x) {
    std::sort(x.begin(), x.end());
    const std::size_t n = x.size();
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  };
  std::vector<double> tok, out;
  for (const auto& [t, o] : users) tok.push_back(t), out.push_back(o);
  auto figure = [&](const std::string& name) {
    const auto at = std::find(v.figure_names.begin(), v.figure_names.end(), name);
    REQUIRE(at != v.figure_names.end());
    return v.replicates[0].figures[static_cast<std::size_t>(at - v.figure_names.begin())];
  };
  CHECK(figure("top10_vs_median_tokens") == Approx(top_tok / dec / median(tok)).epsilon(1e-12));
  CHECK(figure("top10_vs_median_output") == Approx(top_out / dec / median(out)).epsilon(1e-12));
}

TEST_CASE("golden: audit_export spend by person and model and week is the hand calculation", "[golden]") {
  const auto ds = read_export(kCases / "audit_export" / "export.csv");
  REQUIRE(ds.report().rejected == 0);
  const engine::AuditResult res = engine::run_audit(ds, engine::AuditOptions{});
  auto person = [&](const std::string& name) -> const engine::UsageStats& {
    const auto id = ds.find_person(name);
    REQUIRE(id);
    for (const auto& p : res.people)
      if (p.person == *id) return p.stats;
    FAIL("no audit row for " << name);
    return res.total;
  };
  CHECK(person("ana@corp.com").spend == 6'500'000);
  CHECK(person("ben@corp.com").spend == 1'373'456);
  CHECK(person("chlo\xC3\xA9@corp.com").spend == 4'625'000);
  CHECK(res.total.spend == 12'498'456);
  std::map<std::string, engine::MicroUsd> by_model;
  for (const auto& m : res.model_periods) by_model[m.name] += m.stats.spend;
  CHECK(by_model == std::map<std::string, engine::MicroUsd>{{"claude-haiku-4-5", 4'625'000},
                                                           {"claude-opus-4-7", 2'000'000},
                                                           {"claude-sonnet-4-6", 4'500'000},
                                                           {"gpt-5", 1'373'456}});
  REQUIRE(res.periods.size() == 2);
  CHECK(res.periods[0].start == *engine::parse_date("2026-06-01"));
  engine::MicroUsd week1 = 0;
  for (const auto& pp : res.person_periods)
    if (pp.period == 0) week1 += pp.stats.spend;
  CHECK(week1 == 7'873'456);
  REQUIRE(person("ana@corp.com").cost_per_pr());
  CHECK(*person("ana@corp.com").cost_per_pr() == Approx(6.5));
  REQUIRE(person("chlo\xC3\xA9@corp.com").cost_per_pr());
  CHECK(*person("chlo\xC3\xA9@corp.com").cost_per_pr() == Approx(2.3125));
}
