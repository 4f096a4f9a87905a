// Scenario files: the typed result, variants and dotted paths, every shipped scenario, the
// malformed corpus (expected message and line:col per file), and the schema/docs sync.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/schema.hpp"
#include "goodhart/sim/scenario_loader.hpp"

using namespace goodhart;
using namespace goodhart::sim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = GOODHART_SOURCE_DIR;
const std::string kMinimal = kSource + "/tests/regression/minimal/scenario.yaml";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const IncentiveScheme& scheme(const Scenario& s, const std::string& name) {
  for (const auto& i : s.incentives)
    if (i.name == name) return i;
  throw std::runtime_error("no scheme " + name);
}

const Cohort& cohort(const Scenario& s, const std::string& name) {
  for (const auto& c : s.cohorts)
    if (c.name == name) return c;
  throw std::runtime_error("no cohort " + name);
}

// A scenario in memory whose catalog path resolves from the repository root.
ScenarioDocument inline_doc(const std::string& body) {
  return ScenarioDocument::from_string(
      "meta: {name: t}\nhorizon: {start: 2026-09-07, days: 30}\n"
      "pricing: {catalog: scenarios/pricing/2026-08.yaml}\n" + body,
      kSource + "/inline.yaml");
}

std::vector<engine::Diagnostic> build_problems(const ScenarioDocument& doc) {
  try {
    doc.build();
  } catch (const engine::InputError& e) {
    return e.diagnostics();
  }
  return {};
}

}  // namespace

TEST_CASE("loader: the minimal scenario reads into the typed Scenario") {
  const Scenario s = load_scenario(kMinimal);
  CHECK(s.meta.name == "minimal");
  CHECK(s.meta.sources.size() == 1);
  CHECK(s.horizon.start.iso() == "2026-09-07");
  CHECK(s.horizon.days == 60);
  CHECK(s.horizon.workdays == std::array<bool, 7>{true, true, true, true, true, false, false});
  REQUIRE(s.pricing);
  CHECK(s.pricing->effective_date().iso() == "2026-08-21");
  CHECK(s.pricing_ref == "../../../scenarios/pricing/2026-08.yaml");

  REQUIRE(s.cohorts.size() == 2);
  CHECK(s.employees() == 52);
  const Cohort& eng = cohort(s, "engineers");
  CHECK(eng.seat_share == 0.9);
  CHECK(eng.token_mix.cache_read == 0.75);
  CHECK(eng.tasks_per_day.median == 5.0);
  CHECK(eng.tasks_per_day.sigma == 0.4);
  CHECK(eng.agents.per_person_mean == 0.5);
  CHECK(eng.agents.tokens_per_agent_day.median == 2.0e6);
  CHECK(eng.agents.loop_tokens_per_hour == 4.0e6);
  const Cohort& sup = cohort(s, "support");
  const Cohort defaults;
  CHECK(sup.p_fail == 0.08);
  CHECK(sup.active_day_prob == 0.6);
  CHECK(sup.tasks_per_day.median == defaults.tasks_per_day.median);  // unwritten: default
  CHECK(sup.seat_share == defaults.seat_share);

  CHECK(s.behaviour.cost[1] == 0.5);
  CHECK(s.behaviour.know_how.seed_share == 0.1);
  CHECK(s.behaviour.know_how.base_hazard == BehaviourSpec{}.know_how.base_hazard);

  const IncentiveScheme& lb = scheme(s, "leaderboard");
  CHECK(lb.kind == SchemeKind::leaderboard);
  CHECK(lb.metric == Metric::tokens);
  CHECK(lb.cohorts == std::vector<std::string>{"engineers"});
  CHECK(lb.window_days == 14);
  CHECK(lb.podium.places == 0);  // unwritten: no podium
  // Timeline: the leaderboard ends on day 25, caps start on day 40.
  CHECK(lb.window.start_day == 0);
  CHECK(lb.window.end_day == 25);
  CHECK(s.governance.caps.per_seat_month_usd == 300.0);
  CHECK(s.governance.caps.window.start_day == 40);
  CHECK_FALSE(s.governance.caps.window.contains(39));
  CHECK(s.governance.caps.window.contains(40));
  CHECK(s.governance.anomaly.action == engine::AnomalyAction::throttle);
  REQUIRE(s.timeline.size() == 2);
  CHECK(s.timeline[0].day == 25);
  CHECK_FALSE(s.timeline[0].start);
  CHECK(s.timeline[1].target == "governance.caps");

  CHECK(s.monte_carlo.replicates == 4);
  CHECK(s.monte_carlo.seed == 20260907u);
  REQUIRE(s.targets.size() == 1);
  CHECK(s.targets[0].variant == "no_leaderboard");
  CHECK(s.targets[0].min == 0.0);
  CHECK_FALSE(s.targets[0].value);
  REQUIRE(s.variants.size() == 2);
  CHECK(s.variants[1].name == "tight_caps");
}

