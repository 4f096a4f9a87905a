#include "goodhart/sim/scenario.hpp"

namespace goodhart::sim {

std::int64_t Scenario::employees() const {
  std::int64_t n = 0;
  for (const auto& c : cohorts) n += c.headcount;
  return n;
}

}  // namespace goodhart::sim
