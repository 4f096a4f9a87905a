#include "goodhart/sim/simulator.hpp"

#include <omp.h>

#include <boost/sort/pdqsort/pdqsort.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "goodhart/engine/stats.hpp"
#include "goodhart/sim/behaviour.hpp"
#include "goodhart/sim/rng.hpp"
#include "goodhart/sim/rounding.hpp"

namespace goodhart::sim {

using engine::kPurposes;
using engine::MicroUsd;
using engine::Purpose;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kChunk = kEmployeesPerChunk;

enum Daily : int {
  d_spend_usd,
  d_spend_productive_usd, d_spend_retry_usd, d_spend_agent_usd, d_spend_loop_usd, d_spend_gaming_usd,
  d_tokens_productive, d_tokens_retry, d_tokens_agent, d_tokens_loop, d_tokens_gaming,
  d_value_usd, d_theatre_share, d_cumulative_spend_usd, d_people_capped, d_anomalies, d_alerts,
  d_aware_share, d_active_share, d_leaderboard_cutoff, d_adoption_weekly, d_goodhart_gap_rank,
  d_count
};

enum Fig : int {
  f_spend_usd,
  f_spend_productive_usd, f_spend_retry_usd, f_spend_agent_usd, f_spend_loop_usd, f_spend_gaming_usd,
  f_tokens_total,
  f_tokens_productive, f_tokens_retry, f_tokens_agent, f_tokens_loop, f_tokens_gaming,
  f_value_usd, f_value_per_usd, f_theatre_share, f_goodhart_gap_rank, f_goodhart_gap_usd,
  f_spend_blocked_usd, f_value_lost_usd, f_alerts, f_seat_alerts, f_people_capped, f_anomaly_days,
  f_budget_exhausted_day, f_budget_exhausted_day_of_year, f_leaderboard_cutoff_final,
  f_leaderboard_cutoff_rise_share, f_top_user_tokens, f_top_user_spend_usd, f_adoption_weekly_mean,
  f_adoption_weekly_min, f_aware_share_final, f_spend_per_person_month_usd,
  f_spend_per_active_day_usd, f_p90_person_spend_per_active_day_usd, f_top10_vs_median_tokens,
  f_top10_vs_median_output, f_gaming_after_vs_before, f_loops_started, f_longest_loop_days,
  f_selected_value_ratio, f_selected_value_ratio_predicted,
  f_count
};

}  // namespace

const std::vector<std::string>& daily_metric_names() {
  static const std::vector<std::string> names{
      "spend_usd", "spend_productive_usd", "spend_retry_usd", "spend_agent_usd", "spend_loop_usd",
      "spend_gaming_usd", "tokens_productive", "tokens_retry", "tokens_agent", "tokens_loop",
      "tokens_gaming", "value_usd", "theatre_share", "cumulative_spend_usd", "people_capped",
      "anomalies", "alerts", "aware_share", "active_share", "leaderboard_cutoff",
      "adoption_weekly", "goodhart_gap_rank"};
  return names;
}

const std::vector<std::string>& figure_names() {
  static const std::vector<std::string> names{
      "spend_usd", "spend_productive_usd", "spend_retry_usd", "spend_agent_usd", "spend_loop_usd",
      "spend_gaming_usd", "tokens_total", "tokens_productive", "tokens_retry", "tokens_agent",
      "tokens_loop", "tokens_gaming", "value_usd", "value_per_usd", "theatre_share",
      "goodhart_gap_rank", "goodhart_gap_usd", "spend_blocked_usd", "value_lost_usd", "alerts",
      "seat_alerts", "people_capped", "anomaly_days", "budget_exhausted_day",
      "budget_exhausted_day_of_year", "leaderboard_cutoff_final", "leaderboard_cutoff_rise_share",
      "top_user_tokens", "top_user_spend_usd", "adoption_weekly_mean", "adoption_weekly_min",
      "aware_share_final", "spend_per_person_month_usd", "spend_per_active_day_usd",
      "p90_person_spend_per_active_day_usd", "top10_vs_median_tokens", "top10_vs_median_output",
      "gaming_after_vs_before", "loops_started", "longest_loop_days", "selected_value_ratio",
      "selected_value_ratio_predicted"};
  return names;
}

