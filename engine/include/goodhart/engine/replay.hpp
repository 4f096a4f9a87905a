// `goodhart replay`: runs a governance policy over a real usage history, day by day through
// the same Governor the simulator uses, and reports what it would have blocked and alerted.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "goodhart/engine/governor.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/policy.hpp"

namespace goodhart::engine {

// A person-day on which the policy would have held back spend or flagged an anomaly.
struct ReplayEvent {
  std::uint32_t person = 0;
  Date day;
  MicroUsd requested = 0;  // what was actually spent that day
  MicroUsd allowed = 0;    // what the policy would have let through
  bool capped = false;
  bool anomaly = false;
  bool stop_agents = false;
  Outcomes outcomes;       // recorded that day: at risk when spend was held back
};

struct ReplayPerson {
  std::uint32_t person = 0;
  MicroUsd requested = 0;
  MicroUsd allowed = 0;
  int blocked_days = 0;
  int anomaly_days = 0;
  Outcomes outcomes_at_risk;
};

struct ReplayDay {
  Date day;
  MicroUsd requested = 0;
  MicroUsd allowed = 0;
  int people_capped = 0;
  int anomalies = 0;
  int alerts = 0;
};

struct ReplayAlert {
  AlertEvent event;
  std::string subject;  // the person, the team, or "organisation"
};

struct ReplayResult {
  Date start, end;  // inclusive
  MicroUsd requested = 0;
  MicroUsd allowed = 0;
  Outcomes outcomes_total;
  Outcomes outcomes_at_risk;  // recorded on person-days where spend would have been held back
  int blocked_person_days = 0;
  std::vector<ReplayDay> days;
  std::vector<ReplayPerson> people;  // indexed by person id
  std::vector<ReplayEvent> events;   // in time order
  std::vector<ReplayAlert> alerts;
  std::optional<Date> org_exhausted;
  std::vector<std::string> notes;
  MicroUsd saved() const { return requested - allowed; }
};

// Day 0 of the policy's timeline windows is the first day of the history. Every identity is
// a seat (API keys and organisation lines included, as a gateway would see them).
ReplayResult run_replay(const UsageDataset& data, const PolicyConfig& policy);

std::string replay_json(const ReplayResult& result, const UsageDataset& data);
void write_replay_table(std::ostream& out, const ReplayResult& result, const UsageDataset& data);
// replay.json, events.csv, alerts.csv, days.csv and people.csv, each written atomically.
void write_replay_outputs(const std::filesystem::path& dir, const ReplayResult& result,
                          const UsageDataset& data);

}  // namespace goodhart::engine