TEST_CASE("loader: variants apply their overrides to a copy of the base") {
  const ScenarioDocument base = ScenarioDocument::load_file(kMinimal);
  CHECK(base.variant_names() == std::vector<std::string>{"no_leaderboard", "tight_caps"});

  const Scenario no_lb = base.with_variant("no_leaderboard").build();
  CHECK_FALSE(scheme(no_lb, "leaderboard").enabled);

  const ScenarioDocument tight_doc = base.with_variant("tight_caps");
  CHECK(tight_doc.variant() == "tight_caps");
  const Scenario tight = tight_doc.build();
  CHECK(tight.governance.caps.per_seat_month_usd == 150.0);
  CHECK(tight.governance.caps.per_seat_day_usd == 20.0);  // absent in the base: created
  CHECK(cohort(tight, "support").headcount == 20);
  // The variant replaced the whole timeline: caps now run from day 0.
  CHECK(tight.governance.caps.window.start_day == 0);
  CHECK(tight.timeline.size() == 1);

  // The base is untouched.
  const Scenario again = base.build();
  CHECK(again.governance.caps.per_seat_month_usd == 300.0);
  CHECK_FALSE(again.governance.caps.per_seat_day_usd);
  CHECK(cohort(again, "support").headcount == 12);

  CHECK_THROWS_WITH(base.with_variant("no_leaderbord"),
                    Catch::Contains("unknown variant 'no_leaderbord'; did you mean "
                                    "'no_leaderboard'? (variants: no_leaderboard, tight_caps)"));
}

TEST_CASE("loader: set and get by dotted path") {
  ScenarioDocument doc = ScenarioDocument::load_file(kMinimal);
  CHECK(doc.get("cohorts.engineers.headcount").as<int>() == 40);
  CHECK(doc.get("governance.caps.per_seat_month_usd").as<double>() == 300.0);

  doc.set("cohorts.engineers.headcount", YAML::Node(100));
  doc.set_from_string("governance.budgets.org_month_usd", "5000");
  doc.set_from_string("behaviour.baseline", "[1, 0.1, 0]");
  CHECK(doc.get("cohorts.engineers.headcount").as<int>() == 100);
  const Scenario s = doc.build();
  CHECK(cohort(s, "engineers").headcount == 100);
  CHECK(s.governance.budgets.org_month_usd == 5000.0);
  CHECK(s.behaviour.baseline[1] == 0.1);

  // Unknown paths name the failing segment, with a suggestion.
  CHECK_THROWS_WITH(doc.set("cohorts.enginers.headcount", YAML::Node(1)),
                    Catch::Contains("no cohort named 'enginers' in 'cohorts'; did you mean "
                                    "'engineers'?"));
  CHECK_THROWS_WITH(doc.set("governance.caps.per_seat_monthly_usd", YAML::Node(1)),
                    Catch::Contains("did you mean 'per_seat_month_usd'?"));
  CHECK_THROWS_WITH(doc.set("horizon.days.extra", YAML::Node(1)),
                    Catch::Contains("'horizon.days' is an integer; it has no key 'extra'"));
  CHECK_THROWS_WITH(doc.set("variants.tight_caps.description", YAML::Node("x")),
                    Catch::Contains("variants cannot be changed"));
  CHECK_THROWS_WITH(doc.set("timeline.x", YAML::Node(1)),
                    Catch::Contains("have no names; set the whole list"));
  // Bad values are refused and leave the document as it was.
  CHECK_THROWS_WITH(doc.set_from_string("cohorts.engineers.p_fail", "1.5"),
                    Catch::Contains("cannot set 'cohorts.engineers.p_fail': 'p_fail' must be in "
                                    "[0, 1], got 1.5"));
  CHECK_THROWS_AS(doc.set_from_string("cohorts.engineers.p_fail", "[1"), engine::InputError);
  CHECK(doc.build().cohorts[0].p_fail == Cohort{}.p_fail);

  CHECK_THROWS_WITH(doc.get("governance.caps.org_year_usd"),
                    Catch::Contains("'governance.caps.org_year_usd' is not set (its default is "
                                    "null)"));
  CHECK_THROWS_WITH(doc.get("cohorts.sales"), Catch::Contains("no cohort named 'sales'"));
}