namespace {

// Sum of n i.i.d. LogNormal(log m, s^2) as one LogNormal with the same mean and variance
// (Fenton-Wilkinson): one normal draw per person-day instead of one per task. The constants
// that depend only on sigma and an integer n come from a table built once per replicate
// (the same expressions, so the same values).
struct LogSumTable {
  double sigma = 0.0;
  double exp_half_var = 1.0;           // exp(sigma^2 / 2): mean of one = median * this
  std::vector<double> sqrt_s2, half_s2;  // by integer n, n >= 1
  void init(double sig, std::size_t max_n) {
    sigma = sig;
    exp_half_var = std::exp(0.5 * sig * sig);
    sqrt_s2.assign(max_n + 1, 0.0);
    half_s2.assign(max_n + 1, 0.0);
    for (std::size_t k = 1; k <= max_n; ++k) {
      const double s2 = std::log1p(std::expm1(sig * sig) / static_cast<double>(k));
      sqrt_s2[k] = std::sqrt(s2);
      half_s2[k] = 0.5 * s2;
    }
  }
};

inline double lognormal_sum(Draws& r, double n, double median, const LogSumTable& tab) {
  if (n <= 0.0) return 0.0;
  if (tab.sigma <= 0.0) return n * median;
  const double mean_one = median * tab.exp_half_var;
  const auto k = n < static_cast<double>(tab.sqrt_s2.size()) ? static_cast<std::size_t>(n) : 0;
  double sq, half;
  if (k > 0 && static_cast<double>(k) == n) {
    sq = tab.sqrt_s2[k];
    half = tab.half_s2[k];
  } else {
    const double s2 = std::log1p(std::expm1(tab.sigma * tab.sigma) / n);
    sq = std::sqrt(s2);
    half = 0.5 * s2;
  }
  GOODHART_COUNT(lognormal_exp, 1);
  return n * mean_one * std::exp(sq * r.normal() - half);
}

// Poisson draws whose mean is usually a fixed expression of an integer count n (retries,
// outcomes): that mean's partial sums tabulated by n (PoissonCdf), used only when the mean
// computed in the day loop is the tabulated one, so every draw is the one Draws::poisson gives.
struct PoissonByCount {
  struct Row {  // 32 bytes: what a draw reads besides the sums
    double mean = 0.0;
    std::uint32_t size = 0;  // partial sums; 0: not tabulated
    std::uint32_t first = 0;  // in `sums`
    PoissonCdf::Guide guide{};
  };
  static_assert(sizeof(Row) == 32);
  std::vector<Row> rows;  // by n
  std::vector<double> sums;
  template <typename MeanOf>
  void init(std::size_t max_n, MeanOf&& mean_of) {
    rows.assign(max_n + 1, Row{});
    sums.clear();
    for (std::size_t k = 0; k <= max_n; ++k) {
      Row& row = rows[k];
      row.mean = mean_of(static_cast<double>(k));
      if (!(row.mean > 0.0) || row.mean > kPoissonInversionMax) continue;
      row.first = static_cast<std::uint32_t>(sums.size());
      row.size = PoissonCdf::append(row.mean, sums, row.guide);
    }
  }
  std::uint32_t draw(Draws& r, double m, double n) const {
    if (!(m > 0.0)) return 0;  // as Draws::poisson: nothing drawn (a day without tasks)
    if (n >= 0.0 && n < static_cast<double>(rows.size())) {
      const Row& row = rows[static_cast<std::size_t>(n)];
      if (static_cast<double>(static_cast<std::size_t>(n)) == n && m == row.mean && row.size > 0)
        return r.poisson(PoissonCdf(&sums[row.first], row.size, row.guide));
    }
    return r.poisson(m);
  }
};

struct CohortRuntime {
  const Cohort* spec = nullptr;
  const engine::ModelPrice* price = nullptr;
  const engine::ModelPrice* substitute = nullptr;  // under model approval
  bool needs_approval = false;
  std::array<double, 4> mix{};  // input, output, cache_read, cache_write
  double usd_per_token = 0.0;   // blended list price
  double usd_per_token_sub = 0.0;
  double retries_per_task = 0.0;
  double mean_tokens_factor = 1.0;  // E[tokens per task] / median
  double agent_mean_factor = 1.0;   // E[tokens per agent-day] / median
  LogSumTable task_sum, agent_sum;  // lognormal_sum constants: tasks, agents
  std::vector<double> loop_start;   // by agent count: chance a loop starts today
  PoissonByCount retries_of, prs_of, commits_of, accepted_of, rejected_of;  // by task count
  std::int64_t first = 0, count = 0;  // employee index range (licensed seats)
};

// PricingCatalog::cost (sum of tokens x price in 128 bits, times 100 percent, rounded once
// to the micro-dollar) in 64-bit arithmetic whenever nothing can overflow: the same integer,
// without a 128-bit division per purpose and person-day ((100 p + 5e7) / 1e8 and
// (p + 5e5) / 1e6 are the same rational, truncated alike).
inline MicroUsd exact_cost(const engine::ModelPrice& price, const engine::TokenCounts& t) {
  std::int64_t pico = 0;
  bool ok = true;
  for (int k = 0; k < engine::kTokenTypes; ++k) {
    std::int64_t term = 0;
    ok &= t.n[k] <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
          !__builtin_mul_overflow(static_cast<std::int64_t>(t.n[k]), price.micro_usd_per_mtok[k], &term) &&
          !__builtin_add_overflow(pico, term, &pico);
  }
  if (ok && pico < std::numeric_limits<std::int64_t>::max() - 500'000)
    return (pico + 500'000) / 1'000'000;  // truncates toward zero, as the 128-bit division
  return engine::PricingCatalog::cost(price, t);
}

// Splits a purpose's tokens into types by the cohort's shares and prices them exactly.
inline MicroUsd price_tokens(const CohortRuntime& c, const engine::ModelPrice& price,
                             std::uint64_t tokens, engine::TokenCounts* by_type) {
  GOODHART_COUNT(priced, 1);
  engine::TokenCounts t;
  const double td = static_cast<double>(tokens);
  t[engine::TokenType::input] = static_cast<std::uint64_t>(td * c.mix[0]);
  t[engine::TokenType::output] = static_cast<std::uint64_t>(td * c.mix[1]);
  t[engine::TokenType::cache_read] = static_cast<std::uint64_t>(td * c.mix[2]);
  const std::uint64_t assigned = t[engine::TokenType::input] + t[engine::TokenType::output] +
                                 t[engine::TokenType::cache_read];
  t[engine::TokenType::cache_write_5m] = tokens > assigned ? tokens - assigned : 0;
  if (by_type) *by_type += t;
  return exact_cost(price, t);
}

// engine::spearman's value, faster and leaner: each variable is ranked by sorting (value,
// index) pairs, the two at once when there are threads (each in its own scratch), and x (a
// copy the caller owns) is overwritten with its own ranks; the scratch is released on return.
// Mid-ranks of ties depend only on the values, so the ranks, and Pearson's correlation of
// them, are the same whatever order the sort leaves ties in: Boost's branchless
// pattern-defeating quicksort, about 3x std::sort on these keys. (With a NaN the order of a
// sort is not defined: engine::spearman then decides, as before.)
void average_ranks_into(const std::vector<double>& x, std::vector<std::pair<double, std::uint32_t>>& tmp,
                        std::vector<double>& r) {
  const std::size_t n = x.size();
  tmp.resize(n);
  for (std::size_t i = 0; i < n; ++i) tmp[i] = {x[i], static_cast<std::uint32_t>(i)};
  boost::sort::pdqsort_branchless(tmp.begin(), tmp.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  r.resize(n);  // r may be x itself: x is not read again
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && tmp[j + 1].first == tmp[i].first) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[tmp[k].second] = rank;
    i = j + 1;
  }
  std::vector<std::pair<double, std::uint32_t>>().swap(tmp);
}

double spearman_of(std::vector<double>& x, const std::vector<double>& y, int threads) {
  bool nan = x.size() != y.size() || x.size() > std::numeric_limits<std::uint32_t>::max();
  for (std::size_t i = 0; i < x.size() && !nan; ++i) nan = std::isnan(x[i]) || std::isnan(y[i]);
  if (nan) return engine::spearman(x, y).value_or(kNaN);
  std::vector<std::pair<double, std::uint32_t>> tx, ty;
  std::vector<double> ry;
#pragma omp parallel sections num_threads(std::min(threads, 2))
  {
#pragma omp section
    average_ranks_into(y, ty, ry);
#pragma omp section
    average_ranks_into(x, tx, x);
  }
  return engine::pearson(x, ry).value_or(kNaN);
}

struct SchemeRuntime {
  const IncentiveScheme* spec = nullptr;
  std::vector<std::uint8_t> applies;  // per cohort
  bool active = false;
  // leaderboard
  double cutoff = kNaN;  // last published (window metric units)
  double podium_cutoff = kNaN;  // score of the last podium place, when the board has one
  double forecast_scale = 1.0;  // of the last publication (IncentiveScheme::forecast_scale)
  bool forecast_ready = false;
};

struct Accum {  // one chunk's sums for one day; reduced in chunk order
  std::array<MicroUsd, kPurposes> spend{};
  std::array<double, kPurposes> tokens{};
  double value = 0.0;
  double value_lost = 0.0;
  MicroUsd blocked = 0;
  std::int64_t active = 0;
  std::int64_t newly_aware = 0;
  std::int64_t loops_started = 0;
  std::int64_t week_users = 0;  // active this week (counted on the week's last day)
  float longest_loop = 0.0f;    // longest loop age of the chunk's people
};

}  // namespace

ReplicateResult simulate_replicate(const Scenario& s, std::uint64_t seed, int replicate,
                                   int threads, bool keep_people,
                                   const std::function<void(const engine::UsageRecord&)>& on_event,
                                   std::atomic<std::int64_t>* progress) {
  const std::uint64_t key = replicate_key(seed, static_cast<std::uint64_t>(replicate));
  const int days = s.horizon.days;
  const BehaviourSpec& bh = s.behaviour;

  // ---- Population: licensed seats, cohort by cohort, teams in consecutive blocks. ----
  std::vector<CohortRuntime> cohorts(s.cohorts.size());
  std::int64_t n = 0;
  std::int32_t n_teams = 0;
  for (std::size_t c = 0; c < s.cohorts.size(); ++c) {
    const Cohort& spec = s.cohorts[c];
    CohortRuntime& cr = cohorts[c];
    cr.spec = &spec;
    cr.price = s.pricing->find(spec.model);
    const double mix_sum = spec.token_mix.input + spec.token_mix.output +
                           spec.token_mix.cache_read + spec.token_mix.cache_write;
    cr.mix = {spec.token_mix.input / mix_sum, spec.token_mix.output / mix_sum,
              spec.token_mix.cache_read / mix_sum, spec.token_mix.cache_write / mix_sum};
    auto blended = [&](const engine::ModelPrice* p) {
      if (!p) return 0.0;
      const auto& m = p->micro_usd_per_mtok;
      return (cr.mix[0] * m[0] + cr.mix[1] * m[1] + cr.mix[2] * m[2] + cr.mix[3] * m[3]) / 1e12;
    };
    cr.usd_per_token = blended(cr.price);
    const auto& ma = s.governance.model_approval;
    if (ma.enabled && std::find(ma.models.begin(), ma.models.end(), spec.model) != ma.models.end()) {
      cr.needs_approval = true;
      cr.substitute = s.pricing->find(ma.substitute);
      cr.usd_per_token_sub = blended(cr.substitute);
    }
    double rpt = 0.0, pk = 1.0;
    for (int k = 1; k <= spec.max_retries; ++k) rpt += (pk *= spec.p_fail);
    cr.retries_per_task = rpt;
    cr.mean_tokens_factor = std::exp(0.5 * spec.task_tokens_sigma * spec.task_tokens_sigma);
    const double agent_sigma = spec.agents.tokens_per_agent_day.sigma;
    cr.agent_mean_factor = std::exp(0.5 * agent_sigma * agent_sigma);
    cr.first = n;
    cr.count = static_cast<std::int64_t>(std::llround(static_cast<double>(spec.headcount) * spec.seat_share));
    n += cr.count;
    n_teams += static_cast<std::int32_t>((cr.count + spec.team_size - 1) / std::max(spec.team_size, 1));
  }
  const std::size_t N = static_cast<std::size_t>(n);

  // Traits (drawn once per replicate) and state, structure of arrays.
  std::vector<std::uint16_t> cohort_of(N);
  std::vector<std::int32_t> team_of(N);
  std::vector<float> lambda(N), tok_median(N), value_scale(N), gaming_cost(N);
  std::vector<std::uint16_t> agents(N);
  std::vector<std::uint8_t> approved(N), aware(N), loop_on(N), week_active(N);
  std::vector<float> loop_remaining(N), loop_age(N), week_metric(N);
  // Efforts in force, and the best response people are moving towards.
  std::vector<float> e_real(N, static_cast<float>(bh.baseline[0])),
      e_gaming(N, static_cast<float>(bh.baseline[1])), e_kpi(N, static_cast<float>(bh.baseline[2]));
  std::vector<float> t_real(N), t_gaming(N), t_kpi(N);
  const float adjust = static_cast<float>(bh.effort_adjustment_per_day);
  std::vector<std::int32_t> team_size_of;
  {
    std::int32_t team = 0;
    for (std::size_t c = 0; c < cohorts.size(); ++c) {
      const CohortRuntime& cr = cohorts[c];
      const Cohort& spec = *cr.spec;
      for (std::int64_t k = 0; k < cr.count; ++k) {
        const std::size_t i = static_cast<std::size_t>(cr.first + k);
        if (k % spec.team_size == 0) {
          if (k > 0) ++team;
          team_size_of.push_back(0);
        }
        cohort_of[i] = static_cast<std::uint16_t>(c);
        team_of[i] = team;
        ++team_size_of[team];
      }
      if (cr.count > 0) ++team;
    }
  }
  // Each person's traits come from their own counter-based stream: drawn in parallel, the
  // same as drawn in order.
#pragma omp parallel for schedule(static, kChunk) num_threads(std::max(1, threads))
  for (std::size_t i = 0; i < N; ++i) {
    const Cohort& spec = *cohorts[cohort_of[i]].spec;
    Draws r(key, Stream::traits, static_cast<std::uint32_t>(i), 0);
    lambda[i] = static_cast<float>(r.lognormal(spec.tasks_per_day.median, spec.tasks_per_day.sigma));
    tok_median[i] = static_cast<float>(r.lognormal(spec.tokens_per_task.median, spec.tokens_per_task.sigma));
    value_scale[i] = static_cast<float>(r.lognormal(spec.value_per_task_usd.median, spec.value_per_task_usd.sigma));
    gaming_cost[i] = static_cast<float>(r.lognormal(spec.gaming_cost.median, spec.gaming_cost.sigma));
    agents[i] = static_cast<std::uint16_t>(std::min<std::uint32_t>(r.poisson(spec.agents.per_person_mean), 1000));
    approved[i] = r.bernoulli(s.governance.model_approval.approved_share);
    aware[i] = r.bernoulli(bh.know_how.seed_share);
  }
  n_teams = static_cast<std::int32_t>(team_size_of.size());
  // Per-cohort constants of the day loop, tabulated by integer task and agent counts.
  for (CohortRuntime& cr : cohorts) {
    const Cohort& spec = *cr.spec;
    std::uint16_t max_agents = 0;
    for (std::int64_t k = 0; k < cr.count; ++k) max_agents = std::max(max_agents, agents[cr.first + k]);
    cr.task_sum.init(spec.task_tokens_sigma, 256);
    cr.agent_sum.init(spec.agents.tokens_per_agent_day.sigma, max_agents);
    // The day loop's Poisson means for n tasks with nothing kept back and no gaming, up to 64
    // tasks in a day (beyond, rare even at the shipped scenarios' busiest, the draws are the
    // same without a table; the tables' rows grow with the mean).
    const auto& oc = spec.outcomes;
    constexpr std::size_t kTabulatedTasks = 64;
    cr.retries_of.init(kTabulatedTasks, [&](double n) { return n * cr.retries_per_task; });
    cr.prs_of.init(kTabulatedTasks, [&](double n) { return n * oc.prs_per_task; });
    cr.commits_of.init(kTabulatedTasks, [&](double n) { return n * oc.commits_per_task; });
    cr.accepted_of.init(kTabulatedTasks, [&](double n) { return n * oc.edits_per_task * oc.accept_rate; });
    cr.rejected_of.init(kTabulatedTasks, [&](double n) { return n * oc.edits_per_task * (1.0 - oc.accept_rate); });
    cr.loop_start.resize(max_agents + 1u);
    for (std::uint16_t a = 0; a <= max_agents; ++a)
      cr.loop_start[a] = 1.0 - std::pow(1.0 - spec.agents.loop_hazard_per_day, a);
  }

  engine::Governor governor(s.governance, team_of, n_teams, s.horizon.start);

  // ---- Incentive schemes. ----
  std::vector<SchemeRuntime> schemes(s.incentives.size());
  for (std::size_t k = 0; k < schemes.size(); ++k) {
    schemes[k].spec = &s.incentives[k];
    schemes[k].applies.assign(cohorts.size(), s.incentives[k].cohorts.empty());
    for (const auto& name : s.incentives[k].cohorts)
      for (std::size_t c = 0; c < cohorts.size(); ++c)
        if (s.cohorts[c].name == name) schemes[k].applies[c] = 1;
  }
  int lb = -1;  // the (first) leaderboard drives ranking and decisions
  for (std::size_t k = 0; k < schemes.size(); ++k)
    if (schemes[k].spec->kind == SchemeKind::leaderboard && schemes[k].spec->enabled) {
      lb = static_cast<int>(k);
      break;
    }
  int quota = -1;
  for (std::size_t k = 0; k < schemes.size(); ++k)
    if (schemes[k].spec->kind == SchemeKind::quota && schemes[k].spec->enabled) {
      quota = static_cast<int>(k);
      break;
    }
  // Per person, one sum per publication period in the window while periods leave it during
  // the run; otherwise the current period's sum and the closed periods' total, added as each
  // closes (the same additions in the same order as summing the periods at each publication).
  // The denominator is kept only when the board ranks a ratio (outcomes per dollar).
  const bool lb_slides = lb >= 0 && schemes[lb].spec->window_slides_within(days);
  const int lb_periods = lb_slides ? schemes[lb].spec->periods_in_window() : 1;
  const bool lb_ratio = lb >= 0 && schemes[lb].spec->metric == Metric::outcome_per_usd;
  std::vector<float> lb_num(lb >= 0 ? N * lb_periods : 0), lb_den(lb_ratio ? N * lb_periods : 0);
  std::vector<double> lb_closed_num(lb >= 0 && !lb_slides ? N : 0), lb_closed_den(lb_ratio && !lb_slides ? N : 0);
  int lb_slot = 0;
  const Metric rewarded_metric = lb >= 0 ? schemes[lb].spec->metric
                                 : !schemes.empty() ? schemes[0].spec->metric
                                                    : Metric::tokens;

  // ---- Per-person accumulators. ----
  People P;
  std::array<std::vector<double>, kPurposes> tok_person;
  for (auto& v : tok_person) v.assign(N, 0.0);
  std::vector<MicroUsd> spend_person(N, 0);
  std::vector<double> value_person(N, 0.0), prs_person(N, 0.0), commits_person(N, 0.0);
  std::vector<double> acc_person(N, 0.0), rej_person(N, 0.0);
  std::vector<std::int32_t> active_days(N, 0), capped_days(N, 0);
  std::vector<float> e_sum(3 * N, 0.0f);
  std::vector<std::uint8_t> anomaly_seen(N, 0), capped_seen(N, 0);
  // A person's tokens so far, and the metric the incentive rewards (what the Goodhart gap
  // ranks people by); the whole population's at once, in parallel.
  auto person_tokens = [&](std::size_t i) {
    double tokens = 0.0;
    for (int p = 0; p < kPurposes; ++p) tokens += tok_person[p][i];
    return tokens;
  };
  const bool outcome_metric = rewarded_metric == Metric::outcomes || rewarded_metric == Metric::outcome_per_usd;
  auto rewarded_of = [&](std::size_t i) { return outcome_metric ? prs_person[i] : person_tokens(i); };
  auto rewarded_all = [&] {
    std::vector<double> m(N);
#pragma omp parallel for schedule(static, kChunk) num_threads(std::max(1, threads))
    for (std::size_t i = 0; i < N; ++i) m[i] = rewarded_of(i);
    return m;
  };

  const double workday_share = [&] {
    int w = 0;
    for (bool b : s.horizon.workdays) w += b;
    return w / 7.0;
  }();
  const double work_hours = s.horizon.work_hours_per_day;
  const double work_start = s.horizon.work_start_hour;

  // Cost matrix of person i: gaming rows and columns scaled by the person's gaming cost.
  Eigen::Matrix3d C0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) C0(r, c) = bh.cost[r * 3 + c];
  const Effort e0(bh.baseline[0], bh.baseline[1], bh.baseline[2]);
  auto cost_matrix = [&](std::size_t i) {
    const double g = std::sqrt(static_cast<double>(gaming_cost[i]));
    const Eigen::Vector3d sc(1.0, g, g);
    return Eigen::Matrix3d(sc.asDiagonal() * C0 * sc.asDiagonal());
  };
  // Expected metric per day from effort (slope a) and without it (base), per person.
  auto metric_slope = [&](std::size_t i, Metric m, bool substituted) {
    const CohortRuntime& cr = cohorts[cohort_of[i]];
    const Cohort& sp = *cr.spec;
    const double tokens_real = sp.active_day_prob * lambda[i] * tok_median[i] *
                               cr.mean_tokens_factor * (1.0 + cr.retries_per_task * sp.retry_fraction) / 1e6;
    const Effort tok(tokens_real, bh.gaming_tokens_per_unit / 1e6, bh.kpi_gaming_tokens_per_unit / 1e6);
    const double price_mtok = (substituted ? cr.usd_per_token_sub : cr.usd_per_token) * 1e6;
    const Effort out(sp.active_day_prob * lambda[i] * sp.outcomes.prs_per_task, 0.0,
                     bh.kpi_gaming_outcomes_per_unit);
    switch (m) {
      case Metric::tokens: return tok;
      case Metric::spend: return Effort(tok * price_mtok);
      case Metric::outcomes: return out;
      case Metric::outcome_per_usd: {
        // Linearised at the baseline: d(O/S) = (dO S - O dS) / S^2.
        const Effort spend = tok * price_mtok;
        const double s0 = std::max(spend.dot(e0) + 1e-9, 1e-9), o0 = out.dot(e0);
        return Effort((out * s0 - spend * o0) / (s0 * s0));
      }
    }
    return tok;
  };
  auto metric_base = [&](std::size_t i, Metric m, bool substituted) {
    const CohortRuntime& cr = cohorts[cohort_of[i]];
    const auto& ag = cr.spec->agents;
    const double agent_tokens = agents[i] * ag.tokens_per_agent_day.median * cr.agent_mean_factor / 1e6;
    const double price_mtok = (substituted ? cr.usd_per_token_sub : cr.usd_per_token) * 1e6;
    switch (m) {
      case Metric::tokens: return agent_tokens;
      case Metric::spend: return agent_tokens * price_mtok;
      default: return 0.0;
    }
  };
  auto is_substituted = [&](std::size_t i, int day) {
    const CohortRuntime& cr = cohorts[cohort_of[i]];
    return cr.needs_approval && !approved[i] && s.governance.model_approval.window.contains(day);
  };

