// Replay of governance policies on constructed histories: what caps block and when, seat
// and organisation alerts with their dates and forecasts, enforcement lag, timeline windows,
// anomaly throttling, outcomes at risk, and the CLI path from a policy file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "goodhart/engine/replay.hpp"
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

namespace {

UsageRecord rec(int day, const std::string& person, double usd, std::int64_t prs = 0) {
  UsageRecord r;
  r.day = *parse_date("2026-06-01") + day;
  r.person = person;
  r.team = "t";
  r.model = "m";
  r.cost = static_cast<MicroUsd>(std::llround(usd * 1e6));
  r.tokens[TokenType::output] = 1;
  r.outcomes.pull_requests = prs;
  return r;
}

UsageDataset build(const std::vector<UsageRecord>& rs) {
  Ingestor ing(catalog());
  for (const auto& r : rs) ing.add(r);
  return ing.finish();
}

constexpr MicroUsd usd(double v) { return static_cast<MicroUsd>(v * 1'000'000); }

}  // namespace

TEST_CASE("replay: a per-seat daily cap blocks the excess, and its outcomes are at risk", "[replay]") {
  const auto d = build({rec(0, "a", 50, 2), rec(0, "b", 10, 1), rec(1, "a", 20, 1)});
  PolicyConfig p;
  p.caps.per_seat_day_usd = 30;
  const auto r = run_replay(d, p);
  CHECK(r.requested == usd(80));
  CHECK(r.allowed == usd(30 + 10 + 20));
  CHECK(r.saved() == usd(20));
  CHECK(r.blocked_person_days == 1);
  CHECK(r.outcomes_at_risk.pull_requests == 2);
  CHECK(r.outcomes_total.pull_requests == 4);
  REQUIRE(r.events.size() == 1);
  CHECK(d.people()[r.events[0].person].name == "a");
  CHECK(r.events[0].day == *parse_date("2026-06-01"));
  CHECK(r.events[0].capped);
  CHECK(r.events[0].allowed == usd(30));
  REQUIRE(r.days.size() == 2);
  CHECK(r.days[0].people_capped == 1);
}

TEST_CASE("replay: a monthly seat cap runs out, with alerts at 50/75/90 % on their days", "[replay]") {
  std::vector<UsageRecord> rs;
  for (int day = 0; day < 4; ++day) rs.push_back(rec(day, "a", 40, 1));
  const auto d = build(rs);
  PolicyConfig p;
  p.caps.per_seat_month_usd = 100;
  const auto r = run_replay(d, p);
  // 40 + 40 + 20 (the cap's rest) + 0.
  CHECK(r.allowed == usd(100));
  CHECK(r.saved() == usd(60));
  CHECK(r.blocked_person_days == 2);
  CHECK(r.people[*d.find_person("a")].outcomes_at_risk.pull_requests == 2);
  REQUIRE(r.alerts.size() == 3);
  CHECK(r.alerts[0].event.threshold == 0.5);
  CHECK(r.alerts[0].event.date == *parse_date("2026-06-02"));  // 80 of 100 after day 2
  CHECK(r.alerts[1].event.threshold == 0.75);
  CHECK(r.alerts[1].event.date == *parse_date("2026-06-02"));
  CHECK(r.alerts[2].event.threshold == 0.9);
  CHECK(r.alerts[2].event.date == *parse_date("2026-06-03"));
  CHECK(r.alerts[2].subject == "a");
}

TEST_CASE("replay: enforcement lag lets in-flight spend through after a cap trips", "[replay]") {
  const auto d = build({rec(0, "a", 50), rec(0, "b", 100)});
  PolicyConfig p;
  p.caps.per_seat_day_usd = 30;
  p.settle_delay_hours = 12;  // half a day's request is in flight when the cap trips
  const auto r = run_replay(d, p);
  // a: min(50, 30 + 25) = 50, not capped; b: min(100, 30 + 50) = 80.
  CHECK(r.people[*d.find_person("a")].allowed == usd(50));
  CHECK(r.people[*d.find_person("b")].allowed == usd(80));
  CHECK(r.blocked_person_days == 1);
}

