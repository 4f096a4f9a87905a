// The simulator's promises: exact money conservation, caps never billed, the same numbers
// for any thread count, common random numbers across variants, and regression to the mean.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "goodhart/sim/limits.hpp"
#include "goodhart/sim/run.hpp"
#include "goodhart/sim/scenario_loader.hpp"
#include "goodhart/sim/simulator.hpp"

using namespace goodhart;
using namespace goodhart::sim;

namespace {

const std::string kPricing = std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml";

std::string scenario_yaml(const std::string& extra_cohort = "", const std::string& rest = "") {
  return R"(
meta: {name: test}
horizon: {start: 2026-03-02, days: 21}
pricing: {catalog: )" + kPricing + R"(}
monte_carlo: {replicates: 2, seed: 99}
cohorts:
  - name: devs
    headcount: 3000
    team_size: 6
    model: claude-sonnet-4-6
    active_day_prob: 0.7
    agents:
      per_person_mean: 1.0
      tokens_per_agent_day: {median: 2000000, sigma: 1.0}
      value_per_mtok_usd: 2.0
      loop_hazard_per_day: 0.01
      loop_tokens_per_hour: 1000000
      notice_delay_work_hours: 30
)" + extra_cohort + R"(
behaviour:
  gaming_tokens_per_unit: 10000000
  know_how: {seed_share: 0.2, base_hazard: 0.01, spread_hazard: 0.2}
incentives:
  - {name: board, kind: leaderboard, metric: tokens, top_share: 0.05, prize: 3, window_days: 7, publish_every_days: 7}
)" + rest;
}

ReplicateResult one(const std::string& yaml, int threads, int replicate = 0,
                    const std::function<void(const engine::UsageRecord&)>& sink = {}) {
  const Scenario s = ScenarioDocument::from_string(yaml, "test.yaml").build();
  return simulate_replicate(s, s.monte_carlo.seed, replicate, threads, true, sink, nullptr);
}

double fig(const ReplicateResult& r, const std::string& name) {
  const auto& names = figure_names();
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return r.figures[static_cast<std::size_t>(it - names.begin())];
}

}  // namespace

TEST_CASE("money is conserved exactly: purposes; cohorts; people and events agree") {
  const std::string extra = R"(
  - name: support
    headcount: 1000
    model: claude-haiku-4-5
)";
  engine::MicroUsd events_total = 0;
  std::map<std::string, engine::MicroUsd> by_model;
  const ReplicateResult r = one(scenario_yaml(extra), 2, 0, [&](const engine::UsageRecord& rec) {
    events_total += *rec.cost;
    by_model[rec.model] += *rec.cost;
  });
  const engine::MicroUsd by_purpose = std::accumulate(
      r.spend_micro_by_purpose.begin(), r.spend_micro_by_purpose.end(), engine::MicroUsd{0});
  const engine::MicroUsd by_cohort = std::accumulate(
      r.spend_micro_by_cohort.begin(), r.spend_micro_by_cohort.end(), engine::MicroUsd{0});
  REQUIRE(r.spend_micro_total > 0);
  CHECK(by_purpose == r.spend_micro_total);
  CHECK(by_cohort == r.spend_micro_total);
  CHECK(events_total == r.spend_micro_total);
  CHECK(by_model.size() == 2);
  CHECK(by_model["claude-haiku-4-5"] == r.spend_micro_by_cohort[1]);
  // Every purpose occurs in this scenario.
  for (auto p : r.spend_micro_by_purpose) CHECK(p > 0);
}

TEST_CASE("nothing a cap blocked is billed") {
  const std::string gov = R"(
governance:
  caps: {per_seat_day_usd: 40, per_seat_month_usd: 400}
)";
  std::map<std::string, engine::MicroUsd> month;
  engine::MicroUsd max_day = 0;
  const ReplicateResult r = one(scenario_yaml("", gov), 1, 0, [&](const engine::UsageRecord& rec) {
    max_day = std::max(max_day, *rec.cost);
    month[rec.person + rec.day.iso().substr(0, 7)] += *rec.cost;
  });
  CHECK(max_day <= 40'000'000);
  for (const auto& [k, v] : month) CHECK(v <= 400'000'000);
  CHECK(fig(r, "spend_blocked_usd") > 0.0);
  CHECK(fig(r, "people_capped") > 0.0);
  CHECK(fig(r, "value_lost_usd") > 0.0);
}