  // The leaderboard's tiers as people forecast them today (set once the board is active and
  // forecast, before anyone decides on it): the same for everyone ranked.
  std::optional<LeaderboardTiers> lb_tiers;
  auto forecast_tiers = [&]() -> std::optional<LeaderboardTiers> {
    if (lb < 0 || !schemes[lb].active || !schemes[lb].forecast_ready) return std::nullopt;
    const auto& sp = *schemes[lb].spec;
    const double cutoff = schemes[lb].cutoff * schemes[lb].forecast_scale;
    const double podium_cutoff = schemes[lb].podium_cutoff * schemes[lb].forecast_scale;
    const std::array<PrizeTier, 2> tiers{
        PrizeTier{cutoff, std::max(sp.sigma_share * std::abs(cutoff), 1e-9), sp.prize},
        PrizeTier{podium_cutoff, std::max(sp.podium.sigma_share * std::abs(podium_cutoff), 1e-9),
                  sp.podium.places > 0 ? sp.podium.prize : 0.0}};
    return LeaderboardTiers(tiers);
  };

  auto decide = [&](std::size_t i, int day) {
    const std::uint16_t c = cohort_of[i];
    const bool sub = is_substituted(i, day);
    Effort g = Effort::Zero();
    for (const auto& sc : schemes) {
      if (!sc.active || !sc.applies[c]) continue;
      if (sc.spec->kind == SchemeKind::linear || sc.spec->kind == SchemeKind::outcome_kpi)
        g += sc.spec->weight * metric_slope(i, sc.spec->metric, sub);
    }
    const std::array<bool, 3> allowed{true, aware[i] != 0, aware[i] != 0};
    const Eigen::Matrix3d C = cost_matrix(i);
    Effort e;
    if (lb_tiers && schemes[lb].applies[c]) {
      const auto& sp = *schemes[lb].spec;
      const double wdays = sp.window_days;
      const double base = metric_base(i, sp.metric, sub) * wdays;
      e = leaderboard_best_response(e0, C, g, metric_slope(i, sp.metric, sub), allowed, base,
                                    wdays * workday_share, *lb_tiers)
              .effort;
    } else {
      e = best_response_linear(e0, C, g, allowed);
    }
    t_real[i] = static_cast<float>(e(0));
    t_gaming[i] = static_cast<float>(e(1));
    t_kpi[i] = static_cast<float>(e(2));
  };
  auto adjust_effort = [&](std::size_t i) {
    e_real[i] += adjust * (t_real[i] - e_real[i]);
    e_gaming[i] += adjust * (t_gaming[i] - e_gaming[i]);
    e_kpi[i] += adjust * (t_kpi[i] - e_kpi[i]);
  };

