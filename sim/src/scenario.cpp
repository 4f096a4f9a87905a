#include "goodhart/sim/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace goodhart::sim {

std::int64_t Scenario::employees() const {
  std::int64_t n = 0;
  for (const auto& c : cohorts) n += c.headcount;
  return n;
}

int IncentiveScheme::periods_in_window() const {
  return std::max(1, window_days / std::max(1, publish_every_days));
}

bool IncentiveScheme::window_slides_within(int days) const {
  // Publications fall on days start + k * every (k >= 1) before `days`; each opens the next
  // period, so a run uses publications + 1 periods.
  const std::int64_t last = static_cast<std::int64_t>(days) - 1 - window.start_day;
  const std::int64_t publications = last > 0 ? last / std::max(1, publish_every_days) : 0;
  return publications + 1 > periods_in_window();
}

std::size_t IncentiveScheme::winning_places(std::size_t ranked) const {
  if (top_k > 0) return std::min(static_cast<std::size_t>(top_k), ranked);
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(top_share * static_cast<double>(ranked))));
}

double IncentiveScheme::forecast_scale(int days_covered) const {
  if (metric == Metric::outcome_per_usd || days_covered <= 0 || days_covered >= window_days) return 1.0;
  return static_cast<double>(window_days) / days_covered;
}

}  // namespace goodhart::sim
