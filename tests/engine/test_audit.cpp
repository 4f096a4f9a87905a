// Audit indicators on constructed histories whose answers are worked out independently
// here: aggregation and unit costs, suspects and reasons, correlation per period, bunching,
// anomaly days, budget exhaustion, truth scoring, atomic outputs and the CLI's exit codes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "goodhart/engine/audit.hpp"
#include "goodhart/engine/stats.hpp"
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;
using Catch::Detail::Approx;

namespace {

UsageRecord rec(const std::string& day, const std::string& person, double usd, std::int64_t prs = 0) {
  UsageRecord r;
  r.day = *parse_date(day);
  r.person = person;
  r.cohort = "eng";
  r.model = "m";
  r.cost = static_cast<MicroUsd>(std::llround(usd * 1e6));
  r.tokens[TokenType::output] = static_cast<std::uint64_t>(std::llround(usd * 1000));
  r.outcomes.pull_requests = prs;
  r.outcomes.sessions = 1;
  return r;
}

UsageDataset build(const std::vector<UsageRecord>& rs) {
  Ingestor ing(catalog());
  for (const auto& r : rs) ing.add(r);
  return ing.finish();
}

std::string day_iso(const std::string& start, int offset) { return (*parse_date(start) + offset).iso(); }

// 19 people whose PRs rise with spend, and X: the top spender with the fewest PRs.
std::vector<UsageRecord> divergence_history() {
  std::vector<UsageRecord> rs;
  for (int i = 1; i <= 19; ++i) rs.push_back(rec("2026-06-02", "p" + std::to_string(100 + i), i, i + 1));
  rs.push_back(rec("2026-06-02", "X", 20, 1));
  return rs;
}

const PersonSummary& summary(const AuditResult& r, const UsageDataset& d, const std::string& name) {
  return r.people[*d.find_person(name)];
}

}  // namespace

TEST_CASE("audit: per person and period aggregation and unit costs", "[audit]") {
  auto a = rec("2026-06-01", "p1", 10, 2);
  a.outcomes.commits = 4;
  a.outcomes.edits_accepted = 8;
  a.outcomes.edits_rejected = 2;
  a.team = "t1";
  auto b = rec("2026-06-02", "p1", 5, 1);
  b.team = "t1";
  auto c = rec("2026-06-08", "p2", 3, 0);
  c.team = "t1";
  const auto d = build({a, b, c});
  const auto r = run_audit(d, AuditOptions{});
  REQUIRE(r.periods.size() == 2);
  CHECK(r.periods[0].label == "2026-06-01");
  CHECK(r.periods[1].start == *parse_date("2026-06-08"));
  REQUIRE(r.person_periods.size() == 2);
  const UsageStats& w1 = r.person_periods[0].stats;
  CHECK(w1.spend == 15'000'000);
  CHECK(w1.active_days == 2);
  CHECK(*w1.cost_per_pr() == Approx(15.0 / 3));
  CHECK(*w1.cost_per_commit() == Approx(15.0 / 4));
  CHECK(*w1.cost_per_accepted_edit() == Approx(15.0 / 8));
  CHECK(*w1.acceptance_rate() == Approx(0.8));
  CHECK_FALSE(r.person_periods[1].stats.cost_per_pr());
  REQUIRE(r.team_periods.size() == 2);
  CHECK(r.team_periods[0].name == "t1");
  CHECK(r.team_periods[0].people == 1);
  CHECK(r.total.spend == 18'000'000);

  AuditOptions monthly;
  monthly.period = AuditPeriod::month;
  const auto m = run_audit(d, monthly);
  REQUIRE(m.periods.size() == 1);
  CHECK(m.periods[0].label == "2026-06");
  CHECK(m.periods[0].end == *parse_date("2026-07-01"));
}