TEST_CASE("loader: copies of a document are deep and keep source positions") {
  ScenarioDocument a = inline_doc(
      "cohorts:\n  - {name: eng, headcount: 5, model: claude-sonnet-4-5, p_fail: 2}\n");
  ScenarioDocument b = a;
  b.set("cohorts.eng.headcount", YAML::Node(9));
  CHECK(a.get("cohorts.eng.headcount").as<int>() == 5);
  CHECK(b.get("cohorts.eng.headcount").as<int>() == 9);
  a = b;
  CHECK(a.get("cohorts.eng.headcount").as<int>() == 9);
  // The override history is replayed: the copy's problem is still at its line:col.
  const auto problems = build_problems(a);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where.line == 5);
  CHECK(problems[0].where.col == 65);
}

TEST_CASE("loader: a problem in a value set by a program is reported with its path") {
  ScenarioDocument doc = inline_doc("cohorts:\n  - {name: eng, headcount: 5, model: claude-sonnet-4-5}\n");
  // Each share is valid alone; together they break the sum rule.
  doc.set_from_string("cohorts.eng.token_mix", "{input: 0.9, output: 0.9}");
  const auto problems = build_problems(doc);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where.line == 0);
  CHECK(problems[0].message.find("cohorts.eng.token_mix: 'token_mix' shares sum to 2.55") == 0);
}

TEST_CASE("loader: an inline pricing catalog is used for model names") {
  const auto doc = ScenarioDocument::from_string(
      "meta: {name: t}\nhorizon: {start: 2026-09-07}\n"
      "pricing:\n  inline:\n    catalog: {date: 2026-01-01}\n"
      "    models:\n      house-large: {input: 4, output: 20}\n      house-small: {input: 1, output: 4}\n"
      "cohorts:\n  - {name: eng, headcount: 3, model: house-larg}\n",
      "mem.yaml");
  const auto problems = build_problems(doc);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where.line == 10);
  CHECK(problems[0].message ==
        "unknown model 'house-larg' in pricing catalog 'inline' (2026-01-01); did you mean "
        "'house-large'?");
}

TEST_CASE("loader: validate_scenario_file accepts the minimal scenario and its variants") {
  CHECK(validate_scenario_file(kMinimal).empty());
}

TEST_CASE("loader: every shipped scenario and each of its variants is valid") {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kSource + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    const std::string path = entry.path().string();
    INFO(path);
    const auto problems = validate_scenario_file(path);
    for (const auto& p : problems) UNSCOPED_INFO(p.str());
    CHECK(problems.empty());
    const ScenarioDocument doc = ScenarioDocument::load_file(path);
    const Scenario s = doc.build();
    CHECK(!s.meta.name.empty());
    CHECK(s.employees() > 0);
    for (const auto& v : doc.variant_names()) CHECK_NOTHROW(doc.with_variant(v).build());
  }
  INFO("scenarios found: " << count);
  SUCCEED();
}

// Each file starts with one "# expect: LINE:COL: message" line per problem it must produce.
TEST_CASE("loader: malformed scenarios report each expected problem at its line:col") {
  const std::regex expect_re(R"(^# expect: (\d+):(\d+): (.+)$)");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource + "/tests/sim/malformed"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 30);
  for (const auto& file : files) {
    INFO(file.filename().string());
    std::vector<std::tuple<int, int, std::string>> expected;
    std::istringstream in(read_text(file.string()));
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_match(line, m, expect_re)) break;
      expected.emplace_back(std::stoi(m[1]), std::stoi(m[2]), m[3]);
    }
    REQUIRE_FALSE(expected.empty());
    const auto problems = validate_scenario_file(file.string());
    for (const auto& p : problems) UNSCOPED_INFO("got " << p.str());
    CHECK(problems.size() == expected.size());
    for (const auto& [line, col, text] : expected) {
      INFO("expected " << line << ":" << col << ": " << text);
      const bool found = std::any_of(problems.begin(), problems.end(), [&](const auto& p) {
        return p.where.file == file.string() && p.where.line == line && p.where.col == col &&
               p.message.find(text) != std::string::npos;
      });
      CHECK(found);
    }
  }
}

