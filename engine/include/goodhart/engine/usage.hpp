// The usage record: one person (or API key) on one day on one model, the common currency
// of every export reader and of the simulator's `--events` output (canonical CSV).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/money.hpp"
#include "goodhart/engine/pricing.hpp"

namespace goodhart::engine {

// Every token belongs to exactly one purpose (MODEL.md section 3).
enum class Purpose : int { productive = 0, retry, agent, loop, gaming };
inline constexpr int kPurposes = 5;
inline constexpr std::array<const char*, kPurposes> kPurposeNames{"productive", "retry", "agent",
                                                                  "loop", "gaming"};
// Purposes that produce no value: their spend is theatre.
inline constexpr bool is_theatre(Purpose p) {
  return p == Purpose::retry || p == Purpose::loop || p == Purpose::gaming;
}

// What an organisation can see of work done (Claude Code Analytics core metrics).
struct Outcomes {
  std::int64_t commits = 0;
  std::int64_t pull_requests = 0;
  std::int64_t lines_added = 0;
  std::int64_t lines_removed = 0;
  std::int64_t edits_accepted = 0;
  std::int64_t edits_rejected = 0;
  std::int64_t sessions = 0;

  Outcomes& operator+=(const Outcomes& o);
};

struct UsageRecord {
  Date day;
  std::string person;   // email, account id or API key name, as exported
  std::string team;     // optional (from the export or the mapping file)
  std::string cohort;   // optional
  std::string model;    // as exported; empty when the export has no model
  TokenCounts tokens;
  std::optional<MicroUsd> cost;  // as exported; nullopt = price it from the catalog
  Outcomes outcomes;
  std::int64_t requests = 0;
  std::int64_t failed_requests = 0;
  // Simulated exports only: ground truth of gaming tokens (for scoring detectors).
  std::optional<std::uint64_t> gaming_tokens_truth;
};

}  // namespace goodhart::engine
