// `goodhart audit`: spend, tokens, outcomes and unit costs per person, team and period, and
// the Goodhart indicators of a usage history (suspects, correlation, bunching, anomalies, budget).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/policy.hpp"

namespace goodhart::engine {

enum class AuditPeriod { day, week, month };
enum class QuotaMetric { tokens, usd };
enum class AuditBudgetPeriod { month, year };

struct AuditOptions {
  AuditPeriod period = AuditPeriod::week;

  // A suspect shows usage not backed by outcomes, by either of two tests (percentiles within
  // the cohort; defaults calibrated on the kirorank scenario, see docs/formats.md):
  // volume rank divergence: usage percentile >= min_usage_percentile and at least min_gap
  // above the outcome percentile;
  double min_usage_percentile = 0.9;
  double min_gap = 0.6;
  // quality divergence: usage percentile >= quality_min_usage_percentile, edit acceptance
  // at least acceptance_gap below the cohort median and binomially significant (z <=
  // -acceptance_z) over at least min_decisions accept/reject decisions.
  double quality_min_usage_percentile = 0.3;
  double acceptance_gap = 0.10;
  double acceptance_z = 3.0;
  std::int64_t min_decisions = 10;
  std::size_t min_cohort_size = 10;  // smaller cohorts are ranked against everyone

  // Adoption quota per person-week (tokens or dollars), for the bunching estimator.
  std::optional<double> quota;
  QuotaMetric quota_metric = QuotaMetric::tokens;

  std::optional<MicroUsd> budget;
  AuditBudgetPeriod budget_period = AuditBudgetPeriod::month;
  int forecast_window_days = 28;
  int bootstrap_paths = 2000;
  std::uint64_t seed = 20260801;

  // Anomaly days use the governance vocabulary: EWMA baseline, z and ratio thresholds.
  AnomalyConfig anomaly{true, 7.0, 4.0, 3.0, 20.0, 5, AnomalyAction::alert, Window{}};
  int anomaly_absorb_after_days = 7;  // a longer run becomes the new baseline

  // --truth: people whose gaming share of tokens exceeds this count as gamers.
  bool truth = false;
  double truth_threshold = 0.25;
};

// Spend, tokens and outcomes of one person, team or model over some days.
struct UsageStats {
  MicroUsd spend = 0;
  std::uint64_t unpriced_tokens = 0;
  TokenCounts tokens;
  Outcomes outcomes;
  std::int64_t requests = 0;
  std::int64_t failed_requests = 0;
  std::int64_t active_days = 0;
  std::uint64_t gaming_tokens_truth = 0;