  // A publication of the board: the cutoff (score of its last winning place) and the podium's
  // last score, which people forecast from until the next one. `scores` is reordered.
  auto publish = [](SchemeRuntime& sc, std::vector<double>& scores) {
    if (scores.empty()) return false;
    auto score_of_place = [&](std::size_t k) {
      k = std::min(k, scores.size());
      std::nth_element(scores.begin(), scores.begin() + (k - 1), scores.end(), std::greater<>());
      return scores[k - 1];
    };
    const IncentiveScheme& sp = *sc.spec;
    sc.cutoff = score_of_place(sp.winning_places(scores.size()));
    if (sp.podium.places > 0) sc.podium_cutoff = score_of_place(static_cast<std::size_t>(sp.podium.places));
    sc.forecast_ready = true;
    return true;
  };
  // Expected window metric of everyone at current efforts: the forecast before the first
  // leaderboard is published (people know roughly what their colleagues use).
  auto publish_expected_cutoff = [&](SchemeRuntime& sc, int day) {
    std::vector<double> scores;
    scores.reserve(N);
    for (std::size_t i = 0; i < N; ++i) {
      if (!sc.applies[cohort_of[i]]) continue;
      const bool sub = is_substituted(i, day);
      const Effort e(t_real[i], t_gaming[i], t_kpi[i]);
      scores.push_back(metric_base(i, sc.spec->metric, sub) * sc.spec->window_days +
                       sc.spec->window_days * workday_share * metric_slope(i, sc.spec->metric, sub).dot(e));
    }
    publish(sc, scores);
  };