TEST_CASE("same numbers for any thread count") {
  const ReplicateResult a = one(scenario_yaml(), 1, 1);
  const ReplicateResult b = one(scenario_yaml(), 2, 1);
  REQUIRE(a.figures.size() == b.figures.size());
  for (std::size_t k = 0; k < a.figures.size(); ++k) {
    INFO(figure_names()[k]);
    if (std::isnan(a.figures[k])) CHECK(std::isnan(b.figures[k]));
    else CHECK(a.figures[k] == b.figures[k]);
  }
  CHECK(a.spend_micro_total == b.spend_micro_total);
  CHECK(a.leaderboard_cutoffs == b.leaderboard_cutoffs);
  for (std::size_t m = 0; m < a.daily.size(); ++m)
    for (std::size_t t = 0; t < a.daily[m].size(); ++t)
      if (!std::isnan(a.daily[m][t])) CHECK(a.daily[m][t] == b.daily[m][t]);
}

TEST_CASE("replicates side by side: the same run as one at a time") {
  // 3,000 seats are two chunks of employees: with two threads or more, a run works on
  // several replicates at once (replicates_in_flight), each on its share of the threads.
  const ScenarioDocument doc = ScenarioDocument::from_string(scenario_yaml(), "test.yaml");
  const Scenario s = doc.build();
  CHECK(replicates_in_flight(s, 5, 1) == 1);
  CHECK(replicates_in_flight(s, 1, 4) == 1);
  CHECK(replicates_in_flight(s, 5, 2) == 2);
  CHECK(replicates_in_flight(s, 3, 8) == 3);
  std::string big_yaml = scenario_yaml();
  big_yaml.replace(big_yaml.find("headcount: 3000"), 15, "headcount: 40000");
  const Scenario big = ScenarioDocument::from_string(big_yaml, "big.yaml").build();
  CHECK(replicates_in_flight(big, 5, 2) == 1);  // 20 chunks: 10 per thread
  CHECK(replicates_in_flight(big, 5, 3) == 3);  // 20 chunks: fewer than 8 per thread
  CHECK(estimate_run_size(s, 5, 1, 3).in_flight_bytes == 3 * estimate_run_size(s, 5, 1).in_flight_bytes);

  struct Seen {
    RunResult run;
    std::vector<std::string> events;  // replicate 0's, in the order they came
  };
  auto run_with = [&](int threads) {
    Seen seen;
    RunOptions o;
    o.replicates = 4;
    o.threads = threads;
    o.on_event = [&](const std::string& variant, const engine::UsageRecord& r) {
      seen.events.push_back(variant + " " + r.person + " " + r.day.iso() + " " + std::to_string(r.cost.value_or(0)));
    };
    seen.run = run_scenario(doc, {}, o);
    return seen;
  };
  const Seen a = run_with(1), b = run_with(2), c = run_with(3);
  for (const Seen* x : {&b, &c}) {
    CHECK(x->events == a.events);
    REQUIRE(x->run.variants.size() == a.run.variants.size());
    for (std::size_t v = 0; v < a.run.variants.size(); ++v) {
      const auto& ra = a.run.variants[v].replicates;
      const auto& rx = x->run.variants[v].replicates;
      REQUIRE(rx.size() == 4);
      for (std::size_t r = 0; r < ra.size(); ++r) {
        INFO("variant " << v << " replicate " << r);
        CHECK(rx[r].spend_micro_total == ra[r].spend_micro_total);
        CHECK(rx[r].spend_micro_by_cohort == ra[r].spend_micro_by_cohort);
        CHECK(rx[r].leaderboard_cutoffs == ra[r].leaderboard_cutoffs);
        for (std::size_t k = 0; k < ra[r].figures.size(); ++k)
          if (!std::isnan(ra[r].figures[k])) CHECK(rx[r].figures[k] == ra[r].figures[k]);
        CHECK(rx[r].people.size() == ra[r].people.size());  // kept for replicate 0 only
        CHECK(rx[r].people.spend_usd == ra[r].people.spend_usd);
      }
    }
  }
  CHECK(!a.events.empty());
  CHECK(a.run.variants[0].replicates[0].people.size() == 3000);
  CHECK(a.run.variants[0].replicates[1].people.size() == 0);
}

TEST_CASE("replicates differ; and a variant differs only by its policy") {
  const ReplicateResult r0 = one(scenario_yaml(), 1, 0);
  const ReplicateResult r1 = one(scenario_yaml(), 1, 1);
  CHECK(r0.spend_micro_total != r1.spend_micro_total);
  // Common random numbers: a policy that never binds leaves every number unchanged.
  const std::string loose = "governance:\n  caps: {per_seat_month_usd: 100000000}\n";
  const ReplicateResult same = one(scenario_yaml("", loose), 1, 0);
  CHECK(same.spend_micro_total == r0.spend_micro_total);
}

TEST_CASE("stopping agents on anomalies cuts loop spend") {
  const std::string stop = R"(
governance:
  anomaly: {enabled: true, action: stop_agents, warmup_days: 3, min_usd: 5}
)";
  const ReplicateResult base = one(scenario_yaml(), 2);
  const ReplicateResult guarded = one(scenario_yaml("", stop), 2);
  CHECK(fig(base, "loops_started") > 0);
  CHECK(fig(base, "longest_loop_days") > 1.0);  // a slow-to-notice loop outlives a day
  CHECK(fig(guarded, "spend_loop_usd") < 0.8 * fig(base, "spend_loop_usd"));
  CHECK(fig(guarded, "anomaly_days") > 0);
}

