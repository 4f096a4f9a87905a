#include "goodhart/engine/governor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace goodhart::engine {

namespace {
constexpr MicroUsd kNoLimit = std::numeric_limits<MicroUsd>::max();
}

Governor::Limit Governor::limit(const std::optional<double>& usd) {
  if (!usd) return {};
  return Limit{static_cast<MicroUsd>(std::llround(*usd * 1e6)), true};
}

Governor::Governor(const PolicyConfig& config, std::vector<std::int32_t> team_of_person,
                   int n_teams, Date start)
    : cfg_(config), team_(std::move(team_of_person)), n_teams_(n_teams), start_(start) {
  std::sort(cfg_.alerts.thresholds.begin(), cfg_.alerts.thresholds.end());
  if (cfg_.alerts.thresholds.size() > 32) cfg_.alerts.thresholds.resize(32);
  lag_share_ = std::clamp(cfg_.settle_delay_hours / 24.0, 0.0, 1.0);
  ewma_alpha_ = 1.0 - std::pow(0.5, 1.0 / std::max(cfg_.anomaly.halflife_days, 1e-9));
  seat_day_cap_ = limit(cfg_.caps.per_seat_day_usd);
  seat_month_cap_ = limit(cfg_.caps.per_seat_month_usd);
  team_month_cap_ = limit(cfg_.caps.team_month_usd);
  org_month_cap_ = limit(cfg_.caps.org_month_usd);
  org_year_cap_ = limit(cfg_.caps.org_year_usd);
  seat_month_budget_ = limit(cfg_.budgets.per_seat_month_usd);
  team_month_budget_ = limit(cfg_.budgets.team_month_usd);
  org_month_budget_ = limit(cfg_.budgets.org_month_usd);
  org_year_budget_ = limit(cfg_.budgets.org_year_usd);

  // Per-person state only for what the policy uses: a run without team limits, seat months
  // or anomaly detection keeps one spend counter and two flags per person.
  const std::size_t n = team_.size();
  n_people_ = n;
  seat_months_ = seat_month_cap_.set || seat_month_budget_.set;
  teams_ = team_month_cap_.set || team_month_budget_.set;
  person_today_.assign(n, 0);
  capped_today_.assign(n, 0);
  anomaly_today_.assign(n, 0);
  if (seat_months_) person_month_.assign(n, 0);
  if (seat_month_cap_.set) seat_cap_fired_.assign(n, 0);
  if (seat_month_budget_.set) seat_budget_fired_.assign(n, 0);
  if (cfg_.anomaly.enabled) {
    ewma_mean_.assign(n, 0.0);
    ewma_var_.assign(n, 0.0);
    history_days_.assign(n, 0);
  }
  if (!teams_) std::vector<std::int32_t>().swap(team_);
  team_month_.assign(n_teams_, 0);
  team_cap_fired_.assign(n_teams_, 0);
  team_budget_fired_.assign(n_teams_, 0);
  team_blocked_.assign(n_teams_, 0);
}

std::size_t Governor::bytes_per_person(const PolicyConfig& c) {
  const bool seat_cap = limit(c.caps.per_seat_month_usd).set, seat_budget = limit(c.budgets.per_seat_month_usd).set;
  std::size_t b = sizeof(MicroUsd) + 2;  // today's spend, the capped and anomaly flags
  if (seat_cap || seat_budget) b += sizeof(MicroUsd);
  b += sizeof(std::uint32_t) * (seat_cap + seat_budget);  // alert masks
  if (limit(c.caps.team_month_usd).set || limit(c.budgets.team_month_usd).set) b += sizeof(std::int32_t);
  if (c.anomaly.enabled) b += 2 * sizeof(double) + sizeof(std::int32_t);
  return b;
}

MicroUsd Governor::org_limit_micro_usd() const {
  if (org_year_cap_.set) return org_year_cap_.micro;
  if (org_year_budget_.set) return org_year_budget_.micro;
  if (org_month_cap_.set) return org_month_cap_.micro;
  if (org_month_budget_.set) return org_month_budget_.micro;
  return 0;
}