  std::optional<double> cost_per_pr() const;
  std::optional<double> cost_per_commit() const;
  std::optional<double> cost_per_accepted_edit() const;
  std::optional<double> acceptance_rate() const;
};

struct PeriodInfo {
  Date start;
  Date end;  // exclusive
  std::string label;
};

struct PersonPeriodRow {
  std::uint32_t person = 0;
  int period = 0;
  UsageStats stats;
};

struct GroupPeriodRow {
  std::string name;  // team or model
  int period = 0;
  int people = 0;
  UsageStats stats;
};

// One person's use of one model over the whole history.
struct PersonModelRow {
  std::uint32_t person = 0;
  std::uint32_t model = 0;  // index into UsageDataset::models()
  MicroUsd spend = 0;
  std::uint64_t unpriced_tokens = 0;
  TokenCounts tokens;
};

struct PersonSummary {
  std::uint32_t person = 0;
  UsageStats stats;
  MicroUsd weekend_spend = 0;
  int anomaly_days = 0;
  // Spend and tokens on anomaly days: a runaway loop is reported as anomalies, so the
  // suspect tests rank usage without it.
  MicroUsd anomaly_spend = 0;
  std::uint64_t anomaly_tokens = 0;
  bool ranked = false;  // a real person (not an organisation or group line) with usage
  double usage_percentile = 0;    // mid-rank percentile in (0,1) within the ranking group
  double outcome_percentile = 0;
  std::string ranking_group;      // cohort name, or "everyone"
};

struct Suspect {
  std::uint32_t person = 0;
  // Usage percentile minus outcome percentile, plus the acceptance shortfall against the
  // cohort median: both divergences in the same unit (shares), for ordering the list.
  double score = 0;
  double usage_percentile = 0;
  double outcome_percentile = 0;
  bool volume_divergence = false;   // flagged by the rank test
  bool quality_divergence = false;  // flagged by the acceptance test
  std::vector<std::string> reasons;
};

struct CorrelationPoint {
  int period = 0;
  int people = 0;
  std::optional<double> rho_outcomes;  // Spearman(spend, outcome score)
  std::optional<double> rho_prs;       // Spearman(spend, pull requests)
};

struct BunchingResult {
  double quota = 0;
  QuotaMetric metric = QuotaMetric::tokens;
  std::int64_t person_weeks = 0;
  std::int64_t observed = 0;      // person-weeks in [quota, 1.1 quota)
  double expected = 0;            // from the smooth fit
  double excess_ratio = 0;        // (observed - expected) / expected
  double z = 0;                   // (observed - expected) / sqrt(expected)
  double missing_below = 0;       // fitted minus observed over the two bins below the quota
  std::vector<double> bin_lower;  // bin edges (lower) and counts, for plots
  std::vector<std::int64_t> bin_counts;
  std::string estimator;          // plain statement of the method
  std::string note;               // why it could not be estimated, when it could not
};

struct AnomalyDay {
  std::uint32_t person = 0;
  Date day;
  MicroUsd spend = 0;
  double baseline_usd = 0;
  double baseline_sd_usd = 0;
  int run_length = 1;  // consecutive anomaly days up to this one
  std::string hint;
};

struct BudgetForecast {
  MicroUsd budget = 0;
  AuditBudgetPeriod period = AuditBudgetPeriod::month;
  Date period_start, period_end;  // end exclusive
  Date as_of;
  MicroUsd spent = 0;
  double recent_daily_usd = 0;
  double projected_period_usd = 0;
  double probability_exhausted = 0;   // within the budget period
  std::optional<Date> exhausted_on;   // already exhausted: the day it crossed
  std::optional<Date> exhaustion_p5, exhaustion_p50, exhaustion_p95;  // when within period
  std::string method;
};

struct TruthScore {
  double threshold = 0;
  int gamers = 0;
  int suspects = 0;
  int true_positives = 0;
  std::optional<double> precision;
  std::optional<double> recall;
  std::vector<std::uint32_t> missed;        // gamers not flagged
  std::vector<std::uint32_t> false_alarms;  // flagged non-gamers
};

struct AuditResult {
  AuditOptions options;
  std::vector<PeriodInfo> periods;
  UsageStats total;
  std::vector<PersonSummary> people;  // indexed by person id
  std::vector<PersonPeriodRow> person_periods;
  std::vector<PersonModelRow> person_models;  // sorted by person, then model
  std::vector<GroupPeriodRow> team_periods;
  std::vector<GroupPeriodRow> model_periods;
  std::vector<Suspect> suspects;
  std::vector<CorrelationPoint> correlation;
  std::optional<double> correlation_trend;  // slope of rho per period
  std::optional<BunchingResult> bunching;
  std::vector<AnomalyDay> anomalies;
  std::optional<BudgetForecast> budget;
  std::optional<TruthScore> truth;
  MicroUsd org_cost_lines = 0;  // cost reports, kept apart from per-person spend
  std::vector<std::string> notes;
};

AuditResult run_audit(const UsageDataset& data, const AuditOptions& options);

// Outputs. Rendering never changes numbers: json, csv and table show the same result.
std::string audit_json(const AuditResult& result, const UsageDataset& data);
void write_audit_table(std::ostream& out, const AuditResult& result, const UsageDataset& data);
void write_person_period_csv(std::ostream& out, const AuditResult& result, const UsageDataset& data);
// audit.json and people.csv, person_models.csv, teams.csv, models.csv, suspects.csv,
// correlation.csv, anomalies.csv in `dir`, each written atomically.
void write_audit_outputs(const std::filesystem::path& dir, const AuditResult& result,
                         const UsageDataset& data);

// True for identities that stand for an organisation, team or unattributed usage
// ("(organization)", "(team x)"): counted in spend, never ranked as people.
bool is_group_identity(const std::string& name);

}  // namespace goodhart::engine
