#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/policy_schema.hpp"
#include "goodhart/engine/yaml_util.hpp"

namespace goodhart::engine {

namespace {

SchemaNode usd_limit(std::string key, std::optional<double> CapsConfig::*member,
                     std::string description) {
  return field(std::move(key), member, std::move(description)).with_unit("USD").at_least(0);
}

SchemaNode usd_budget(std::string key, std::optional<double> BudgetsConfig::*member,
                      std::string description) {
  return field(std::move(key), member, std::move(description)).with_unit("USD").at_least(0);
}

SchemaNode make_policy_schema() {
  return root_object<PolicyConfig>(
      "governance",
      "Governance policies applied to every simulated day (and replayed on real exports).",
      {
          object(
              "caps", &PolicyConfig::caps,
              "Hard caps: spend above a cap is blocked and the value of the blocked work is "
              "lost. null or absent = no cap.",
              {
                  usd_limit("per_seat_day_usd", &CapsConfig::per_seat_day_usd,
                            "Daily spend limit per licensed person."),
                  usd_limit("per_seat_month_usd", &CapsConfig::per_seat_month_usd,
                            "Calendar-month spend limit per licensed person."),
                  usd_limit("team_month_usd", &CapsConfig::team_month_usd,
                            "Calendar-month spend limit per team."),
                  usd_limit("org_month_usd", &CapsConfig::org_month_usd,
                            "Calendar-month spend limit for the whole organisation."),
                  usd_limit("org_year_usd", &CapsConfig::org_year_usd,
                            "Calendar-year spend limit for the whole organisation."),
              }),
          object("budgets", &PolicyConfig::budgets,
                 "Soft budgets: never block, but fire alerts and give exhaustion dates. null or "
                 "absent = no budget.",
                 {
                     usd_budget("per_seat_month_usd", &BudgetsConfig::per_seat_month_usd,
                                "Calendar-month budget per licensed person."),
                     usd_budget("team_month_usd", &BudgetsConfig::team_month_usd,
                                "Calendar-month budget per team."),
                     usd_budget("org_month_usd", &BudgetsConfig::org_month_usd,
                                "Calendar-month budget for the organisation."),
                     usd_budget("org_year_usd", &BudgetsConfig::org_year_usd,
                                "Calendar-year budget for the organisation."),
                 }),
          object("alerts", &PolicyConfig::alerts,
                 "Soft alerts when spend crosses shares of each cap and budget (each fired once "
                 "per period).",
                 {
                     field("enabled", &AlertsConfig::enabled, "Fire alerts at all."),
                     field("thresholds", &AlertsConfig::thresholds,
                           "Shares of a cap or budget at which an alert fires.")
                         .with_unit("share")
                         .above(0)
                         .at_most(1),
                 }),
          object("anomaly", &PolicyConfig::anomaly,
                 "Flags a person's daily spend far above their own trailing EWMA baseline; a "
                 "day is flagged when all three thresholds are exceeded.",
                 {
                     field("enabled", &AnomalyConfig::enabled, "Run the detector."),
                     field("halflife_days", &AnomalyConfig::halflife_days,
                           "Half-life of the EWMA baseline.")
                         .with_unit("days")
                         .above(0),
                     field("z", &AnomalyConfig::z,
                           "Flag when spend exceeds the mean by this many standard deviations.")
                         .at_least(0),
                     field("ratio", &AnomalyConfig::ratio,
                           "Flag when spend exceeds this multiple of the mean.")
                         .at_least(0),
                     field("min_usd", &AnomalyConfig::min_usd,
                           "Never flag a day below this spend.")
                         .with_unit("USD")
                         .at_least(0),
                     field("warmup_days", &AnomalyConfig::warmup_days,
                           "Days of history needed before a person can be flagged.")
                         .with_unit("days")
                         .at_least(0),
                     enum_field("action", &AnomalyConfig::action,
                                {{"alert", AnomalyAction::alert},
                                 {"throttle", AnomalyAction::throttle},
                                 {"stop_agents", AnomalyAction::stop_agents}},
                                "What a flag does: alert only, throttle the person's spend, or "
                                "stop their autonomous agents."),
                 }),
          object("model_approval", &PolicyConfig::model_approval,
                 "Expensive models need approval; unapproved usage moves to a substitute model.",
                 {
                     field("enabled", &ModelApprovalConfig::enabled, "Require approval."),
                     field("models", &ModelApprovalConfig::models,
                           "Models (catalog names) that need approval.")
                         .as_unique(),
                     field("substitute", &ModelApprovalConfig::substitute,
                           "Model (catalog name) used without approval."),
                     field("productivity", &ModelApprovalConfig::productivity,
                           "Tasks done on the substitute per task on the approved model.")
                         .with_unit("share")
                         .above(0)
                         .at_most(1),
                     field("approved_share", &ModelApprovalConfig::approved_share,
                           "Share of people granted approval.")
                         .with_unit("share")
                         .at_least(0)
                         .at_most(1),
                 }),
          flattened<PolicyConfig>(
              "enforcement", "How caps are enforced by the gateway.",
              {
                  field("settle_delay_hours", &PolicyConfig::settle_delay_hours,
                        "Caps are checked before spend settles: spend in flight for this "
                        "long still goes through after a cap trips.")
                      .with_unit("hours")
                      .at_least(0),
              }),
      });
}

}  // namespace

const SchemaNode& policy_schema() {
  static const SchemaNode schema = make_policy_schema();
  return schema;
}

SchemaNode policy_meta_schema() {
  return object_node("meta", "What this file is and where its numbers come from.",
                     {
                         leaf_node("name", SchemaType::string, "Short name."),
                         leaf_node("description", SchemaType::string, "What it describes."),
                         leaf_node("sources", SchemaType::string_list,
                                   "Where the numbers come from (citations, URLs)."),
                     });
}

void check_policy(const YAML::Node& node, const PolicyConfig& policy, Reporter& out,
                  const std::string& path) {
  if (!is_map(node)) return;
  const std::string ma_path = join_path(path, "model_approval");
  const YAML::Node ma = node["model_approval"];
  const auto& cfg = policy.model_approval;
  if (is_map(ma) && cfg.enabled && out.clean(ma_path)) {
    if (cfg.models.empty())
      out.fail(ma, ma_path + ".models",
               "model_approval is enabled but 'models' lists no model needing approval");
    if (cfg.substitute.empty())
      out.fail(ma, ma_path + ".substitute",
               "model_approval is enabled but has no 'substitute' model");
    else if (std::find(cfg.models.begin(), cfg.models.end(), cfg.substitute) != cfg.models.end())
      out.fail(ma["substitute"], ma_path + ".substitute",
               "the substitute '" + cfg.substitute + "' itself needs approval");
  }
}

namespace {

PolicyConfig parse_with(const YAML::Node& node, const SchemaNode& schema, DiagnosticList& diags,
                        const std::string& path) {
  Reporter out(diags);
  validate(node, schema, out, path);
  PolicyConfig policy;
  read_object(node, schema, &policy);
  check_policy(node, policy, out, path);
  return policy;
}

}  // namespace

PolicyConfig parse_policy(const YAML::Node& node, DiagnosticList& diags) {
  return parse_with(node, policy_schema(), diags, "governance");
}

PolicyConfig load_policy_file(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  DiagnosticList diags(path);
  PolicyConfig policy;
  if (is_null(root)) {
    diags.fail(Location{path, 1, 1}, "the policy file is empty: expected a 'governance' block");
  } else if (!is_map(root)) {
    diags.fail(root, "a policy file must be a mapping ('governance:' or the block itself)");
  } else if (root["governance"]) {
    // Wrapped form: `governance:` (+ optional `meta:`), as in a scenario.
    Reporter out(diags);
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>("");
      if (key == "governance") continue;
      if (key == "meta") {
        validate(kv.second, policy_meta_schema(), out, "meta");
        continue;
      }
      std::string msg = "unknown key '" + key + "'";
      if (auto s = did_you_mean(key, {"governance", "meta"})) msg += "; did you mean '" + *s + "'?";
      out.fail(kv.first, key, msg);
    }
    policy = parse_policy(root["governance"], diags);
  } else {
    // Bare form: the block's keys at the top level, plus `meta:`.
    SchemaNode file_schema = policy_schema();
    file_schema.children.insert(file_schema.children.begin(), policy_meta_schema());
    policy = parse_with(root, file_schema, diags, "");
  }
  diags.throw_if_any();
  return policy;
}

}  // namespace goodhart::engine