TEST_CASE("the leaderboard is an arms race while people learn the trick") {
  const ReplicateResult r = one(scenario_yaml(), 2);
  REQUIRE(r.leaderboard_cutoffs.size() == 2);  // published on days 7 and 14
  CHECK(r.leaderboard_cutoffs[1] > r.leaderboard_cutoffs[0]);
  CHECK(fig(r, "spend_gaming_usd") > 0.0);
}

TEST_CASE("selecting the top decile by a noisy metric shrinks as regression predicts") {
  // Equal task rates and values: true value is proportional to tasks, and pull requests are a
  // Poisson thinning of tasks, so E[value | PRs] is exactly linear and the least-squares line
  // predicts the selected group's mean value.
  const std::string yaml = R"(
meta: {name: regression}
horizon: {start: 2026-03-02, days: 28}
pricing: {catalog: )" + kPricing + R"(}
monte_carlo: {replicates: 1, seed: 5}
cohorts:
  - name: devs
    headcount: 40000
    model: claude-sonnet-4-6
    active_day_prob: 1.0
    tasks_per_day: {median: 2.0, sigma: 0.0}
    value_per_task_usd: {median: 50, sigma: 0.0}
    outcomes: {prs_per_task: 0.3}
incentives:
  - {name: prs, kind: outcome_kpi, metric: outcomes, weight: 0.0}
)";
  const ReplicateResult r = one(yaml, 2);
  const double observed = fig(r, "selected_value_ratio");
  const double predicted = fig(r, "selected_value_ratio_predicted");
  // What the metric alone suggests: the top decile's own metric over the mean metric.
  std::vector<double> m = r.people.rewarded_metric;
  const double mean_m = std::accumulate(m.begin(), m.end(), 0.0) / m.size();
  std::sort(m.begin(), m.end(), std::greater<>());
  const double top_m = std::accumulate(m.begin(), m.begin() + m.size() / 10, 0.0) / (m.size() / 10);
  CHECK(observed > 1.0);                    // the selected are better than average ...
  CHECK(observed - 1.0 < 0.5 * (top_m / mean_m - 1.0));  // ... by far less than the metric says
  CHECK(observed == Approx(predicted).epsilon(0.01));
}

TEST_CASE("a window longer than the run ranks by running sums exactly as by kept periods") {
  // A 28-day window published weekly holds 4 periods. Over 28 days no period ever leaves it
  // (running sums); over 29 days a fifth period opens on day 28 (each period kept, the
  // oldest reused). Up to day 28's publication both rank the same sums: every published
  // cutoff and every daily figure before day 28 must be equal, bit for bit, in both, and for
  // a board that ranks a ratio too.
  for (const std::string metric : {"tokens", "outcome_per_usd"}) {
    auto yaml = [&](int days) {
      std::string y = scenario_yaml();
      y.replace(y.find("days: 21"), 8, "days: " + std::to_string(days));
      y.replace(y.find("metric: tokens"), 14, "metric: " + metric);
      y.replace(y.find("window_days: 7"), 14, "window_days: 28");
      return y;
    };
    const Scenario s28 = ScenarioDocument::from_string(yaml(28), "test.yaml").build();
    const Scenario s29 = ScenarioDocument::from_string(yaml(29), "test.yaml").build();
    REQUIRE_FALSE(s28.incentives[0].window_slides_within(28));
    REQUIRE(s29.incentives[0].window_slides_within(29));
    const ReplicateResult a = simulate_replicate(s28, 7, 0, 2, true, {}, nullptr);
    const ReplicateResult b = simulate_replicate(s29, 7, 0, 2, true, {}, nullptr);
    INFO(metric);
    REQUIRE(a.leaderboard_cutoffs.size() == 3);
    REQUIRE(b.leaderboard_cutoffs.size() == 4);
    for (std::size_t k = 0; k < 3; ++k) CHECK(a.leaderboard_cutoffs[k] == b.leaderboard_cutoffs[k]);
    for (std::size_t m = 0; m < a.daily.size(); ++m)
      for (int t = 0; t < 28; ++t) {
        const double x = a.daily[m][t], y = b.daily[m][t];
        CHECK(((std::isnan(x) && std::isnan(y)) || x == y));
      }
  }
}

