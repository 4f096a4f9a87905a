// A scenario: the typed, validated description of an organisation, its incentives and
// governance (docs/scenarios.md documents every key). Loaded from YAML by scenario_loader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/pricing.hpp"

namespace goodhart::sim {

using engine::Window;

// LogNormal given by its median and the standard deviation of its log (0 = constant).
struct LogNormalSpec {
  double median = 1.0;
  double sigma = 0.0;
};

struct Meta {
  std::string name;
  std::string description;
  std::vector<std::string> sources;
};

struct Horizon {
  engine::Date start;
  int days = 30;
  std::array<bool, 7> workdays{true, true, true, true, true, false, false};  // Mon..Sun
  double work_hours_per_day = 8.0;
  double work_start_hour = 9.0;  // local clock hour the workday starts
};

// Shares of a purpose's tokens by type; sum to 1.
struct TokenMix {
  double input = 0.2;
  double output = 0.05;
  double cache_read = 0.7;
  double cache_write = 0.05;  // priced as 5-minute cache writes
};

struct AgentSpec {
  double per_person_mean = 0.0;          // autonomous agents per licensed person (Poisson)
  LogNormalSpec tokens_per_agent_day{};  // useful background work per agent-day
  double value_per_mtok_usd = 0.0;       // value of a million useful agent tokens
  double loop_hazard_per_day = 0.0;      // chance an agent enters a runaway loop, per agent-day
  double loop_tokens_per_hour = 0.0;     // burn rate of a runaway loop
  double notice_delay_work_hours = 8.0;  // mean time (in work hours) before a person notices
};

// Measured outcomes per productive task (Poisson counts), and what gaming does to them.
struct OutcomeSpec {
  double commits_per_task = 0.5;
  double prs_per_task = 0.15;
  double lines_per_task = 40.0;
  double edits_per_task = 3.0;
  double accept_rate = 0.85;           // share of suggested edits accepted, real work
  double gaming_edits_per_mtok = 2.0;  // edits proposed by gaming, per million gaming tokens
  double gaming_accept_rate = 0.3;     // share of those accepted
};

struct Cohort {
  std::string name;
  std::int64_t headcount = 0;
  double seat_share = 1.0;         // share holding a licence
  int team_size = 8;
  std::string model;               // catalog model name
  TokenMix token_mix{};
  double active_day_prob = 0.8;    // chance a licensed person uses AI on a workday
  LogNormalSpec tasks_per_day{4.0, 0.5};        // lambda_i, at real effort 1
  LogNormalSpec tokens_per_task{150000.0, 0.8}; // per task
  LogNormalSpec value_per_task_usd{40.0, 0.6};  // per-person scale of value per task
  double task_tokens_sigma = 1.0;  // day-to-day log-sd of tokens per task
  double p_fail = 0.05;            // chance a call fails
  int max_retries = 3;
  double retry_fraction = 0.5;     // share of a task's tokens re-spent per retry
  LogNormalSpec gaming_cost{1.0, 0.8};  // susceptibility: multiplier of the gaming costs
  AgentSpec agents{};
  OutcomeSpec outcomes{};
};

// Efforts e = (real, usage gaming, outcome-KPI gaming), cost 1/2 (e-e0)' C_i (e-e0).
struct BehaviourSpec {
  std::array<double, 3> baseline{1.0, 0.0, 0.0};
  // Row-major symmetric positive-definite cost matrix (per day, utility units).
  std::array<double, 9> cost{4.0, 0.5, 0.5, 0.5, 1.0, 0.0, 0.5, 0.0, 2.0};
  double gaming_tokens_per_unit = 5.0e6;   // tau_G: tokens per unit of usage gaming
  double kpi_gaming_tokens_per_unit = 2.0e5;
  double kpi_gaming_outcomes_per_unit = 1.0;  // PRs added by one unit of KPI gaming
  double review_burden_usd_per_mtok = 0.0;    // negative value per million gaming tokens
  // Share of the distance to the best response closed each day (1 = at once). Below 1,
  // gaming set-ups (agents left churning) wind down gradually after a reward ends.
  double effort_adjustment_per_day = 1.0;
  struct KnowHow {
    double seed_share = 0.05;      // aware at day 0
    double base_hazard = 0.002;    // per-day chance of discovering alone
    double spread_hazard = 0.05;   // per-day chance times share of aware teammates
  } know_how;
};

enum class Metric { tokens, spend, outcomes, outcome_per_usd };
enum class SchemeKind { linear, leaderboard, quota, outcome_kpi };

struct IncentiveScheme {
  std::string name;
  bool enabled = true;
  SchemeKind kind = SchemeKind::linear;
  Metric metric = Metric::tokens;
  std::vector<std::string> cohorts;  // empty = everyone
  // linear / outcome_kpi: utility per metric unit per day (tokens in millions, spend in USD).
  double weight = 0.0;
  // leaderboard (tournament)
  int top_k = 0;             // when > 0, prize for the top k; else for the top share
  double top_share = 0.01;
  double prize = 0.0;        // utility of a place, per publication
  int window_days = 7;       // ranking window (multiple of publish_every_days)
  int publish_every_days = 7;
  double sigma_share = 0.25; // people's uncertainty about the cutoff, as a share of it
  // leaderboard: a further prize for the board's first `places` places (fewer than the places
  // that win `prize`; 1 = the top of the board): people forecast the score of place `places`
  // from the last publication, as they forecast the cutoff.
  struct Podium {
    int places = 0;            // 0 = no podium
    double prize = 0.0;        // utility, per publication, on top of the board's prize
    double sigma_share = 0.05; // uncertainty about that score, as a share of it
  } podium;
  // quota ("use AI at least X per week")
  double threshold = 0.0;    // metric units per week (tokens: millions)
  double penalty = 0.0;      // utility lost when below
  Window window;

