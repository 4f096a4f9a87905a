// The generated Claude Code Analytics export and one timed read of it.
#pragma once

#include <cstdint>
#include <string>

namespace goodhart::bench {

struct GeneratedExport {
  std::uint64_t bytes = 0;
  std::int64_t records = 0;
  std::int64_t person_days = 0;
};
// JSON Lines: `people` actors for `days` days, `per_day` records per actor-day (different
// terminals), three models per record.
GeneratedExport generate_claude_code(const std::string& path, int people, int days, int per_day);

struct ReadStats {
  std::uint64_t bytes = 0;
  std::int64_t records = 0, accepted = 0, rows = 0;
  double wall_seconds = 0, cpu_seconds = 0;
  std::int64_t rejected() const { return records - accepted; }
};
// Ingestor::read_path then finish(), on one thread.
ReadStats read_claude_code(const std::string& path);

}  // namespace goodhart::bench