  ReplicateResult out;
  out.figures.assign(f_count, kNaN);
  out.daily.assign(d_count, std::vector<double>(days, kNaN));

  const std::size_t n_chunks = (N + kChunk - 1) / kChunk;
  // More threads than chunks would only spin.
  const int team_threads = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(threads, n_chunks)));
  std::vector<Accum> acc(n_chunks);
  // Events are buffered per chunk and emitted in chunk order, so the file is deterministic.
  std::vector<std::vector<engine::UsageRecord>> events(on_event ? n_chunks : 0);
  // Aware people per team and in all, as of the end of the previous day: kept up to date
  // from the day's newly aware people instead of being recounted every day.
  std::vector<std::int32_t> team_aware(n_teams, 0);
  std::int64_t aware_total = 0;
  for (std::size_t i = 0; i < N; ++i) {
    team_aware[team_of[i]] += aware[i];
    aware_total += aware[i];
  }
  std::vector<std::vector<std::uint32_t>> newly_aware(n_chunks);  // per chunk, this day
  MicroUsd cumulative = 0;
  std::array<MicroUsd, kPurposes> ledger_purpose{};
  MicroUsd blocked_total = 0;
  double value_lost_total = 0.0;
  std::int64_t loops_started = 0;
  double longest_loop = 0.0;
  std::vector<double> weekly_adoption;
  std::vector<double> lb_gaming_daily(days, 0.0);
  std::int64_t anomaly_days_total = 0;

  for (int t = 0; t < days; ++t) {
    const engine::Date date = s.horizon.start + t;
    const bool workday = s.horizon.workdays[date.weekday()];
    governor.begin_day(t);

    // Team awareness from yesterday (team_aware), for the within-team spread of know-how.
    const std::int64_t aware_count = aware_total;

    bool redecide = t == 0;
    for (auto& sc : schemes) {
      const bool now = sc.spec->enabled && sc.spec->window.contains(t);
      if (now != sc.active) redecide = true;
      sc.active = now;
    }
    if (s.governance.model_approval.enabled &&
        s.governance.model_approval.window.contains(t) !=
            s.governance.model_approval.window.contains(t - 1))
      redecide = true;
    // Leaderboard: publish on its period boundaries; before the first one, people forecast.
    if (lb >= 0 && schemes[lb].active) {
      SchemeRuntime& sc = schemes[lb];
      const auto& sp = *sc.spec;
      const int since = t - sp.window.start_day;
      if (since > 0 && since % sp.publish_every_days == 0) {
        // Everyone's score in parallel, then those the board ranks kept in index order; the
        // period about to open is emptied in the same pass, after it has been read.
        std::vector<double> scores(N);
        if (!lb_slides) {
#pragma omp parallel for schedule(static, kChunk) num_threads(team_threads)
          for (std::size_t i = 0; i < N; ++i) {
            const double num = lb_closed_num[i] += lb_num[i];
            lb_num[i] = 0.0f;
            if (lb_ratio) {
              const double den = lb_closed_den[i] += lb_den[i];
              lb_den[i] = 0.0f;
              scores[i] = den > 0 ? num / den : 0.0;
            } else {
              scores[i] = num;
            }
          }
        } else {
          // Four people at a time: each person's sum is added in the same order as alone, but
          // the four chains of additions overlap instead of waiting on one another.
          constexpr std::size_t kLanes = 4;
          const std::size_t opening = static_cast<std::size_t>((lb_slot + 1) % lb_periods);
#pragma omp parallel for schedule(static, kChunk / kLanes) num_threads(team_threads)
          for (std::size_t b = 0; b < N; b += kLanes) {
            const std::size_t lanes = std::min(kLanes, N - b);
            double num[kLanes] = {}, den[kLanes] = {};
            for (int p = 0; p < lb_periods; ++p)
              for (std::size_t j = 0; j < lanes; ++j) num[j] += lb_num[(b + j) * lb_periods + p];
            if (lb_ratio)
              for (int p = 0; p < lb_periods; ++p)
                for (std::size_t j = 0; j < lanes; ++j) den[j] += lb_den[(b + j) * lb_periods + p];
            for (std::size_t j = 0; j < lanes; ++j) {
              const std::size_t i = b + j;
              scores[i] = lb_ratio ? (den[j] > 0 ? num[j] / den[j] : 0.0) : num[j];
              lb_num[i * lb_periods + opening] = 0.0f;
              if (lb_ratio) lb_den[i * lb_periods + opening] = 0.0f;
            }
          }
        }
        if (std::find(sc.applies.begin(), sc.applies.end(), 0) != sc.applies.end()) {
          std::size_t kept = 0;
          for (std::size_t i = 0; i < N; ++i)
            if (sc.applies[cohort_of[i]]) scores[kept++] = scores[i];
          scores.resize(kept);
        }
        if (publish(sc, scores)) out.leaderboard_cutoffs.push_back(sc.cutoff);
        sc.forecast_scale = sp.forecast_scale(since);
        lb_slot = (lb_slot + 1) % lb_periods;
        redecide = true;
      }
    }
    lb_tiers.reset();  // today's forecast of the board, made below
    if (redecide) {
      // Efforts without the leaderboard first, so the expected-cutoff forecast can use them.
      if (lb >= 0 && schemes[lb].active && !schemes[lb].forecast_ready) {
        // Each decision touches only its own person: any split gives the same efforts.
#pragma omp parallel for schedule(dynamic, 256) num_threads(team_threads)
        for (std::size_t i = 0; i < N; ++i) decide(i, t);
        publish_expected_cutoff(schemes[lb], t);
      }
    }
    lb_tiers = forecast_tiers();
    const bool quota_check = quota >= 0 && schemes[quota].active &&
                             (t - schemes[quota].spec->window.start_day) % 7 == 6;
    const bool week_end = t % 7 == 6 || t == days - 1;

    const double hazard_base = bh.know_how.base_hazard, hazard_spread = bh.know_how.spread_hazard;

#pragma omp parallel for schedule(dynamic, 1) num_threads(team_threads)
    for (std::size_t ch = 0; ch < n_chunks; ++ch) {
      Accum a;
      const std::size_t lo = ch * kChunk, hi = std::min(N, lo + kChunk);
      for (std::size_t i = lo; i < hi; ++i) {
        const CohortRuntime& cr = cohorts[cohort_of[i]];
        const Cohort& sp = *cr.spec;
        Draws r(key, Stream::day, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(t));

        // Know-how: discovered alone or learnt from aware teammates.
        bool became_aware = false;
        if (!aware[i]) {
          const int ts = team_size_of[team_of[i]];
          const double share = ts > 1 ? static_cast<double>(team_aware[team_of[i]]) / (ts - 1) : 0.0;
          if (r.bernoulli(hazard_base + hazard_spread * share)) {
            aware[i] = 1;
            became_aware = true;
            ++a.newly_aware;
            newly_aware[ch].push_back(static_cast<std::uint32_t>(i));
          }
        }
        if (redecide || became_aware) decide(i, t);
        adjust_effort(i);

        const bool sub = is_substituted(i, t);
        const engine::ModelPrice& price = sub && cr.substitute ? *cr.substitute : *cr.price;
        const double productivity = sub ? s.governance.model_approval.productivity : 1.0;

        std::array<double, kPurposes> tok{};
        double value = 0.0;
        double n_tasks = 0.0;
        bool active = false;
        if (workday) {
          active = r.bernoulli(sp.active_day_prob);
          if (active) {
            n_tasks = r.poisson(lambda[i] * e_real[i] * productivity);
            const double prod = lognormal_sum(r, n_tasks, tok_median[i], cr.task_sum);
            tok[0] = prod;
            value += n_tasks * value_scale[i];
            if (n_tasks > 0) {
              const double m = n_tasks * cr.retries_per_task;
              const double retries = cr.retries_of.draw(r, m, n_tasks);
              tok[1] = retries * sp.retry_fraction * prod / n_tasks;
            }
          }
          if (e_gaming[i] > 0.0f) {
            tok[4] += bh.gaming_tokens_per_unit * e_gaming[i] * r.lognormal(1.0, 0.3);
            active = true;
          }
          if (e_kpi[i] > 0.0f) tok[4] += bh.kpi_gaming_tokens_per_unit * e_kpi[i];
        }
        // Autonomous agents work every day.
        const auto& ag = sp.agents;
        if (agents[i] > 0) {
          tok[2] = lognormal_sum(r, agents[i], ag.tokens_per_agent_day.median, cr.agent_sum);
          value += tok[2] / 1e6 * ag.value_per_mtok_usd;
          // Runaway loops: start with a hazard per agent-day, burn around the clock until a
          // person notices during work hours (or a cap or the detector stops them).
          double burn_hours = 0.0;
          if (loop_on[i]) {
            if (workday && loop_remaining[i] <= work_hours) {
              burn_hours = work_start + loop_remaining[i];
              loop_on[i] = 0;
            } else {
              burn_hours = 24.0;
              if (workday) loop_remaining[i] -= static_cast<float>(work_hours);
            }
            loop_age[i] += static_cast<float>(burn_hours / 24.0);
          } else if (r.bernoulli(cr.loop_start[agents[i]])) {
            ++a.loops_started;
            const double start = 24.0 * r.uniform();
            double delay = r.exponential(ag.notice_delay_work_hours);
            const double noticing_from = std::max(start, work_start);
            const double available = workday ? std::max(0.0, work_start + work_hours - noticing_from) : 0.0;
            if (delay <= available) {
              burn_hours = noticing_from + delay - start;
            } else {
              burn_hours = 24.0 - start;
              loop_on[i] = 1;
              loop_remaining[i] = static_cast<float>(delay - available);
            }
            loop_age[i] = static_cast<float>(burn_hours / 24.0);
          }
          tok[3] = burn_hours * ag.loop_tokens_per_hour;
        }
        // Adoption quota: people short of the weekly threshold top up just above it.
        if (quota >= 0) {
          const auto& qs = *schemes[quota].spec;
          if (schemes[quota].applies[cohort_of[i]]) {
            const double personal = (tok[0] + tok[1] + tok[4]) / 1e6;
            week_metric[i] += static_cast<float>(personal);
            if (quota_check && week_metric[i] < qs.threshold) {
              const double shortfall = qs.threshold - week_metric[i];
              const double units = shortfall / (bh.gaming_tokens_per_unit / 1e6);
              const double cost = 0.5 * C0(1, 1) * gaming_cost[i] * units * units;
              if (cost <= qs.penalty) {
                const double topup = shortfall * (1.0 + 0.1 * r.uniform());
                tok[4] += topup * 1e6;
                active = true;
              }
            }
            if (quota_check) week_metric[i] = 0.0f;
          }
        }

        // Price each purpose exactly, then let governance decide what goes through.
        std::array<std::uint64_t, kPurposes> tk{};
        std::array<MicroUsd, kPurposes> cost{};
        MicroUsd requested = 0;
        for (int p = 0; p < kPurposes; ++p) {
          tk[p] = round_count(tok[p]);
          cost[p] = tk[p] ? price_tokens(cr, price, tk[p], nullptr) : 0;
          requested += cost[p];
        }
        const engine::Decision d = governor.decide(static_cast<std::int32_t>(i), requested);
        double kept = 1.0;
        if (d.allowed < requested) {
          // A blocked request is neither spent nor useful: scale every purpose alike.
          kept = static_cast<double>(d.allowed) / static_cast<double>(requested);
          requested = 0;
          for (int p = 0; p < kPurposes; ++p) {
            tk[p] = static_cast<std::uint64_t>(static_cast<double>(tk[p]) * kept);
            const MicroUsd before = cost[p];
            cost[p] = tk[p] ? price_tokens(cr, price, tk[p], nullptr) : 0;
            a.blocked += before - cost[p];
            requested += cost[p];
          }
          // Rounding each purpose's cost may leave the sum a micro-dollar over what was
          // allowed; trim the largest purpose until nothing beyond the allowance is billed.
          while (requested > d.allowed) {
            const int big = static_cast<int>(std::max_element(tk.begin(), tk.end()) - tk.begin());
            if (tk[big] == 0) break;
            tk[big] -= std::max<std::uint64_t>(1, tk[big] / 1'000'000);
            const MicroUsd before = cost[big];
            cost[big] = tk[big] ? price_tokens(cr, price, tk[big], nullptr) : 0;
            a.blocked += before - cost[big];
            requested -= before - cost[big];
          }
          a.value_lost += value * (1.0 - kept);
          value *= kept;
          if (d.capped || d.stop_agents) loop_on[i] = 0;  // the gateway rejects the loop's calls
        }
        if (d.stop_agents) loop_on[i] = 0;
        governor.settle(static_cast<std::int32_t>(i), requested, d);
        if (d.capped) {
          ++capped_days[i];
          capped_seen[i] = 1;
        }
        if (d.anomaly) anomaly_seen[i] = 1;

        value -= tk[4] / 1e6 * bh.review_burden_usd_per_mtok;

        // Measured outcomes: noisy in real work, and partly gameable.
        const double gaming_mtok = tk[4] / 1e6;
        const auto& oc = sp.outcomes;
        const double m_prs = kept * (n_tasks * oc.prs_per_task + e_kpi[i] * bh.kpi_gaming_outcomes_per_unit * (workday ? 1.0 : 0.0));
        const double m_commits = kept * n_tasks * oc.commits_per_task;
        const double m_acc = kept * n_tasks * oc.edits_per_task * oc.accept_rate +
                             gaming_mtok * oc.gaming_edits_per_mtok * oc.gaming_accept_rate;
        const double m_rej = kept * n_tasks * oc.edits_per_task * (1.0 - oc.accept_rate) +
                             gaming_mtok * oc.gaming_edits_per_mtok * (1.0 - oc.gaming_accept_rate);
        const double prs = cr.prs_of.draw(r, m_prs, n_tasks);
        const double commits = cr.commits_of.draw(r, m_commits, n_tasks);
        const double acc_e = cr.accepted_of.draw(r, m_acc, n_tasks);
        const double rej_e = cr.rejected_of.draw(r, m_rej, n_tasks);

        MicroUsd spent = 0;
        for (int p = 0; p < kPurposes; ++p) {
          a.spend[p] += cost[p];
          a.tokens[p] += static_cast<double>(tk[p]);
          tok_person[p][i] += static_cast<double>(tk[p]);
          spent += cost[p];
        }
        spend_person[i] += spent;
        value_person[i] += value;
        a.value += value;
        prs_person[i] += prs;
        commits_person[i] += commits;
        acc_person[i] += acc_e;
        rej_person[i] += rej_e;
        if (active) {
          ++active_days[i];
          ++a.active;
          week_active[i] = 1;
        }
        if (week_end) {
          a.week_users += week_active[i];
          week_active[i] = 0;
        }
        a.longest_loop = std::max(a.longest_loop, loop_age[i]);
        if (workday) {
          e_sum[3 * i] += e_real[i];
          e_sum[3 * i + 1] += e_gaming[i];
          e_sum[3 * i + 2] += e_kpi[i];
        }
        if (lb >= 0 && schemes[lb].active) {
          const Metric m = schemes[lb].spec->metric;
          const double all_tokens = static_cast<double>(tk[0] + tk[1] + tk[2] + tk[3] + tk[4]) / 1e6;
          float& num = lb_num[i * lb_periods + lb_slot];
          switch (m) {
            case Metric::tokens: num += static_cast<float>(all_tokens); break;
            case Metric::spend: num += static_cast<float>(spent / 1e6); break;
            case Metric::outcomes: num += static_cast<float>(prs); break;
            case Metric::outcome_per_usd:
              num += static_cast<float>(prs);
              lb_den[i * lb_periods + lb_slot] += static_cast<float>(spent / 1e6);
              break;
          }
        }
        if (on_event && (spent > 0 || prs > 0)) {
          engine::UsageRecord rec;
          rec.day = date;
          rec.person = "e" + std::to_string(i);
          rec.team = "t" + std::to_string(team_of[i]);
          rec.cohort = sp.name;
          rec.model = price.model;
          for (int p = 0; p < kPurposes; ++p)
            if (tk[p]) price_tokens(cr, price, tk[p], &rec.tokens);
          rec.cost = spent;
          rec.outcomes.pull_requests = static_cast<std::int64_t>(prs);
          rec.outcomes.commits = static_cast<std::int64_t>(commits);
          rec.outcomes.edits_accepted = static_cast<std::int64_t>(acc_e);
          rec.outcomes.edits_rejected = static_cast<std::int64_t>(rej_e);
          rec.outcomes.lines_added = static_cast<std::int64_t>(std::llround(kept * n_tasks * oc.lines_per_task));
          rec.outcomes.sessions = active ? 1 : 0;
          rec.gaming_tokens_truth = tk[4];
          events[ch].push_back(std::move(rec));
        }
      }
      acc[ch] = a;
    }

    // ---- Reduce in chunk order (deterministic), then the governor's day. ----
    for (auto& chunk : events) {
      for (const auto& rec : chunk) on_event(rec);
      chunk.clear();
    }
    Accum day{};
    for (const Accum& a : acc) {
      for (int p = 0; p < kPurposes; ++p) {
        day.spend[p] += a.spend[p];
        day.tokens[p] += a.tokens[p];
      }
      day.value += a.value;
      day.value_lost += a.value_lost;
      day.blocked += a.blocked;
      day.active += a.active;
      day.loops_started += a.loops_started;
      day.week_users += a.week_users;
      longest_loop = std::max(longest_loop, static_cast<double>(a.longest_loop));
    }
    for (auto& chunk : newly_aware) {
      for (const std::uint32_t i : chunk) ++team_aware[team_of[i]];
      aware_total += static_cast<std::int64_t>(chunk.size());
      chunk.clear();
    }
    const engine::DayReport rep = governor.end_day();
    MicroUsd spend_day = 0;
    for (int p = 0; p < kPurposes; ++p) {
      spend_day += day.spend[p];
      ledger_purpose[p] += day.spend[p];
    }
    cumulative += spend_day;
    blocked_total += day.blocked;
    value_lost_total += day.value_lost;
    loops_started += day.loops_started;
    anomaly_days_total += rep.anomalies;

    auto& D = out.daily;
    D[d_spend_usd][t] = spend_day / 1e6;
    for (int p = 0; p < kPurposes; ++p) {
      D[d_spend_productive_usd + p][t] = day.spend[p] / 1e6;
      D[d_tokens_productive + p][t] = day.tokens[p];
    }
    D[d_value_usd][t] = day.value;
    D[d_theatre_share][t] = spend_day > 0 ? (day.spend[1] + day.spend[3] + day.spend[4]) / static_cast<double>(spend_day) : 0.0;
    D[d_cumulative_spend_usd][t] = cumulative / 1e6;
    D[d_people_capped][t] = rep.people_capped;
    D[d_anomalies][t] = rep.anomalies;
    D[d_alerts][t] = rep.alerts;
    D[d_aware_share][t] = N ? static_cast<double>(aware_count) / N : 0.0;
    D[d_active_share][t] = N ? static_cast<double>(day.active) / N : 0.0;
    lb_gaming_daily[t] = day.tokens[4];
    if (lb >= 0 && schemes[lb].forecast_ready && schemes[lb].active) D[d_leaderboard_cutoff][t] = schemes[lb].cutoff;
    if (week_end) {
      const std::int64_t users = day.week_users;
      const std::int64_t heads = s.employees();
      const double adoption = heads ? static_cast<double>(users) / heads : 0.0;
      D[d_adoption_weekly][t] = adoption;
      if (t % 7 == 6) weekly_adoption.push_back(adoption);  // only whole weeks count
      // The Goodhart gap over time: does the rewarded metric still rank people by value?
      std::vector<double> gap_metric = rewarded_all();
      D[d_goodhart_gap_rank][t] = spearman_of(gap_metric, value_person, threads);
    }
    if (progress) progress->fetch_add(static_cast<std::int64_t>(s.employees()));
  }

  // ---- Figures of this replicate. ----
  auto& F = out.figures;
  MicroUsd spend_total = 0;
  std::array<MicroUsd, kPurposes> spend_p{};
  std::array<double, kPurposes> tokens_p{};
  for (int t = 0; t < days; ++t)
    for (int p = 0; p < kPurposes; ++p) tokens_p[p] += out.daily[d_tokens_productive + p][t];
  out.spend_micro_by_cohort.assign(cohorts.size(), 0);
  for (std::size_t i = 0; i < N; ++i) {
    spend_total += spend_person[i];
    out.spend_micro_by_cohort[cohort_of[i]] += spend_person[i];
  }
  spend_p = ledger_purpose;
  out.spend_micro_by_purpose = ledger_purpose;
  out.spend_micro_total = spend_total;
  F[f_spend_usd] = spend_total / 1e6;
  double tokens_total = 0.0;
  for (int p = 0; p < kPurposes; ++p) {
    F[f_spend_productive_usd + p] = spend_p[p] / 1e6;
    F[f_tokens_productive + p] = tokens_p[p];
    tokens_total += tokens_p[p];
  }
  F[f_tokens_total] = tokens_total;
  double value_total = 0.0;
  for (double v : value_person) value_total += v;
  F[f_value_usd] = value_total;
  F[f_value_per_usd] = spend_total > 0 ? value_total / (spend_total / 1e6) : kNaN;
  F[f_theatre_share] = spend_total > 0 ? (spend_p[1] + spend_p[3] + spend_p[4]) / static_cast<double>(spend_total) : 0.0;
  // Regressional Goodhart and the spread of use over people: independent of each other,
  // run side by side when there are threads (each writes its own figures).
  auto regressional = [&] {
    const std::vector<double> metric = rewarded_all();
    // Regressional Goodhart: the top decile by the metric against the population, observed
    // and as the population's least-squares line of value on metric predicts.
    if (N >= 10) {
      const std::size_t k = N / 10;
      // Ties at the decile's edge are shared (engine::TopK). (With a NaN the comparison is no
      // order at all: the first k of the full stable sort.)
      double sel_v = 0.0, sel_m = 0.0;
      if (std::none_of(metric.begin(), metric.end(), [](double v) { return std::isnan(v); })) {
        const engine::TopK top = engine::top_k(metric, k);
        for (std::size_t i = 0; i < N; ++i) {
          const double w = top.weight(metric[i]);
          sel_v += w * value_person[i];
          sel_m += w * metric[i];
        }
      } else {
        std::vector<std::size_t> order(N);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return metric[x] > metric[y]; });
        for (std::size_t j = 0; j < k; ++j) {
          sel_v += value_person[order[j]];
          sel_m += metric[order[j]];
        }
      }
      sel_v /= k;
      sel_m /= k;
      const double mean_v = engine::mean(value_person);
      if (const auto line = engine::fit_line(metric, value_person); line && mean_v != 0.0) {
        F[f_selected_value_ratio] = sel_v / mean_v;
        F[f_selected_value_ratio_predicted] = (line->intercept + line->slope * sel_m) / mean_v;
      }
    }
  };
  // The gap between the rewarded metric and value at the end: the last day's, computed then.
  if (days > 0) F[f_goodhart_gap_rank] = out.daily[d_goodhart_gap_rank][days - 1];
  {
    // What a tokens-as-value dashboard would claim, minus the value delivered.
    const double useful = tokens_p[0] + tokens_p[2];
    F[f_goodhart_gap_usd] = useful > 0 ? tokens_total * (value_total / useful) - value_total : 0.0;
  }
  F[f_spend_blocked_usd] = blocked_total / 1e6;
  F[f_value_lost_usd] = value_lost_total;
  F[f_alerts] = static_cast<double>(governor.alerts().size() + governor.seat_alerts());
  F[f_seat_alerts] = static_cast<double>(governor.seat_alerts());
  F[f_people_capped] = std::accumulate(capped_seen.begin(), capped_seen.end(), 0.0);
  F[f_anomaly_days] = static_cast<double>(anomaly_days_total);
  if (governor.org_exhausted_day() >= 0) {
    F[f_budget_exhausted_day] = governor.org_exhausted_day();
    F[f_budget_exhausted_day_of_year] = (s.horizon.start + governor.org_exhausted_day()).day_of_year();
  }
  if (!out.leaderboard_cutoffs.empty()) {
    const auto& c = out.leaderboard_cutoffs;
    F[f_leaderboard_cutoff_final] = c.back();
    if (c.size() > 1) {
      int rises = 0;
      for (std::size_t k = 1; k < c.size(); ++k) rises += c[k] > c[k - 1];
      F[f_leaderboard_cutoff_rise_share] = static_cast<double>(rises) / (c.size() - 1);
    }
  }
  {
    std::size_t top = 0;
    double top_tokens = -1.0;
    for (std::size_t i = 0; i < N; ++i) {
      const double tokens = person_tokens(i);
      if (tokens > top_tokens) {
        top_tokens = tokens;
        top = i;
      }
    }
    if (N) {
      F[f_top_user_tokens] = top_tokens;
      F[f_top_user_spend_usd] = spend_person[top] / 1e6;
    }
  }
  if (!weekly_adoption.empty()) {
    F[f_adoption_weekly_mean] = std::accumulate(weekly_adoption.begin(), weekly_adoption.end(), 0.0) / weekly_adoption.size();
    F[f_adoption_weekly_min] = *std::min_element(weekly_adoption.begin(), weekly_adoption.end());
  }
  F[f_aware_share_final] = N ? std::accumulate(aware.begin(), aware.end(), 0.0) / N : kNaN;
  if (N && days) F[f_spend_per_person_month_usd] = spend_total / 1e6 / N / (days / 30.4375);
  auto spread = [&] {
    std::int64_t active_total = 0;
    // Scratch sized by a count first, each part freed before the next.
    std::size_t n_active = 0, n_users = 0;
    for (std::size_t i = 0; i < N; ++i) {
      active_total += active_days[i];
      n_active += active_days[i] > 0;
      n_users += person_tokens(i) > 0;
    }
    if (active_total > 0) F[f_spend_per_active_day_usd] = spend_total / 1e6 / active_total;
    if (n_active > 0) {
      std::vector<double> per_active_day;
      per_active_day.reserve(n_active);
      for (std::size_t i = 0; i < N; ++i)
        if (active_days[i] > 0) per_active_day.push_back(spend_person[i] / 1e6 / active_days[i]);
      F[f_p90_person_spend_per_active_day_usd] = engine::quantile_in_place(per_active_day, 0.9);
    }
    if (n_users >= 10) {
      std::vector<double> tokens_users, output_users;
      tokens_users.reserve(n_users);
      output_users.reserve(n_users);
      for (std::size_t i = 0; i < N; ++i) {
        const double tokens = person_tokens(i);
        if (tokens > 0) {
          tokens_users.push_back(tokens);
          output_users.push_back(prs_person[i]);
        }
      }
      // Mean of the top decile of users by tokens against the median user (ties at the
      // decile's edge shared: engine::TopK).
      const std::size_t dec = std::max<std::size_t>(1, tokens_users.size() / 10);
      const engine::TopK top = engine::top_k(tokens_users, dec);
      double top_tok = 0.0, top_out = 0.0;
      for (std::size_t j = 0; j < tokens_users.size(); ++j) {
        const double w = top.weight(tokens_users[j]);
        top_tok += w * tokens_users[j];
        top_out += w * output_users[j];
      }
      const double med_tok = engine::quantile_in_place(tokens_users, 0.5);
      const double med_out = engine::quantile_in_place(output_users, 0.5);
      F[f_top10_vs_median_tokens] = med_tok > 0 ? top_tok / dec / med_tok : kNaN;
      F[f_top10_vs_median_output] = med_out > 0 ? top_out / dec / med_out : kNaN;
    }
  };