  // leaderboard: publication periods in the ranking window.
  int periods_in_window() const;
  // leaderboard: whether, in a run of `days` days, a period ever leaves the window (so that
  // each period's sum must be kept until it does); when not, the window is everything since
  // the board started and a running sum ranks the same.
  bool window_slides_within(int days) const;
  // leaderboard: people forecast a full window's scores. A publication that covers fewer days
  // than the window (the board is younger than it) is scaled by window / days covered; a
  // ratio (outcome_per_usd) is not, nor is a full window.
  double forecast_scale(int days_covered) const;
  // leaderboard: how many of `ranked` people win the prize (top_k, or the top share rounded
  // up, at least one).
  std::size_t winning_places(std::size_t ranked) const;
};

struct MonteCarlo {
  int replicates = 20;
  std::uint64_t seed = 1;
};

struct Target {
  std::string name;
  std::string metric;      // a summary metric name (docs/outputs.md)
  std::string variant;     // empty = base
  std::optional<double> value;     // with tolerance (relative)
  double tolerance = 0.25;
  std::optional<double> min;       // or a range
  std::optional<double> max;
  std::string source;
};

struct Variant {
  std::string name;
  std::string description;
};

struct TimelineEvent {
  int day = 0;
  bool start = false;   // start or end
  std::string target;   // "incentives.<name>" or "governance.<block>"
};

struct Scenario {
  std::string file;  // where it was loaded from
  Meta meta;
  Horizon horizon;
  std::shared_ptr<const engine::PricingCatalog> pricing;
  std::string pricing_ref;  // catalog path as written, or "inline"
  std::vector<Cohort> cohorts;
  BehaviourSpec behaviour;
  std::vector<IncentiveScheme> incentives;
  engine::PolicyConfig governance;
  std::vector<TimelineEvent> timeline;  // already applied to the windows above
  MonteCarlo monte_carlo;
  std::vector<Target> targets;
  std::vector<Variant> variants;        // names; bodies stay in the source document

  std::int64_t employees() const;
};

}  // namespace goodhart::sim