TEST_CASE("loader: every error of a file is reported in one InputError by build()") {
  const auto doc = ScenarioDocument::load_file(kSource +
                                               "/tests/sim/malformed/29_three_errors.yaml");
  try {
    doc.build();
    FAIL("expected an InputError");
  } catch (const engine::InputError& e) {
    CHECK(e.diagnostics().size() == 3);
    // what() lists them one per line, sorted by position.
    const std::string what = e.what();
    CHECK(what.find(":11:5:") < what.find(":12:13:"));
    CHECK(what.find(":12:13:") < what.find(":13:16:"));
  }
}

TEST_CASE("loader: scenarios/schema.json is generated from the schema") {
  const std::string path = kSource + "/scenarios/schema.json";
  INFO("regenerate with: goodhart validate --print-schema > scenarios/schema.json");
  const nlohmann::json on_disk = nlohmann::json::parse(read_text(path));
  CHECK(on_disk == engine::to_json_schema(scenario_schema(), "goodhart scenario"));
}

TEST_CASE("loader: docs/scenarios.md has the generated reference and every key") {
  const std::string doc = read_text(kSource + "/docs/scenarios.md");
  const std::string begin = "<!-- reference:begin -->\n", end = "<!-- reference:end -->";
  const auto b = doc.find(begin), e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  INFO("regenerate the table with: goodhart validate --print-reference");
  CHECK(doc.substr(b + begin.size(), e - b - begin.size()) ==
        engine::to_markdown_table(scenario_schema()));
  for (const auto& path : engine::schema_paths(scenario_schema())) {
    INFO(path);
    CHECK(doc.find("`" + path + "`") != std::string::npos);
  }
  CHECK(doc.find("## Shipped scenarios") != std::string::npos);
}

TEST_CASE("loader: the schema covers every section of a scenario") {
  std::vector<std::string> top;
  for (const auto& c : scenario_schema().children) top.push_back(c.key);
  CHECK(top == std::vector<std::string>{"meta", "horizon", "pricing", "cohorts", "behaviour",
                                        "incentives", "governance", "timeline", "monte_carlo",
                                        "targets", "variants"});
  // Defaults in the schema are the struct initializers (the model defaults).
  const auto& cohorts = *scenario_schema().child("cohorts");
  CHECK(cohorts.child("tasks_per_day")->child("median")->default_text == "4");
  CHECK(cohorts.child("tokens_per_task")->child("median")->default_text == "150000");
  CHECK(cohorts.child("p_fail")->default_text == "0.05");
  CHECK(scenario_schema().child("horizon")->child("workdays")->default_text ==
        "[mon, tue, wed, thu, fri]");
  CHECK(scenario_schema().child("governance")->child("alerts")->child("thresholds")->default_text ==
        "[0.5, 0.75, 0.9]");
}

TEST_CASE("loader: variant paths into absent sections are checked without changing the base") {
  const ScenarioDocument doc = inline_doc(
      "cohorts:\n  - {name: eng, headcount: 5, model: claude-sonnet-4-5}\n"
      "variants:\n  - name: house\n    set:\n      pricing.inline.models.house.input: 1\n"
      "      governance.anomaly.enabled: true\n");
  const std::string before = YAML::Dump(doc.root());
  CHECK(validate_scenario_file(doc.file()).size() == 1);  // the file does not exist
  CHECK(build_problems(doc).empty());
  CHECK(YAML::Dump(doc.root()) == before);
  // Applying it creates what is missing; the inline catalog then conflicts with 'catalog'
  // and lacks keys. Problems of created nodes are reported at the override that made them.
  const auto problems = build_problems(doc.with_variant("house"));
  REQUIRE(problems.size() == 3);
  for (const auto& p : problems) {
    CHECK(p.where.line == 9);
    CHECK(p.where.col == 7);
    CHECK(p.message.rfind("(variant 'house') ", 0) == 0);
  }
  CHECK(std::any_of(problems.begin(), problems.end(), [](const auto& p) {
    return p.message.find("'pricing' takes only one of 'catalog' or 'inline'") !=
           std::string::npos;
  }));
  CHECK(doc.with_variant("house").get("governance.anomaly.enabled").as<bool>());
}