TEST_CASE("audit: the top spender with the fewest PRs is the one suspect, with reasons", "[audit]") {
  const auto d = build(divergence_history());
  const auto r = run_audit(d, AuditOptions{});
  REQUIRE(r.suspects.size() == 1);
  const Suspect& s = r.suspects[0];
  CHECK(d.people()[s.person].name == "X");
  // Mid-rank percentiles among 20: the top is (20 - 0.5) / 20, the bottom 0.5 / 20.
  CHECK(s.usage_percentile == Approx(19.5 / 20));
  CHECK(s.outcome_percentile == Approx(0.5 / 20));
  CHECK(s.score == Approx(19.0 / 20));
  // Everyone else ranks one place higher on PRs than on spend.
  CHECK(summary(r, d, "p105").usage_percentile == Approx(4.5 / 20));
  CHECK(summary(r, d, "p105").outcome_percentile == Approx(5.5 / 20));
  // Cost per PR: X pays $20; the others i/(i+1) dollars; the median of all twenty is the
  // mean of the 10th and 11th smallest, 10/11 and 11/12.
  const double med = (10.0 / 11 + 11.0 / 12) / 2;
  char per_pr[64];
  std::snprintf(per_pr, sizeof per_pr, "$20.00 per PR vs team median $%.2f", med);
  CHECK(s.reasons == std::vector<std::string>{"top 5 % of spend (rank 1 of 20 in eng)",
                                              "outcomes at the 3rd percentile of eng",
                                              "bottom 5 % of PRs per dollar", per_pr});
}

