// The governance block: parsing into PolicyConfig, its checks, and standalone policy files.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/policy_schema.hpp"
#include "goodhart/engine/yaml_util.hpp"

using namespace goodhart::engine;

namespace {

PolicyConfig parse(const std::string& yaml, std::vector<Diagnostic>* problems = nullptr) {
  DiagnosticList diags("p.yaml");
  PolicyConfig p = parse_policy(load_yaml_string(yaml, "p.yaml"), diags);
  if (problems) *problems = diags.items();
  else if (!diags.empty()) FAIL(diags.items().front().str());
  return p;
}

bool has(const std::vector<Diagnostic>& ds, int line, int col, const std::string& text) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
    return d.where.line == line && d.where.col == col &&
           d.message.find(text) != std::string::npos;
  });
}

// A file in a fresh temporary folder, removed with the object. CTest may run test cases
// as parallel processes: the folder name includes the process id.
struct TempFile {
  std::filesystem::path dir;
  std::string path;
  explicit TempFile(const std::string& text) {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("goodhart_policy_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    std::filesystem::create_directories(dir);
    path = (dir / "policy.yaml").string();
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_CASE("policy: every key of the governance block reaches PolicyConfig") {
  const PolicyConfig p = parse(R"(
caps: {per_seat_day_usd: 20, per_seat_month_usd: 300, team_month_usd: 2000,
       org_month_usd: 50000, org_year_usd: 500000}
budgets: {per_seat_month_usd: 200, team_month_usd: 1500, org_month_usd: 40000,
          org_year_usd: 400000}
alerts: {enabled: false, thresholds: [0.8, 1]}
anomaly: {enabled: true, halflife_days: 3, z: 2.5, ratio: 4, min_usd: 10, warmup_days: 2,
          action: stop_agents}
model_approval: {enabled: true, models: [claude-opus-4-5], substitute: claude-sonnet-4-5,
                 productivity: 0.8, approved_share: 0.1}
enforcement: {settle_delay_hours: 1.5}
)");
  CHECK(p.caps.per_seat_day_usd == 20.0);
  CHECK(p.caps.per_seat_month_usd == 300.0);
  CHECK(p.caps.team_month_usd == 2000.0);
  CHECK(p.caps.org_month_usd == 50000.0);
  CHECK(p.caps.org_year_usd == 500000.0);
  CHECK(p.budgets.per_seat_month_usd == 200.0);
  CHECK(p.budgets.team_month_usd == 1500.0);
  CHECK(p.budgets.org_month_usd == 40000.0);
  CHECK(p.budgets.org_year_usd == 400000.0);
  CHECK_FALSE(p.alerts.enabled);
  CHECK(p.alerts.thresholds == std::vector<double>{0.8, 1.0});
  CHECK(p.anomaly.enabled);
  CHECK(p.anomaly.halflife_days == 3.0);
  CHECK(p.anomaly.z == 2.5);
  CHECK(p.anomaly.ratio == 4.0);
  CHECK(p.anomaly.min_usd == 10.0);
  CHECK(p.anomaly.warmup_days == 2);
  CHECK(p.anomaly.action == AnomalyAction::stop_agents);
  CHECK(p.model_approval.enabled);
  CHECK(p.model_approval.models == std::vector<std::string>{"claude-opus-4-5"});
  CHECK(p.model_approval.substitute == "claude-sonnet-4-5");
  CHECK(p.model_approval.productivity == 0.8);
  CHECK(p.model_approval.approved_share == 0.1);
  CHECK(p.settle_delay_hours == 1.5);
  // Windows are set by scenario timelines, never by keys.
  CHECK(p.caps.window.start_day == 0);
  CHECK(p.caps.window.contains(1000000));
}

TEST_CASE("policy: an empty block and absent keys give the model defaults") {
  const PolicyConfig p = parse("");
  const PolicyConfig defaults;
  CHECK_FALSE(p.caps.any());
  CHECK(p.alerts.enabled == defaults.alerts.enabled);
  CHECK(p.alerts.thresholds == std::vector<double>{0.5, 0.75, 0.9});
  CHECK(p.anomaly.halflife_days == defaults.anomaly.halflife_days);
  CHECK(p.anomaly.action == AnomalyAction::alert);
  CHECK(parse("caps: {per_seat_day_usd: null}\n").caps.per_seat_day_usd == std::nullopt);
}

TEST_CASE("policy: every problem in the block is reported, with its location") {
  std::vector<Diagnostic> ds;
  parse("caps:\n  per_seat_montly_usd: 10\n  org_month_usd: -5\n"
        "alerts: {thresholds: [0, 0.5, 1.5]}\n"
        "anomaly: {action: block, warmup_days: 1.5}\n"
        "model_approval: {productivity: 0}\n"
        "enforcment: {settle_delay_hours: 1}\n",
        &ds);
  CHECK(has(ds, 2, 3, "unknown key 'per_seat_montly_usd'; did you mean 'per_seat_month_usd'?"));
  CHECK(has(ds, 3, 18, "'org_month_usd' must be >= 0, got -5"));
  CHECK(has(ds, 4, 23, "'thresholds[0]' must be in (0, 1], got 0"));
  CHECK(has(ds, 4, 31, "'thresholds[2]' must be in (0, 1], got 1.5"));
  CHECK(has(ds, 5, 19, "'action' must be one of alert, throttle, stop_agents; got 'block'"));
  CHECK(has(ds, 5, 39, "'warmup_days' must be a whole number, got 1.5"));
  CHECK(has(ds, 6, 32, "'productivity' must be in (0, 1], got 0"));
  CHECK(has(ds, 7, 1, "unknown key 'enforcment'; did you mean 'enforcement'?"));
  CHECK(ds.size() == 8);
}

TEST_CASE("policy: model approval needs models and a substitute that is not one of them") {
  std::vector<Diagnostic> ds;
  parse("model_approval:\n  enabled: true\n", &ds);
  REQUIRE(ds.size() == 2);
  CHECK(has(ds, 2, 3, "lists no model needing approval"));
  CHECK(has(ds, 2, 3, "has no 'substitute' model"));
  parse("model_approval: {enabled: true, models: [a, b], substitute: b}\n", &ds);
  REQUIRE(ds.size() == 1);
  CHECK(has(ds, 1, 61, "the substitute 'b' itself needs approval"));
  // Disabled: the same content is only a draft, not an error.
  parse("model_approval: {enabled: false}\n", &ds);
  CHECK(ds.empty());
}

TEST_CASE("policy: the schema has exactly the documented keys") {
  const std::vector<std::string> expected{
      "caps", "caps.per_seat_day_usd", "caps.per_seat_month_usd", "caps.team_month_usd",
      "caps.org_month_usd", "caps.org_year_usd", "budgets", "budgets.per_seat_month_usd",
      "budgets.team_month_usd", "budgets.org_month_usd", "budgets.org_year_usd", "alerts",
      "alerts.enabled", "alerts.thresholds", "anomaly", "anomaly.enabled",
      "anomaly.halflife_days", "anomaly.z", "anomaly.ratio", "anomaly.min_usd",
      "anomaly.warmup_days", "anomaly.action", "model_approval", "model_approval.enabled",
      "model_approval.models", "model_approval.substitute", "model_approval.productivity",
      "model_approval.approved_share", "enforcement", "enforcement.settle_delay_hours"};
  CHECK(schema_paths(policy_schema()) == expected);
}

TEST_CASE("policy files: wrapped in 'governance:' or bare, with optional meta") {
  {
    TempFile f("meta: {name: tight, sources: [finance]}\ngovernance:\n  caps: {org_month_usd: 1000}\n");
    CHECK(load_policy_file(f.path).caps.org_month_usd == 1000.0);
  }
  {
    TempFile f("meta: {name: bare}\ncaps: {per_seat_day_usd: 5}\nanomaly: {enabled: true}\n");
    const PolicyConfig p = load_policy_file(f.path);
    CHECK(p.caps.per_seat_day_usd == 5.0);
    CHECK(p.anomaly.enabled);
  }
}

TEST_CASE("policy files: problems are reported with the file's name and all at once") {
  TempFile f("governance:\n  caps: {org_month_usd: -1}\nmetta: {name: x}\n");
  try {
    load_policy_file(f.path);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const auto& ds = e.diagnostics();
    REQUIRE(ds.size() == 2);
    CHECK(ds[0].where.file == f.path);
    CHECK(has(ds, 2, 25, "'org_month_usd' must be >= 0, got -1"));
    CHECK(has(ds, 3, 1, "unknown key 'metta'; did you mean 'meta'?"));
  }
  TempFile empty("# nothing\n");
  CHECK_THROWS_WITH(load_policy_file(empty.path),
                    Catch::Contains("policy file is empty"));
  CHECK_THROWS_AS(load_policy_file(f.path + ".missing"), InputError);
}