#pragma omp parallel sections num_threads(std::min(threads, 2))
  {
#pragma omp section
    regressional();
#pragma omp section
    spread();
  }
  if (lb >= 0) {
    // Know-how stays: gaming in the week after the leaderboard ends against the week before.
    const int end = schemes[lb].spec->window.end_day;
    if (end >= 7 && end <= days - 7) {
      double before = 0.0, after = 0.0;
      for (int t = end - 7; t < end; ++t) before += lb_gaming_daily[t];
      for (int t = end; t < end + 7; ++t) after += lb_gaming_daily[t];
      F[f_gaming_after_vs_before] = before > 0 ? after / before : kNaN;
    }
  }
  F[f_loops_started] = static_cast<double>(loops_started);
  F[f_longest_loop_days] = longest_loop;

  out.alerts = governor.alerts();
  if (keep_people) {
    for (const auto& c : s.cohorts) P.cohort_names.push_back(c.name);
    P.cohort = cohort_of;
    P.team = team_of;
    const double wd = std::max(1.0, days * workday_share);
    P.effort_real.resize(N);
    P.effort_usage_gaming.resize(N);
    P.effort_kpi_gaming.resize(N);
    P.spend_usd.resize(N);
    P.rewarded_metric.resize(N);
    for (std::size_t i = 0; i < N; ++i) {
      P.effort_real[i] = e_sum[3 * i] / wd;
      P.effort_usage_gaming[i] = e_sum[3 * i + 1] / wd;
      P.effort_kpi_gaming[i] = e_sum[3 * i + 2] / wd;
      P.spend_usd[i] = spend_person[i] / 1e6;
      P.rewarded_metric[i] = rewarded_of(i);
    }
    P.tokens = std::move(tok_person);
    P.value_usd = std::move(value_person);
    P.pull_requests = std::move(prs_person);
    P.commits = std::move(commits_person);
    P.edits_accepted = std::move(acc_person);
    P.edits_rejected = std::move(rej_person);
    P.active_days = std::move(active_days);
    P.capped_days = std::move(capped_days);
    P.aware = std::move(aware);
    out.people = std::move(P);
  }
  return out;
}

}  // namespace goodhart::sim