TEST_CASE("audit: small cohorts are ranked against everyone, group identities never", "[audit]") {
  auto rs = divergence_history();
  auto pm = rec("2026-06-02", "pm1", 19.5, 0);
  pm.cohort = "pm";  // a cohort of one: too small to rank within
  rs.push_back(pm);
  rs.push_back(rec("2026-06-02", "(organization)", 1000, 0));
  const auto d = build(rs);
  const auto r = run_audit(d, AuditOptions{});
  CHECK(summary(r, d, "pm1").ranking_group == "everyone");
  CHECK(summary(r, d, "X").ranking_group == "eng");
  CHECK_FALSE(summary(r, d, "(organization)").ranked);
  for (const auto& s : r.suspects) CHECK(d.people()[s.person].name != "(organization)");
  // Group lines count in spend: $1..$20 for the twenty, $19.50 and $1000.
  CHECK(r.total.spend == (210 * 1'000'000 + 19'500'000 + 1'000'000'000));
}

TEST_CASE("audit: no outcomes in the data means no suspects, and says why", "[audit]") {
  std::vector<UsageRecord> rs;
  for (int i = 1; i <= 12; ++i) rs.push_back(rec("2026-06-02", "q" + std::to_string(i), i, 0));
  const auto r = run_audit(build(rs), AuditOptions{});
  CHECK(r.suspects.empty());
  REQUIRE_FALSE(r.notes.empty());
  CHECK(r.notes[0].starts_with("no outcomes"));
}

TEST_CASE("audit: usage-outcome Spearman per week and its trend", "[audit]") {
  std::vector<UsageRecord> rs;
  for (int i = 1; i <= 6; ++i) {
    rs.push_back(rec("2026-06-02", "p" + std::to_string(i), i, i));      // concordant: +1
    rs.push_back(rec("2026-06-09", "p" + std::to_string(i), i, 7 - i));  // reversed: -1
    rs.push_back(rec("2026-06-16", "p" + std::to_string(i), i, 7 - i));  // reversed: -1
  }
  rs.push_back(rec("2026-06-23", "p1", 1, 1));  // one person: too few to correlate
  const auto r = run_audit(build(rs), AuditOptions{});
  REQUIRE(r.correlation.size() == 4);
  CHECK(*r.correlation[0].rho_outcomes == Approx(1.0));
  CHECK(*r.correlation[1].rho_outcomes == Approx(-1.0));
  CHECK(*r.correlation[2].rho_prs == Approx(-1.0));
  CHECK_FALSE(r.correlation[3].rho_outcomes);
  CHECK(r.correlation[3].people == 1);
  // Least squares through (0, 1), (1, -1), (2, -1): slope -1.
  REQUIRE(r.correlation_trend);
  CHECK(*r.correlation_trend == Approx(-1.0));
}

TEST_CASE("audit: bunching above a quota against a smooth density", "[audit]") {
  // One ISO week (Mon 2026-06-01 to Sun 06-07), one person-week per person. Twenty
  // person-weeks in every x1.1 bin around the quota, except 50 in [Q, 1.1Q) and 5 in each
  // of the two bins below it: a flat density, so the fit expects exactly 20 in the window.
  const double q = 1e6;
  std::vector<UsageRecord> rs;
  rs.push_back(rec("2026-06-01", "(organization)", 1));
  rs.push_back(rec("2026-06-07", "(organization)", 1));
  int id = 0;
  for (int k = -10; k < 10; ++k) {
    const int count = k == 0 ? 50 : (k == -1 || k == -2) ? 5 : 20;
    for (int c = 0; c < count; ++c) {
      auto r = rec("2026-06-03", "u" + std::to_string(id++), 1);
      r.tokens = {};
      r.tokens[TokenType::output] = static_cast<std::uint64_t>(std::llround(q * std::pow(1.1, k + 0.5)));
      rs.push_back(r);
    }
  }
  AuditOptions opt;
  opt.quota = q;
  const auto r = run_audit(build(rs), opt);
  REQUIRE(r.bunching);
  const auto& b = *r.bunching;
  CHECK(b.note.empty());
  CHECK(b.person_weeks == id);
  CHECK(b.observed == 50);
  CHECK(b.expected == Approx(20.0));
  CHECK(b.excess_ratio == Approx(1.5));
  CHECK(b.z == Approx(30.0 / std::sqrt(20.0)));
  CHECK(b.missing_below == Approx(30.0));
  CHECK(b.bin_counts[10] == 50);

  // Without bunching the same estimator finds none.
  std::vector<UsageRecord> flat;
  flat.push_back(rec("2026-06-01", "(organization)", 1));
  flat.push_back(rec("2026-06-07", "(organization)", 1));
  id = 0;
  for (int k = -10; k < 10; ++k)
    for (int c = 0; c < 20; ++c) {
      auto r = rec("2026-06-03", "u" + std::to_string(id++), 1);
      r.tokens = {};
      r.tokens[TokenType::output] = static_cast<std::uint64_t>(std::llround(q * std::pow(1.1, k + 0.5)));
      flat.push_back(r);
    }
  const auto f = run_audit(build(flat), opt);
  CHECK(f.bunching->observed == 20);
  CHECK(f.bunching->excess_ratio == Approx(0.0).margin(1e-9));
}

TEST_CASE("audit: bunching with too little data says so", "[audit]") {
  AuditOptions opt;
  opt.quota = 1e6;
  const auto r = run_audit(build({rec("2026-06-01", "a", 1), rec("2026-06-07", "a", 1)}), opt);
  REQUIRE(r.bunching);
  CHECK(r.bunching->note.starts_with("too few person-weeks"));
}

TEST_CASE("audit: anomaly days against the person's own EWMA baseline", "[audit]") {
  std::vector<UsageRecord> rs;
  for (int d = 0; d < 24; ++d) {
    const double spike = (d >= 20 && d <= 22) ? 100 : 10;  // 06-21 (a Sunday) to 06-23
    rs.push_back(rec(day_iso("2026-06-01", d), "a", spike));
    rs.push_back(rec(day_iso("2026-06-01", d), "b", 10));
    rs.push_back(rec(day_iso("2026-06-01", d), "c", d == 22 ? 15 : 1));  // below min_usd
  }
  const auto d = build(rs);
  const auto r = run_audit(d, AuditOptions{});
  REQUIRE(r.anomalies.size() == 3);
  // A constant $10 baseline has zero spread, and flagged days stay out of it.
  for (int k = 0; k < 3; ++k) {
    CHECK(d.people()[r.anomalies[static_cast<std::size_t>(k)].person].name == "a");
    CHECK(r.anomalies[static_cast<std::size_t>(k)].day == *parse_date("2026-06-21") + k);
    CHECK(r.anomalies[static_cast<std::size_t>(k)].run_length == k + 1);
    CHECK(r.anomalies[static_cast<std::size_t>(k)].baseline_usd == Approx(10.0));
    CHECK(r.anomalies[static_cast<std::size_t>(k)].spend == 100'000'000);
  }
  CHECK(r.anomalies[0].hint == "on a weekend");
  CHECK(r.anomalies[1].hint == "day 2 of a run (runaway loop?)");
  CHECK(summary(r, d, "a").anomaly_days == 3);
}

TEST_CASE("audit: an idle gap decays the baseline as zero days and ends a run", "[audit]") {
  // "a": $10 a day for 20 days, then a $100 spike (flagged), then idle for 'gap' days, then $25.
  // Worked independently: after the spike the baseline is the $10 mean with no spread (the
  // flagged day stays out); g zero days leave mean m = 10·β^g and variance β^g·100·(1 − β^g),
  // so the return day is flagged exactly when 25 > ratio·m and 25 > m + z·sd (and 25 > min_usd
  // of 20); it is day 1 of a new run, whatever the length of the gap.
  const double beta = 1 - Ewma::alpha_from_halflife(7);
  for (const int gap : {1, 2, 31, 32, 2000, 25000}) {
    std::vector<UsageRecord> rs;
    for (int d = 0; d < 20; ++d) rs.push_back(rec(day_iso("2026-06-01", d), "a", 10));
    rs.push_back(rec(day_iso("2026-06-01", 20), "a", 100));
    rs.push_back(rec(day_iso("2026-06-01", 21 + gap), "a", 25));
    const auto d = build(rs);
    const auto r = run_audit(d, AuditOptions{});
    const double bg = std::pow(beta, gap);
    const double mean = 10 * bg, sd = std::sqrt(bg * (100 * (1 - bg)));
    const bool expect_flag = 25 > 3.0 * mean && 25 > mean + 4.0 * sd;
    INFO("gap " << gap);
    REQUIRE(r.anomalies.size() == (expect_flag ? 2u : 1u));
    CHECK(expect_flag == (gap > 1));  // the cases cover both outcomes
    CHECK(r.anomalies[0].run_length == 1);
    if (expect_flag) {
      CHECK(r.anomalies[1].run_length == 1);
      CHECK(r.anomalies[1].baseline_usd == Approx(mean).epsilon(1e-9).margin(1e-300));
      CHECK(r.anomalies[1].baseline_sd_usd == Approx(sd).epsilon(1e-6).margin(1e-300));
    }
  }
}

TEST_CASE("audit: budget exhaustion forecast and an exhausted budget", "[audit]") {
  std::vector<UsageRecord> rs;
  for (int d = 0; d < 15; ++d) rs.push_back(rec(day_iso("2026-06-01", d), "a", 100));
  const auto data = build(rs);
  AuditOptions opt;
  opt.budget = 2000 * kMicroPerUsd;
  const auto r = run_audit(data, opt);
  REQUIRE(r.budget);
  const auto& b = *r.budget;
  // $1500 spent by 06-15; every resampled day is $100, so the last $500 go in 5 days.
  CHECK(b.spent == 1500 * kMicroPerUsd);
  CHECK(b.recent_daily_usd == Approx(100.0));
  CHECK(b.projected_period_usd == Approx(3000.0));
  CHECK(b.probability_exhausted == Approx(1.0));
  CHECK(b.exhaustion_p5 == *parse_date("2026-06-20"));
  CHECK(b.exhaustion_p50 == *parse_date("2026-06-20"));
  CHECK(b.exhaustion_p95 == *parse_date("2026-06-20"));
  CHECK(b.period_end == *parse_date("2026-07-01"));

  opt.budget = 1000 * kMicroPerUsd;
  const auto e = run_audit(data, opt);
  CHECK(e.budget->exhausted_on == *parse_date("2026-06-10"));

  opt.budget = 1'000'000 * kMicroPerUsd;
  opt.budget_period = AuditBudgetPeriod::year;
  const auto y = run_audit(data, opt);
  CHECK(y.budget->probability_exhausted == Approx(0.0));
  CHECK_FALSE(y.budget->exhaustion_p50);
  CHECK(y.budget->period_start == *parse_date("2026-01-01"));
}

TEST_CASE("audit: the budget bootstrap is deterministic for a seed", "[audit]") {
  std::vector<UsageRecord> rs;
  for (int d = 0; d < 20; ++d) rs.push_back(rec(day_iso("2026-06-01", d), "a", 50 + (d * 37) % 90));
  const auto data = build(rs);
  AuditOptions opt;
  opt.budget = 2600 * kMicroPerUsd;
  const auto r1 = run_audit(data, opt), r2 = run_audit(data, opt);
  CHECK(r1.budget->probability_exhausted == r2.budget->probability_exhausted);
  CHECK(r1.budget->exhaustion_p50 == r2.budget->exhaustion_p50);
  CHECK(r1.budget->exhaustion_p5 <= r1.budget->exhaustion_p50);
}

TEST_CASE("audit: precision and recall of suspects against simulated truth", "[audit]") {
  auto rs = divergence_history();
  for (auto& r : rs) {
    const auto total = r.tokens.total();
    r.gaming_tokens_truth = 0;
    if (r.person == "X") r.gaming_tokens_truth = total / 2;        // gamer, flagged
    if (r.person == "p119") r.gaming_tokens_truth = total * 3 / 10; // gamer, missed
    if (r.person == "p105") r.gaming_tokens_truth = total / 10;     // under the threshold
  }
  const auto d = build(rs);
  CHECK(d.has_truth());
  AuditOptions opt;
  opt.truth = true;
  const auto r = run_audit(d, opt);
  REQUIRE(r.truth);
  CHECK(r.truth->gamers == 2);
  CHECK(r.truth->suspects == 1);
  CHECK(r.truth->true_positives == 1);
  CHECK(*r.truth->precision == Approx(1.0));
  CHECK(*r.truth->recall == Approx(0.5));
  REQUIRE(r.truth->missed.size() == 1);
  CHECK(d.people()[r.truth->missed[0]].name == "p119");
}

TEST_CASE("audit: outputs are written whole, JSON and CSV agree", "[audit]") {
  namespace fs = std::filesystem;
  const auto d = build(divergence_history());
  const auto r = run_audit(d, AuditOptions{});
  const fs::path dir = fs::temp_directory_path() / ("goodhart_audit_out_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_audit_outputs(dir, r, d);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"anomalies.csv", "audit.json", "correlation.csv", "models.csv",
                                          "people.csv", "person_models.csv", "suspects.csv", "teams.csv"});
  std::ifstream jf(dir / "audit.json");
  const auto j = nlohmann::json::parse(jf);
  CHECK(j["suspects"][0]["person"] == "X");
  CHECK(j["totals"]["spend_micro_usd"] == r.total.spend);
  CHECK(j["ingest"]["records_read"] == 0);  // built in code, not read from files
  const auto& x = j["people"][*d.find_person("X")];
  CHECK(x["person"] == "X");
  CHECK(x["models"][0]["model"] == "m");
  CHECK(x["models"][0]["spend_usd"] == 20.0);
  std::ifstream pf(dir / "people.csv");
  std::string line;
  int lines = 0;
  while (std::getline(pf, line)) ++lines;
  CHECK(lines == 1 + 20);
  std::ifstream sf(dir / "suspects.csv");
  std::getline(sf, line);
  std::getline(sf, line);
  CHECK(line.starts_with("1,X,,eng,0.9500,0.9750,0.0250,20.000000,top 5 % of spend (rank 1 of 20 in eng); outcomes"));
  fs::remove_all(dir);
}

namespace {
int run_cli(const std::string& args, std::string* out = nullptr) {
  const std::string out_file = (std::filesystem::temp_directory_path() / ("goodhart_cli_" + std::to_string(::getpid()) + ".out")).string();
  const int status = std::system((std::string(GOODHART_CLI) + " " + args + " > " + out_file + " 2>&1").c_str());
  if (out) {
    std::ifstream f(out_file);
    std::stringstream ss;
    ss << f.rdbuf();
    *out = ss.str();
  }
  std::filesystem::remove(out_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST_CASE("audit CLI: exit 2 for bad input, nothing written under --strict", "[audit][cli]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("goodhart_audit_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "bad.csv") << "date,person,model,cost_usd\nnot-a-date,p,m,1\n";
  std::ofstream(dir / "mixed.csv") << "date,person,model,cost_usd\nnot-a-date,p,m,1\n2026-06-01,p,m,1\n";
  std::string out;
  CHECK(run_cli("audit " + (dir / "bad.csv").string(), &out) == 2);
  CHECK(out.find("bad.csv:2: date is not YYYY-MM-DD: 'not-a-date'") != std::string::npos);
  CHECK(out.find("no record could be read") != std::string::npos);
  CHECK(run_cli("audit /nonexistent.json", &out) == 2);
  CHECK(run_cli("audit " + (dir / "mixed.csv").string() + " --strict --out " + (dir / "o").string(), &out) == 2);
  CHECK_FALSE(fs::exists(dir / "o"));
  CHECK(run_cli("audit " + (dir / "mixed.csv").string() + " --out " + (dir / "o").string() + " --format json", &out) == 0);
  CHECK(fs::exists(dir / "o" / "audit.json"));
  CHECK(run_cli("audit " + (dir / "mixed.csv").string() + " --period fortnight", &out) == 2);
  fs::remove_all(dir);
}

TEST_CASE("audit: the shipped sample export names its three tokenmaxxers and the loop", "[audit][sample]") {
  const std::string base = std::string(GOODHART_SOURCE_DIR) + "/scenarios/samples/claude-code-2026-06/";
  const IdentityMap map = IdentityMap::load_file(base + "map.csv");
  IngestOptions opt;
  opt.identities = &map;
  const auto d = read_files({base + "pages"}, opt);
  check_accounting(d.report());
  CHECK(d.report().rejected == 0);
  CHECK(d.people().size() == 40);
  const auto r = run_audit(d, AuditOptions{});
  std::set<std::string> flagged;
  for (const auto& s : r.suspects) flagged.insert(d.people()[s.person].name);
  // The generator's tokenmaxxers (people 7, 19 and 33) and its runaway loop (person 24).
  for (const char* who : {"Hana Sato", "Tom Lee", "Hugo Murphy"}) CHECK(flagged.count(who) == 1);
  std::set<std::string> anomalous;
  for (const auto& a : r.anomalies) anomalous.insert(d.people()[a.person].name);
  CHECK(anomalous == std::set<std::string>{"Yara Cohen"});
}

TEST_CASE("audit: suspects on a simulated kirorank export reach precision and recall 0.8", "[audit][kirorank]") {
  // The bar, checked end to end: the simulator writes its events (canonical CSV with
  // gaming truth) for the shipped scenario at its own seed and headcount, and the audit
  // scores its suspects against that truth.
  namespace fs = std::filesystem;
  const fs::path events = fs::temp_directory_path() / ("goodhart_kirorank_" + std::to_string(::getpid()) + ".csv");
  const std::string cmd = std::string(GOODHART_CLI) + " run " + GOODHART_SOURCE_DIR +
                          "/scenarios/kirorank.yaml -r 1 -v base -q --events " + events.string() + " > /dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto d = read_files({events.string()});
  fs::remove(events);
  check_accounting(d.report());
  CHECK(d.report().rejected == 0);
  REQUIRE(d.has_truth());
  AuditOptions opt;
  opt.truth = true;
  const auto r = run_audit(d, opt);
  REQUIRE(r.truth);
  INFO("gamers " << r.truth->gamers << ", suspects " << r.truth->suspects << ", correct " << r.truth->true_positives);
  CHECK(r.truth->gamers > 100);
  CHECK(*r.truth->precision >= 0.8);
  CHECK(*r.truth->recall >= 0.8);
}