void Governor::begin_day(int day_index) {
  const Date date = start_ + day_index;
  if (day_ >= 0) {
    if (date.month_index() != date_.month_index()) {
      std::fill(person_month_.begin(), person_month_.end(), 0);
      std::fill(seat_cap_fired_.begin(), seat_cap_fired_.end(), 0);
      std::fill(seat_budget_fired_.begin(), seat_budget_fired_.end(), 0);
      std::fill(team_month_.begin(), team_month_.end(), 0);
      std::fill(team_cap_fired_.begin(), team_cap_fired_.end(), 0);
      std::fill(team_budget_fired_.begin(), team_budget_fired_.end(), 0);
      org_month_ = 0;
      month_start_day_ = day_index;
      org_month_cap_fired_ = org_month_budget_fired_ = 0;
    }
    if (date.year() != date_.year()) {
      org_year_ = 0;
      year_start_day_ = day_index;
      org_year_cap_fired_ = org_year_budget_fired_ = 0;
    }
  }
  day_ = day_index;
  date_ = date;
  caps_on_ = cfg_.caps.any() && cfg_.caps.window.contains(day_index);
  budgets_on_ = cfg_.budgets.window.contains(day_index);
  anomaly_on_ = cfg_.anomaly.enabled && cfg_.anomaly.window.contains(day_index);

  for (int t = 0; t < n_teams_; ++t)
    team_blocked_[t] = caps_on_ && team_month_cap_.set && team_month_[t] >= team_month_cap_.micro;
  org_blocked_ = caps_on_ && ((org_month_cap_.set && org_month_ >= org_month_cap_.micro) ||
                              (org_year_cap_.set && org_year_ >= org_year_cap_.micro));
  std::fill(person_today_.begin(), person_today_.end(), 0);
  std::fill(capped_today_.begin(), capped_today_.end(), 0);
  std::fill(anomaly_today_.begin(), anomaly_today_.end(), 0);
}

Decision Governor::decide(std::int32_t p, MicroUsd requested) const {
  Decision d;
  d.allowed = requested;
  if (requested <= 0 || !(caps_on_ || anomaly_on_)) return d;
  const MicroUsd in_flight = static_cast<MicroUsd>(std::llround(requested * lag_share_));
  if (caps_on_) {
    MicroUsd room = kNoLimit;
    if (seat_day_cap_.set) room = std::min(room, seat_day_cap_.micro - person_today_[p]);
    if (seat_month_cap_.set) room = std::min(room, seat_month_cap_.micro - person_month_[p]);
    if (org_blocked_ || (teams_ && team_blocked_[team_[p]])) room = std::min<MicroUsd>(room, 0);
    if (room < requested) {
      d.allowed = std::min(requested, std::max<MicroUsd>(room, 0) + in_flight);
      d.capped = d.allowed < requested;
    }
  }
  if (anomaly_on_ && history_days_[p] >= cfg_.anomaly.warmup_days) {
    const double mean = ewma_mean_[p];
    const double sd = std::sqrt(std::max(ewma_var_[p], 0.0));
    const double threshold = std::max({cfg_.anomaly.min_usd * 1e6, cfg_.anomaly.ratio * mean,
                                       mean + cfg_.anomaly.z * sd});
    if (static_cast<double>(requested) > threshold) {
      d.anomaly = true;
      if (cfg_.anomaly.action != AnomalyAction::alert) {
        // The detector sees spend as it settles, so what was in flight still goes through.
        const MicroUsd limit = static_cast<MicroUsd>(threshold) + in_flight;
        d.allowed = std::min(d.allowed, limit);
        d.stop_agents = cfg_.anomaly.action == AnomalyAction::stop_agents;
      }
    }
  }
  return d;
}

void Governor::settle(std::int32_t p, MicroUsd spent, const Decision& decision) {
  person_today_[p] += spent;
  if (seat_months_) person_month_[p] += spent;
  capped_today_[p] |= decision.capped;
  anomaly_today_[p] |= decision.anomaly;
  if (spent <= 0 || !cfg_.anomaly.enabled) return;
  // Baselines learn from active days only; a flagged day enters winsorised at the
  // threshold so a loop does not teach the detector that loops are normal.
  double x = static_cast<double>(spent);
  if (decision.anomaly) {
    const double mean = ewma_mean_[p];
    x = std::min(x, std::max(cfg_.anomaly.ratio * mean, cfg_.anomaly.min_usd * 1e6));
  }
  if (history_days_[p] == 0) {
    ewma_mean_[p] = x;
    ewma_var_[p] = 0.0;
  } else {
    const double diff = x - ewma_mean_[p];
    const double incr = ewma_alpha_ * diff;
    ewma_mean_[p] += incr;
    ewma_var_[p] = (1.0 - ewma_alpha_) * (ewma_var_[p] + diff * incr);
  }
  ++history_days_[p];
}