TEST_CASE("replay: an organisation budget alerts with a forecast, never blocks", "[replay]") {
  std::vector<UsageRecord> rs;
  for (int day = 0; day < 12; ++day) rs.push_back(rec(day, "a", 100));
  const auto d = build(rs);
  PolicyConfig p;
  p.budgets.org_month_usd = 1000;
  const auto r = run_replay(d, p);
  CHECK(r.saved() == 0);
  REQUIRE(r.alerts.size() == 3);
  // $500 after five days at $100 a day: the other $500 go in five more, by day index 9.
  CHECK(r.alerts[0].event.date == *parse_date("2026-06-05"));
  CHECK(r.alerts[0].event.forecast_exhausted_day == 9);
  CHECK(r.alerts[0].subject == "organisation");
  CHECK(r.alerts[2].event.date == *parse_date("2026-06-09"));
  REQUIRE(r.org_exhausted);
  CHECK(*r.org_exhausted == *parse_date("2026-06-10"));
}

TEST_CASE("replay: caps act only inside their timeline window", "[replay]") {
  std::vector<UsageRecord> rs;
  for (int day = 0; day < 4; ++day) rs.push_back(rec(day, "a", 50));
  PolicyConfig p;
  p.caps.per_seat_day_usd = 30;
  p.caps.window = Window{2, 1000};
  const auto r = run_replay(build(rs), p);
  CHECK(r.saved() == usd(40));
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].day == *parse_date("2026-06-03"));
}

TEST_CASE("replay: anomaly throttling holds a spike to the detector's threshold", "[replay]") {
  std::vector<UsageRecord> rs;
  for (int day = 0; day < 10; ++day) rs.push_back(rec(day, "a", 10));
  rs.push_back(rec(10, "a", 200, 3));
  PolicyConfig p;
  p.anomaly.enabled = true;
  p.anomaly.action = AnomalyAction::throttle;
  const auto r = run_replay(build(rs), p);
  // Baseline $10 with no spread: the threshold is max($20 floor, 5 x $10, $10 + 4 x 0) = $50.
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].anomaly);
  CHECK_FALSE(r.events[0].capped);
  CHECK(r.events[0].allowed == usd(50));
  CHECK(r.saved() == usd(150));
  CHECK(r.outcomes_at_risk.pull_requests == 3);

  p.anomaly.action = AnomalyAction::alert;  // alert only: nothing held back
  const auto a = run_replay(build(rs), p);
  CHECK(a.saved() == 0);
  REQUIRE(a.events.size() == 1);
  CHECK(a.events[0].anomaly);
  CHECK(a.blocked_person_days == 0);
}

TEST_CASE("replay: a policy file through the CLI, with outputs and exit codes", "[replay][cli]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("goodhart_replay_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "usage.csv") << "date,person,team,model,cost_usd,pull_requests\n"
                                      "2026-06-01,a,t,m,50,2\n2026-06-01,b,t,m,10,1\n2026-06-02,a,t,m,20,1\n";
  std::ofstream(dir / "policy.yaml") << "governance:\n  caps:\n    per_seat_day_usd: 30\n";
  std::ofstream(dir / "typo.yaml") << "governance:\n  caps:\n    per_seat_dya_usd: 30\n";
  const std::string cli = GOODHART_CLI;
  auto run = [&](const std::string& args) {
    const int st = std::system((cli + " replay " + args + " > " + (dir / "stdout").string() + " 2>&1").c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  CHECK(run((dir / "usage.csv").string() + " --policy " + (dir / "policy.yaml").string() + " --out " +
            (dir / "out").string()) == 0);
  std::ifstream jf(dir / "out" / "replay.json");
  const auto j = nlohmann::json::parse(jf);
  CHECK(j["saved_micro_usd"] == usd(20));
  CHECK(j["requested_micro_usd"] == usd(80));
  CHECK(j["allowed_micro_usd"] == usd(60));
  CHECK(j["outcomes_at_risk"]["pull_requests"] == 2);
  CHECK(j["events"][0]["person"] == "a");
  CHECK(run((dir / "usage.csv").string() + " --policy " + (dir / "typo.yaml").string()) == 2);
  CHECK(run((dir / "usage.csv").string()) == 2);  // no --policy
  fs::remove_all(dir);
}
