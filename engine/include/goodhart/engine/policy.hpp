// Governance policy configuration shared by simulation and replay: caps, soft budgets,
// alerts, anomaly detection, model approval, enforcement lag, each with an active window.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace goodhart::engine {

class DiagnosticList;

// Half-open range of day indices [start_day, end_day) on which a component is active.
struct Window {
  int start_day = 0;
  int end_day = std::numeric_limits<int>::max();
  bool contains(int day) const { return day >= start_day && day < end_day; }
};

// Hard limits: what they block is not spent, and its value is lost.
struct CapsConfig {
  std::optional<double> per_seat_day_usd;
  std::optional<double> per_seat_month_usd;
  std::optional<double> team_month_usd;
  std::optional<double> org_month_usd;
  std::optional<double> org_year_usd;
  Window window;
  bool any() const {
    return per_seat_day_usd || per_seat_month_usd || team_month_usd || org_month_usd ||
           org_year_usd;
  }
};

// Soft budgets (LiteLLM's soft_budget): alerts and exhaustion dates, never blocking.
struct BudgetsConfig {
  std::optional<double> per_seat_month_usd;
  std::optional<double> team_month_usd;
  std::optional<double> org_month_usd;
  std::optional<double> org_year_usd;
  Window window;
};

struct AlertsConfig {
  bool enabled = true;
  std::vector<double> thresholds{0.5, 0.75, 0.9};  // shares of each cap and budget
};

enum class AnomalyAction { alert, throttle, stop_agents };

// Each person's daily spend against their own trailing EWMA baseline.
struct AnomalyConfig {
  bool enabled = false;
  double halflife_days = 7.0;
  double z = 4.0;           // flag when spend > mean + z * sd ...
  double ratio = 5.0;       // ... and spend > ratio * mean
  double min_usd = 20.0;    // ... and spend > min_usd
  int warmup_days = 5;      // no flags until this many days of history
  AnomalyAction action = AnomalyAction::alert;
  Window window;
};

// Expensive models need approval: unapproved usage moves to a cheaper model.
struct ModelApprovalConfig {
  bool enabled = false;
  std::vector<std::string> models;   // models requiring approval
  std::string substitute;            // model used instead
  double productivity = 0.9;         // tasks done per task on the substitute model
  double approved_share = 0.0;       // share of people granted approval
  Window window;
};

struct PolicyConfig {
  CapsConfig caps;
  BudgetsConfig budgets;
  AlertsConfig alerts;
  AnomalyConfig anomaly;
  ModelApprovalConfig model_approval;
  // Caps are checked before spend settles: spend in flight for this long still goes
  // through after a cap trips (real gateways overshoot).
  double settle_delay_hours = 0.0;
};

// Parses a `governance:` block (in a scenario, or the whole of a policy file for replay).
// Problems are added to `diags` with their locations.
PolicyConfig parse_policy(const YAML::Node& node, DiagnosticList& diags);
// Loads a standalone policy file (its top level may be `governance:` or the block itself).
PolicyConfig load_policy_file(const std::string& path);

}  // namespace goodhart::engine
