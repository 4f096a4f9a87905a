// The governance policy engine: caps, soft budgets, alerts, anomaly detection and
// enforcement lag applied per person-day. The simulator (online) and replay (offline) share it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/money.hpp"
#include "goodhart/engine/policy.hpp"

namespace goodhart::engine {

enum class AlertScope : std::uint8_t { seat, team, org };
enum class BudgetKind : std::uint8_t { cap, budget };  // hard cap or soft budget
enum class BudgetPeriod : std::uint8_t { day, month, year };

struct AlertEvent {
  int day_index = 0;
  Date date;
  AlertScope scope = AlertScope::org;
  int id = 0;  // person or team index; 0 for org
  BudgetKind kind = BudgetKind::cap;
  BudgetPeriod period = BudgetPeriod::month;
  double threshold = 0.0;  // share of the limit reached
  MicroUsd limit_micro_usd = 0;
  // Organisation alerts: the day index on which the limit will be reached at the average
  // burn rate of the period so far (-1 for seat and team alerts).
  int forecast_exhausted_day = -1;
};

// What the governor decides for one person's requested spend on one day.
struct Decision {
  MicroUsd allowed = 0;
  bool capped = false;       // a hard cap blocked some of the request
  bool anomaly = false;      // the anomaly detector flagged the day
  bool stop_agents = false;  // the detector's action is to stop the person's agents
};

// Per-day counters, filled by end_day().
struct DayReport {
  int day_index = 0;
  MicroUsd spend = 0;
  int people_capped = 0;
  int anomalies = 0;
  int alerts = 0;
};

class Governor {
 public:
  // `team_of_person[i]` in [0, n_teams). `start` is day index 0's date.
  Governor(const PolicyConfig& config, std::vector<std::int32_t> team_of_person, int n_teams,
           Date start);

  // Bytes the governor keeps per person under `config`: what the constructor allocates.
  static std::size_t bytes_per_person(const PolicyConfig& config);

  // Rolls budget periods and fixes what today's decisions see: team and org budgets settle
  // daily, so spend through yesterday decides whether they block today.
  void begin_day(int day_index);

  // Pure with respect to shared state; safe to call for different people in parallel.
  Decision decide(std::int32_t person, MicroUsd requested) const;

  // Records what a person actually spent today (only that person's state is touched).
  void settle(std::int32_t person, MicroUsd spent, const Decision& decision);

  // Sums people into teams and the organisation in a fixed order, fires alerts.
  DayReport end_day();

  const std::vector<AlertEvent>& alerts() const { return alerts_; }
  std::int64_t seat_alerts() const { return seat_alerts_; }
  // First day index on which the organisation's spend reached its annual (else monthly)
  // cap or budget; -1 if never.
  int org_exhausted_day() const { return org_exhausted_day_; }
  MicroUsd org_limit_micro_usd() const;  // the limit used for exhaustion (0 = none)
  MicroUsd org_spend_to_date() const { return org_total_; }
  bool record_seat_alerts = false;  // keep seat alert events (replay), else only count them

 private:
  struct Limit {
    MicroUsd micro = 0;
    bool set = false;
  };
  static Limit limit(const std::optional<double>& usd);
  void fire(AlertScope scope, int id, BudgetKind kind, BudgetPeriod period, MicroUsd after,
            MicroUsd limit, std::uint32_t& fired_mask);

  PolicyConfig cfg_;
  std::vector<std::int32_t> team_;  // kept only when a team limit needs it
  std::size_t n_people_ = 0;
  int n_teams_;
  Date start_;
  int day_ = -1;
  Date date_;
  double lag_share_ = 0.0;  // share of a day's request still in flight when a cap trips
  double ewma_alpha_ = 0.0;
  bool caps_on_ = false, budgets_on_ = false, anomaly_on_ = false;
  bool seat_months_ = false, teams_ = false;  // per-seat month and per-team state kept

  Limit seat_day_cap_, seat_month_cap_, team_month_cap_, org_month_cap_, org_year_cap_;
  Limit seat_month_budget_, team_month_budget_, org_month_budget_, org_year_budget_;

  // Per person (structure of arrays).
  std::vector<MicroUsd> person_today_, person_month_;
  std::vector<double> ewma_mean_, ewma_var_;
  std::vector<std::int32_t> history_days_;
  std::vector<std::uint8_t> capped_today_, anomaly_today_;
  std::vector<std::uint32_t> seat_cap_fired_, seat_budget_fired_;
  // Per team and organisation.
  std::vector<MicroUsd> team_month_;
  std::vector<std::uint32_t> team_cap_fired_, team_budget_fired_;
  std::vector<std::uint8_t> team_blocked_;
  MicroUsd org_month_ = 0, org_year_ = 0, org_total_ = 0;
  int month_start_day_ = 0, year_start_day_ = 0;
  std::uint32_t org_month_cap_fired_ = 0, org_year_cap_fired_ = 0;
  std::uint32_t org_month_budget_fired_ = 0, org_year_budget_fired_ = 0;
  bool org_blocked_ = false;
  int org_exhausted_day_ = -1;

  std::vector<AlertEvent> alerts_;
  std::int64_t seat_alerts_ = 0;
};

}  // namespace goodhart::engine