TEST_CASE("leaderboard periods: how many a window holds and whether one leaves it in a run") {
  IncentiveScheme k;
  k.kind = SchemeKind::leaderboard;
  k.window_days = 30;
  k.publish_every_days = 1;
  CHECK(k.periods_in_window() == 30);
  CHECK_FALSE(k.window_slides_within(30));  // publications on days 1..29 open periods 2..30
  CHECK(k.window_slides_within(31));
  k.window.start_day = 5;  // a board that starts later publishes fewer times
  CHECK_FALSE(k.window_slides_within(35));
  CHECK(k.window_slides_within(36));
  k.window_days = 7;
  k.publish_every_days = 7;
  k.window.start_day = 0;
  CHECK(k.periods_in_window() == 1);
  CHECK_FALSE(k.window_slides_within(7));
  CHECK(k.window_slides_within(8));
}

TEST_CASE("a board younger than its window is forecast at full-window scale") {
  IncentiveScheme k;
  k.kind = SchemeKind::leaderboard;
  k.window_days = 30;
  k.publish_every_days = 1;
  CHECK(k.forecast_scale(1) == 30.0);
  CHECK(k.forecast_scale(10) == 3.0);
  CHECK(k.forecast_scale(30) == 1.0);
  CHECK(k.forecast_scale(45) == 1.0);  // a full window slides
  k.metric = Metric::outcome_per_usd;  // a ratio does not grow with the days it covers
  CHECK(k.forecast_scale(10) == 1.0);

  // In a run: a 28-day board published daily. Were the published cutoff of a young board (a
  // few days' tokens) taken for a 28-day one, it would start far below everyone's 28-day
  // projection and climb through the crowd as the days add up: gaming would swing with the
  // board's age (about 7x between day 1 and days 7-11 here). Scaled, the forecast stays near
  // the full-window cutoff and the gaming per aware person stays level.
  std::string y = scenario_yaml();
  y.replace(y.find("days: 21"), 8, "days: 28");
  const std::string weekly = "window_days: 7, publish_every_days: 7";
  y.replace(y.find(weekly), weekly.size(), "window_days: 28, publish_every_days: 1");
  const ReplicateResult r = one(y, 2);
  const auto& names = daily_metric_names();
  auto series = [&](const std::string& name) {
    return r.daily[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin())];
  };
  const auto& gaming = series("tokens_gaming");
  const auto& aware = series("aware_share");
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (int t = 1; t < 28; ++t) {  // day 0 decides on the expected cutoff, before any board
    if (gaming[t] == 0.0) continue;  // a weekend: nobody games
    lo = std::min(lo, gaming[t] / aware[t]);
    hi = std::max(hi, gaming[t] / aware[t]);
  }
  INFO("gaming tokens per aware share on workdays: " << lo << " to " << hi);
  REQUIRE(lo > 0.0);
  CHECK(hi < 2.5 * lo);
}

TEST_CASE("a podium makes a runaway leader; a podium that pays nothing changes nothing") {
  // A live board: a 7-day window published daily.
  auto board = [](const std::string& podium) {
    std::string y = scenario_yaml();
    const std::string weekly = "publish_every_days: 7}";
    y.replace(y.find(weekly), weekly.size(), "publish_every_days: 1" + podium + "}");
    return y;
  };
  auto with_podium = [&](const std::string& podium) { return board(", podium: " + podium); };
  const ReplicateResult plain = one(board(""), 2);
  const ReplicateResult unpaid = one(with_podium("{places: 1, prize: 0}"), 2);
  const ReplicateResult crowned = one(with_podium("{places: 1, prize: 200, sigma_share: 0.05}"), 2);
  CHECK(unpaid.figures.size() == plain.figures.size());
  for (std::size_t f = 0; f < plain.figures.size(); ++f) {
    INFO(figure_names()[f]);
    CHECK(((std::isnan(plain.figures[f]) && std::isnan(unpaid.figures[f])) || plain.figures[f] == unpaid.figures[f]));
  }
  CHECK(unpaid.leaderboard_cutoffs == plain.leaderboard_cutoffs);
  // The first place is worth far more than a place in the top share: its contenders (the
  // cheapest gamers) push the leader's tokens far above where the top share alone leaves it,
  // and those who contend and lose burn tokens too.
  CHECK(fig(crowned, "top_user_tokens") > 3.0 * fig(plain, "top_user_tokens"));
  CHECK(fig(crowned, "tokens_gaming") > fig(plain, "tokens_gaming"));
}


TEST_CASE("leaderboard winners: top_k or the top share rounded up; at least one") {
  IncentiveScheme k;
  k.kind = SchemeKind::leaderboard;
  k.top_share = 0.01;
  CHECK(k.winning_places(70000) == 700);
  CHECK(k.winning_places(150) == 2);  // 1.5 rounds up
  CHECK(k.winning_places(10) == 1);
  CHECK(k.winning_places(0) == 1);
  k.top_k = 5;
  CHECK(k.winning_places(70000) == 5);
  CHECK(k.winning_places(3) == 3);  // no more winners than people
}