void Governor::fire(AlertScope scope, int id, BudgetKind kind, BudgetPeriod period,
                    MicroUsd after, MicroUsd lim, std::uint32_t& mask) {
  if (!cfg_.alerts.enabled || lim <= 0) return;
  for (std::size_t k = 0; k < cfg_.alerts.thresholds.size(); ++k) {
    const std::uint32_t bit = 1u << k;
    if (mask & bit) continue;
    const double thr = cfg_.alerts.thresholds[k];
    if (static_cast<double>(after) < thr * static_cast<double>(lim)) continue;
    mask |= bit;
    if (scope == AlertScope::seat) {
      ++seat_alerts_;
      if (!record_seat_alerts) continue;
    }
    AlertEvent ev{day_, date_, scope, id, kind, period, thr, lim, -1};
    if (scope == AlertScope::org) {
      const int start = period == BudgetPeriod::year ? year_start_day_ : month_start_day_;
      const double burn = static_cast<double>(after) / (day_ - start + 1);
      ev.forecast_exhausted_day =
          after >= lim ? day_ : day_ + static_cast<int>(std::ceil((lim - after) / burn));
    }
    alerts_.push_back(ev);
  }
}

DayReport Governor::end_day() {
  DayReport r;
  r.day_index = day_;
  const std::size_t alerts_before = alerts_.size();
  const std::int64_t seat_before = seat_alerts_;
  const std::size_t n = n_people_;
  const bool seat_alerts = caps_on_ && seat_month_cap_.set;
  const bool seat_budget_alerts = budgets_on_ && seat_month_budget_.set;
  for (std::size_t i = 0; i < n; ++i) {
    const MicroUsd today = person_today_[i];
    r.people_capped += capped_today_[i];
    r.anomalies += anomaly_today_[i];
    if (today == 0) continue;
    r.spend += today;
    if (teams_) team_month_[team_[i]] += today;
    if (seat_alerts)
      fire(AlertScope::seat, static_cast<int>(i), BudgetKind::cap, BudgetPeriod::month,
           person_month_[i], seat_month_cap_.micro, seat_cap_fired_[i]);
    if (seat_budget_alerts)
      fire(AlertScope::seat, static_cast<int>(i), BudgetKind::budget, BudgetPeriod::month,
           person_month_[i], seat_month_budget_.micro,
           seat_budget_fired_[i]);
  }
  for (int t = 0; t < n_teams_; ++t) {
    if (caps_on_ && team_month_cap_.set)
      fire(AlertScope::team, t, BudgetKind::cap, BudgetPeriod::month, team_month_[t],
           team_month_cap_.micro, team_cap_fired_[t]);
    if (budgets_on_ && team_month_budget_.set)
      fire(AlertScope::team, t, BudgetKind::budget, BudgetPeriod::month, team_month_[t],
           team_month_budget_.micro, team_budget_fired_[t]);
  }
  org_month_ += r.spend;
  org_year_ += r.spend;
  org_total_ += r.spend;
  if (caps_on_ && org_month_cap_.set)
    fire(AlertScope::org, 0, BudgetKind::cap, BudgetPeriod::month, org_month_,
         org_month_cap_.micro, org_month_cap_fired_);
  if (caps_on_ && org_year_cap_.set)
    fire(AlertScope::org, 0, BudgetKind::cap, BudgetPeriod::year, org_year_,
         org_year_cap_.micro, org_year_cap_fired_);
  if (budgets_on_ && org_month_budget_.set)
    fire(AlertScope::org, 0, BudgetKind::budget, BudgetPeriod::month, org_month_,
         org_month_budget_.micro, org_month_budget_fired_);
  if (budgets_on_ && org_year_budget_.set)
    fire(AlertScope::org, 0, BudgetKind::budget, BudgetPeriod::year, org_year_,
         org_year_budget_.micro, org_year_budget_fired_);

  if (org_exhausted_day_ < 0) {
    const bool yearly = org_year_cap_.set || org_year_budget_.set;
    const MicroUsd lim = org_limit_micro_usd();
    if (lim > 0 && (yearly ? org_year_ : org_month_) >= lim) org_exhausted_day_ = day_;
  }
  // Recorded seat alerts are already among alerts_; unrecorded ones only in the count.
  r.alerts = static_cast<int>(alerts_.size() - alerts_before) +
             static_cast<int>(record_seat_alerts ? 0 : seat_alerts_ - seat_before);
  return r;
}

}  // namespace goodhart::engine
