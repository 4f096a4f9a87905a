#include "goodhart/sim/scenario_loader.hpp"
#include "goodhart/sim/simulator.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "goodhart/engine/policy_schema.hpp"
#include "goodhart/engine/yaml_util.hpp"

namespace goodhart::sim {

using engine::as_integer;
using engine::as_text;
using engine::Diagnostic;
using engine::DiagnosticList;
using engine::did_you_mean;
using engine::joined;
using engine::split;
using engine::element_path;
using engine::field;
using engine::InputError;
using engine::is_map;
using engine::is_null;
using engine::is_seq;
using engine::join_path;
using engine::Location;
using engine::Reporter;
using engine::SchemaNode;
using engine::SchemaType;

// ================================================================= schema

namespace {

constexpr std::array<const char*, 7> kWeekdays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

std::string weekdays_text(const std::array<bool, 7>& days) {
  std::string s = "[";
  for (std::size_t d = 0; d < 7; ++d)
    if (days[d]) s += std::string(s.size() > 1 ? ", " : "") + kWeekdays[d];
  return s + "]";
}

SchemaNode share(SchemaNode n) {
  return std::move(n).with_unit("share").at_least(0).at_most(1);
}
SchemaNode probability(SchemaNode n) {
  return std::move(n).with_unit("probability").at_least(0).at_most(1);
}

// A LogNormal across people or days, given by its median and the sd of its log.
template <class P>
SchemaNode lognormal(std::string key, LogNormalSpec P::*member, std::string unit,
                     std::string description, bool positive_median = false) {
  SchemaNode median = field("median", &LogNormalSpec::median, "Median.").with_unit(unit);
  if (positive_median) std::move(median).above(0);
  else std::move(median).at_least(0);
  return engine::object(
      std::move(key), member, std::move(description) + " LogNormal: median and log-sd.",
      {std::move(median), field("sigma", &LogNormalSpec::sigma,
                                "Standard deviation of the log (0 = the same for everyone).")
                              .at_least(0)});
}

SchemaNode meta_schema() {
  return engine::object(
      "meta", &Scenario::meta, "What the scenario describes and where its numbers come from.",
      {
          field("name", &Meta::name, "Short name, shown in reports.").as_required(),
          field("description", &Meta::description, "What the scenario is about."),
          field("sources", &Meta::sources,
                "Where the numbers come from (citations, URLs) for calibration."),
      });
}

SchemaNode horizon_schema() {
  SchemaNode workdays = engine::custom_field<Horizon>(
      engine::leaf_node("workdays", SchemaType::string_list,
                        "Days of the week people work; autonomous agents and runaway loops "
                        "run every day.")
          .values({kWeekdays.begin(), kWeekdays.end()})
          .as_unique()
          .with_default(weekdays_text(Horizon{}.workdays)),
      [](Horizon& h, const YAML::Node& v) {
        if (!is_seq(v)) return;
        h.workdays.fill(false);
        for (const auto& d : v)
          for (std::size_t i = 0; i < 7; ++i)
            if (as_text(d) == std::string(kWeekdays[i])) h.workdays[i] = true;
      });
  return engine::object(
      "horizon", &Scenario::horizon, "The simulated calendar.",
      {
          field("start", &Horizon::start, "Calendar date of day 0.").as_required(),
          field("days", &Horizon::days, "Number of simulated days.")
              .with_unit("days")
              .at_least(0)
              .at_most(3660),
          std::move(workdays),
          field("work_hours_per_day", &Horizon::work_hours_per_day,
                "Length of a workday (when people can notice runaway agents).")
              .with_unit("hours")
              .above(0)
              .at_most(24),
          field("work_start_hour", &Horizon::work_start_hour,
                "Local clock hour at which the workday starts.")
              .with_unit("hour of day")
              .at_least(0)
              .below(24),
      });
}

SchemaNode pricing_schema() {
  using engine::leaf_node;
  auto usd = [](const char* key, const char* what) {
    return leaf_node(key, SchemaType::number, what)
        .with_unit("USD per million tokens")
        .at_least(0);
  };
  SchemaNode inline_catalog = engine::object_node(
      "inline", "A pricing catalog written in the scenario (same format as a catalog file).",
      {
          engine::object_node(
              "catalog", "When and where the prices were read.",
              {
                  leaf_node("date", SchemaType::date, "Date the prices were read.").as_required(),
                  leaf_node("currency", SchemaType::enumeration, "Currency of the prices.")
                      .values({"USD"})
                      .with_default("USD"),
                  leaf_node("unit", SchemaType::string, "Unit of the prices (informative)."),
                  leaf_node("sources", SchemaType::string_list, "Where the prices come from."),
                  leaf_node("batch_percent", SchemaType::integer,
                            "Price of batch API calls, in percent of the list price.")
                      .with_unit("percent")
                      .at_least(0)
                      .with_default("50"),
                  leaf_node("us_inference_percent", SchemaType::integer,
                            "Price of US-only inference, in percent of the list price.")
                      .with_unit("percent")
                      .at_least(0)
                      .with_default("110"),
              })
              .as_required(),
          engine::object_map_node(
              "models", "Prices of each model, by model name.",
              {
                  leaf_node("provider", SchemaType::string, "Vendor (anthropic, openai, ...)."),
                  usd("input", "Price of input tokens.").as_required(),
                  usd("output", "Price of output tokens.").as_required(),
                  usd("cache_read", "Price of cache reads (default: the input price)."),
                  usd("cache_write_5m",
                      "Price of 5-minute cache writes (default: the input price)."),
                  usd("cache_write_1h",
                      "Price of 1-hour cache writes (default: the 5-minute price)."),
                  leaf_node("aliases", SchemaType::string_list,
                            "Other names of the model (as found in usage exports)."),
              })
              .labelled("model")
              .items(1)
              .as_required(),
      });
  return engine::object_node(
             "pricing", "Where token prices come from: a dated catalog file, or inline.",
             {
                 leaf_node("catalog", SchemaType::string,
                           "Path of a pricing catalog file, relative to the scenario file."),
                 std::move(inline_catalog),
             })
      .one_of_keys({"catalog", "inline"})
      .as_required();
}

SchemaNode cohorts_schema() {
  return engine::object_list(
             "cohorts", &Scenario::cohorts,
             "Groups of people sharing a role and parameter distributions.",
             {
                 field("name", &Cohort::name,
                       "Unique name, used by incentives and in dotted paths.")
                     .as_required(),
                 field("headcount", &Cohort::headcount, "Number of people.")
                     .with_unit("people")
                     .at_least(0)
                     .as_required(),
                 share(field("seat_share", &Cohort::seat_share,
                             "Share of the cohort holding an AI licence.")),
                 field("team_size", &Cohort::team_size,
                       "People per team (team budgets, spread of gaming know-how).")
                     .with_unit("people")
                     .at_least(1),
                 field("model", &Cohort::model, "Model used, by its pricing-catalog name.")
                     .as_required(),
                 engine::object(
                     "token_mix", &Cohort::token_mix,
                     "Shares of each purpose's tokens by type; must sum to 1.",
                     {
                         share(field("input", &TokenMix::input, "Uncached input tokens.")),
                         share(field("output", &TokenMix::output, "Output tokens.")),
                         share(field("cache_read", &TokenMix::cache_read, "Cache reads.")),
                         share(field("cache_write", &TokenMix::cache_write,
                                     "Cache writes (priced as 5-minute writes).")),
                     }),
                 probability(field("active_day_prob", &Cohort::active_day_prob,
                                   "Chance a licensed person uses AI on a workday.")),
                 lognormal("tasks_per_day", &Cohort::tasks_per_day, "tasks per day",
                           "Productive tasks per active workday at real effort 1, per person."),
                 lognormal("tokens_per_task", &Cohort::tokens_per_task, "tokens",
                           "Tokens per task, per-person scale."),
                 lognormal("value_per_task_usd", &Cohort::value_per_task_usd, "USD",
                           "True value of a completed task, per-person scale."),
                 field("task_tokens_sigma", &Cohort::task_tokens_sigma,
                       "Day-to-day log-sd of tokens per task around the person's scale.")
                     .at_least(0),
                 probability(field("p_fail", &Cohort::p_fail, "Chance a call fails.")),
                 field("max_retries", &Cohort::max_retries,
                       "Retries after a failure before giving up.")
                     .at_least(0),
                 share(field("retry_fraction", &Cohort::retry_fraction,
                             "Share of a task's tokens spent again by each retry.")),
                 lognormal("gaming_cost", &Cohort::gaming_cost, "multiplier",
                           "Susceptibility: multiplier of the gaming rows of the cost matrix "
                           "(low = games cheaply).",
                           true),
                 engine::object(
                     "agents", &Cohort::agents, "Autonomous agents and their runaway loops.",
                     {
                         field("per_person_mean", &AgentSpec::per_person_mean,
                               "Mean agents per licensed person (Poisson).")
                             .with_unit("agents")
                             .at_least(0),
                         lognormal("tokens_per_agent_day", &AgentSpec::tokens_per_agent_day,
                                   "tokens", "Useful background work per agent-day."),
                         field("value_per_mtok_usd", &AgentSpec::value_per_mtok_usd,
                               "Value of a million useful agent tokens.")
                             .with_unit("USD per million tokens")
                             .at_least(0),
                         probability(field("loop_hazard_per_day", &AgentSpec::loop_hazard_per_day,
                                           "Chance an agent enters a runaway loop, per agent-day.")),
                         field("loop_tokens_per_hour", &AgentSpec::loop_tokens_per_hour,
                               "Burn rate of a runaway loop, around the clock.")
                             .with_unit("tokens per hour")
                             .at_least(0),
                         field("notice_delay_work_hours", &AgentSpec::notice_delay_work_hours,
                               "Mean time before the owner notices a loop (exponential, counted "
                               "in work hours only).")
                             .with_unit("work hours")
                             .at_least(0),
                     }),
                 engine::object(
                     "outcomes", &Cohort::outcomes,
                     "Measured outcomes per productive task (Poisson counts) and what usage "
                     "gaming adds to them.",
                     {
                         field("commits_per_task", &OutcomeSpec::commits_per_task,
                               "Commits per task.")
                             .with_unit("commits")
                             .at_least(0),
                         field("prs_per_task", &OutcomeSpec::prs_per_task,
                               "Pull requests per task.")
                             .with_unit("PRs")
                             .at_least(0),
                         field("lines_per_task", &OutcomeSpec::lines_per_task,
                               "Lines changed per task.")
                             .with_unit("lines")
                             .at_least(0),
                         field("edits_per_task", &OutcomeSpec::edits_per_task,
                               "Suggested edits per task.")
                             .with_unit("edits")
                             .at_least(0),
                         share(field("accept_rate", &OutcomeSpec::accept_rate,
                                     "Share of real work's suggested edits accepted.")),
                         field("gaming_edits_per_mtok", &OutcomeSpec::gaming_edits_per_mtok,
                               "Edits proposed by usage gaming, per million gaming tokens.")
                             .with_unit("edits per million tokens")
                             .at_least(0),
                         share(field("gaming_accept_rate", &OutcomeSpec::gaming_accept_rate,
                                     "Share of gaming edits accepted.")),
                     }),
             })
      .named_by("name", "cohort")
      .items(1)
      .as_required();
}

SchemaNode behaviour_schema() {
  return engine::object(
      "behaviour", &Scenario::behaviour,
      "How people respond to incentives: efforts e = (real work, usage gaming, outcome-KPI "
      "gaming) with private cost 1/2 (e - e0)' C (e - e0).",
      {
          field("baseline", &BehaviourSpec::baseline,
                "Efforts without incentives, e0 = (real, usage gaming, KPI gaming).")
              .with_unit("effort")
              .at_least(0),
          field("cost", &BehaviourSpec::cost,
                "Cost matrix C, 3x3 row-major, symmetric positive definite; off-diagonal "
                "terms are substitution between efforts.")
              .with_unit("utility per effort squared per day"),
          field("gaming_tokens_per_unit", &BehaviourSpec::gaming_tokens_per_unit,
                "Tokens burned by one unit of usage gaming (tau_G).")
              .with_unit("tokens")
              .at_least(0),
          field("kpi_gaming_tokens_per_unit", &BehaviourSpec::kpi_gaming_tokens_per_unit,
                "Tokens burned by one unit of outcome-KPI gaming.")
              .with_unit("tokens")
              .at_least(0),
          field("kpi_gaming_outcomes_per_unit", &BehaviourSpec::kpi_gaming_outcomes_per_unit,
                "Pull requests added by one unit of outcome-KPI gaming.")
              .with_unit("PRs")
              .at_least(0),
          field("review_burden_usd_per_mtok", &BehaviourSpec::review_burden_usd_per_mtok,
                "Value destroyed per million gaming tokens (others review the output).")
              .with_unit("USD per million tokens")
              .at_least(0),
          share(field("effort_adjustment_per_day", &BehaviourSpec::effort_adjustment_per_day,
                      "Share of the distance to the best response closed each day (1 = at "
                      "once); below 1, gaming winds down gradually after a reward ends.")),
          engine::object(
              "know_how", &BehaviourSpec::know_how,
              "Only people who know a gaming tactic can use it; awareness spreads in teams.",
              {
                  share(field("seed_share", &BehaviourSpec::KnowHow::seed_share,
                              "Share aware at day 0.")),
                  probability(field("base_hazard", &BehaviourSpec::KnowHow::base_hazard,
                                    "Daily chance of discovering a tactic alone.")),
                  probability(field("spread_hazard", &BehaviourSpec::KnowHow::spread_hazard,
                                    "Daily chance of learning it, times the share of aware "
                                    "teammates.")),
              }),
      });
}

SchemaNode incentives_schema() {
  return engine::object_list(
             "incentives", &Scenario::incentives,
             "Incentive schemes (pay, recognition, rankings, quotas) and what they reward.",
             {
                 field("name", &IncentiveScheme::name,
                       "Unique name, used in the timeline and in dotted paths.")
                     .as_required(),
                 field("enabled", &IncentiveScheme::enabled, "Whether the scheme runs at all."),
                 engine::enum_field("kind", &IncentiveScheme::kind,
                                    {{"linear", SchemeKind::linear},
                                     {"leaderboard", SchemeKind::leaderboard},
                                     {"quota", SchemeKind::quota},
                                     {"outcome_kpi", SchemeKind::outcome_kpi}},
                                    "linear: reward proportional to the metric; leaderboard: "
                                    "prize for the top of a ranking; quota: penalty below a "
                                    "threshold; outcome_kpi: linear on measured outcomes."),
                 engine::enum_field("metric", &IncentiveScheme::metric,
                                    {{"tokens", Metric::tokens},
                                     {"spend", Metric::spend},
                                     {"outcomes", Metric::outcomes},
                                     {"outcome_per_usd", Metric::outcome_per_usd}},
                                    "What is measured and rewarded."),
                 field("cohorts", &IncentiveScheme::cohorts,
                       "Cohorts the scheme applies to (empty = everyone).")
                     .as_unique(),
                 field("weight", &IncentiveScheme::weight,
                       "linear and outcome_kpi: utility per metric unit per day (tokens in "
                       "millions, spend in USD)."),
                 field("top_k", &IncentiveScheme::top_k,
                       "leaderboard: prize for the top k places (0 = use top_share).")
                     .with_unit("people")
                     .at_least(0),
                 field("top_share", &IncentiveScheme::top_share,
                       "leaderboard: prize for this top fraction of people.")
                     .with_unit("share")
                     .above(0)
                     .at_most(1),
                 field("prize", &IncentiveScheme::prize,
                       "leaderboard: utility of a winning place, per publication.")
                     .with_unit("utility")
                     .at_least(0),
                 field("window_days", &IncentiveScheme::window_days,
                       "leaderboard: ranking window; a multiple of publish_every_days.")
                     .with_unit("days")
                     .at_least(1),
                 field("publish_every_days", &IncentiveScheme::publish_every_days,
                       "leaderboard: days between publications of the ranking.")
                     .with_unit("days")
                     .at_least(1),
                 field("sigma_share", &IncentiveScheme::sigma_share,
                       "leaderboard: people's uncertainty about the cutoff, as a share of it.")
                     .with_unit("share")
                     .above(0),
                 engine::object(
                     "podium", &IncentiveScheme::podium,
                     "leaderboard: a further prize for the first places of the board (rank 1 "
                     "when places is 1), forecast from the last publication like the cutoff.",
                     {
                         field("places", &IncentiveScheme::Podium::places,
                               "Number of places that win the podium prize (0 = none).")
                             .with_unit("people")
                             .at_least(0),
                         field("prize", &IncentiveScheme::Podium::prize,
                               "Utility of a podium place per publication, on top of the "
                               "board's prize.")
                             .with_unit("utility")
                             .at_least(0),
                         field("sigma_share", &IncentiveScheme::Podium::sigma_share,
                               "Uncertainty about the podium's last score, as a share of it.")
                             .with_unit("share")
                             .above(0),
                     }),
                 field("threshold", &IncentiveScheme::threshold,
                       "quota: metric units per week below which the penalty applies (tokens "
                       "in millions).")
                     .at_least(0),
                 field("penalty", &IncentiveScheme::penalty,
                       "quota: utility lost in a week below the threshold.")
                     .with_unit("utility")
                     .at_least(0),
             })
      .named_by("name", "incentive scheme");
}

SchemaNode timeline_schema() {
  using engine::leaf_node;
  const std::string targets =
      " A target is incentives.<name> or governance.caps, governance.budgets, "
      "governance.anomaly, governance.model_approval.";
  return engine::object_list_node(
             "timeline",
             "Days on which a scheme or policy starts or ends. A target whose first event is "
             "'start' is inactive before it; without events it is active throughout.",
             {
                 leaf_node("day", SchemaType::integer,
                           "Day index of the event (0 = horizon.start), at most horizon.days.")
                     .with_unit("days")
                     .at_least(0)
                     .as_required(),
                 leaf_node("start", SchemaType::string, "What starts on that day." + targets),
                 leaf_node("end", SchemaType::string, "What ends on that day." + targets),
             })
      .one_of_keys({"start", "end"})
      .labelled("event");
}

SchemaNode monte_carlo_schema() {
  return engine::object("monte_carlo", &Scenario::monte_carlo,
                        "Replicates and seed; results are identical for the same seed on any "
                        "machine and thread count.",
                        {
                            field("replicates", &MonteCarlo::replicates,
                                  "Independent replicates.")
                                .at_least(1)
                                .at_most(100000),
                            field("seed", &MonteCarlo::seed,
                                  "Scenario seed (unsigned 64-bit); replicate seeds are "
                                  "derived from it."),
                        });
}

SchemaNode targets_schema() {
  return engine::object_list(
             "targets", &Scenario::targets,
             "Calibration targets: published figures the scenario must reproduce.",
             {
                 field("name", &Target::name, "Unique name.").as_required(),
                 field("metric", &Target::metric, "A summary metric (docs/outputs.md).")
                     .as_required(),
                 field("variant", &Target::variant,
                       "Variant the target applies to (absent or 'base' = the base scenario)."),
                 field("value", &Target::value, "Expected value (with tolerance)."),
                 field("tolerance", &Target::tolerance, "Relative tolerance around value.")
                     .with_unit("share")
                     .at_least(0),
                 field("min", &Target::min, "Lower bound (instead of value)."),
                 field("max", &Target::max, "Upper bound (instead of value)."),
                 field("source", &Target::source, "Where the figure comes from."),
             })
      .named_by("name", "target");
}

SchemaNode variants_schema() {
  return engine::object_list(
             "variants", &Scenario::variants,
             "Named what-ifs: overrides of the base scenario, compared side by side.",
             {
                 field("name", &Variant::name, "Unique name ('base' is the base scenario).")
                     .as_required(),
                 field("description", &Variant::description, "What the variant changes and why."),
                 engine::leaf_node("set", SchemaType::any_map,
                                   "Overrides: dotted path (e.g. cohorts.engineers.headcount, "
                                   "incentives.leaderboard.prize) to value. Lists elements are "
                                   "addressed by their name."),
             })
      .named_by("name", "variant");
}

SchemaNode make_scenario_schema() {
  return engine::root_object<Scenario>(
      "scenario",
      "A goodhart scenario: an organisation, its AI usage, incentives and governance, and the "
      "what-if variants to compare.",
      {
          meta_schema().as_required(),
          horizon_schema().as_required(),
          pricing_schema(),
          cohorts_schema(),
          behaviour_schema(),
          incentives_schema(),
          engine::embed(&Scenario::governance, engine::policy_schema()),
          timeline_schema(),
          monte_carlo_schema(),
          targets_schema(),
          variants_schema(),
      });
}

}  // namespace

const SchemaNode& scenario_schema() {
  static const SchemaNode schema = make_scenario_schema();
  return schema;
}

// ================================================================= YAML helpers

namespace {

// A deep copy that shares nothing with `n` (and so carries no source positions).
YAML::Node fresh_copy(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      YAML::Node m(YAML::NodeType::Map);
      for (const auto& kv : n) m.force_insert(fresh_copy(kv.first), fresh_copy(kv.second));
      return m;
    }
    case YAML::NodeType::Sequence: {
      YAML::Node s(YAML::NodeType::Sequence);
      for (const auto& item : n) s.push_back(fresh_copy(item));
      return s;
    }
    case YAML::NodeType::Scalar: {
      YAML::Node s(n.Scalar());
      s.SetTag(n.Tag());
      return s;
    }
    case YAML::NodeType::Null: return YAML::Node(YAML::NodeType::Null);
    case YAML::NodeType::Undefined: break;
  }
  return YAML::Node();
}

std::string suggestion(const std::string& key, const std::vector<std::string>& candidates) {
  if (auto g = did_you_mean(key, candidates)) return "; did you mean '" + *g + "'?";
  if (candidates.empty()) return "";
  return " (expected one of: " + joined(candidates) + ")";
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool covers(const std::string& prefix, const std::string& path) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

std::vector<std::string> element_names(const YAML::Node& list, const SchemaNode& schema) {
  std::vector<std::string> names;
  if (!is_seq(list) || schema.name_key.empty()) return names;
  for (const auto& item : list)
    if (is_map(item))
      if (auto n = as_text(item[schema.name_key]); n && !n->empty()) names.push_back(*n);
  return names;
}

const char* type_word(SchemaType t) {
  switch (t) {
    case SchemaType::number: return "a number";
    case SchemaType::integer: return "an integer";
    case SchemaType::boolean: return "a boolean";
    case SchemaType::string: return "text";
    case SchemaType::date: return "a date";
    case SchemaType::enumeration: return "a name";
    case SchemaType::number_list: return "a list of numbers";
    case SchemaType::string_list: return "a list of names";
    case SchemaType::any_map: return "a free mapping";
    default: return "a mapping";
  }
}

// Where a dotted path leads in the schema and the document.
struct PathTarget {
  const SchemaNode* schema = nullptr;
  bool element = false;  // an element of a list or map of objects (schema = the container)
  YAML::Node parent;     // mapping or sequence holding the value
  std::string key;       // its key, when `parent` is a mapping
  std::size_t index = 0;  // its index, when `parent` is a sequence
  YAML::Node node;       // current value (undefined when absent)
  std::string path;      // canonical dotted path
};

enum class Resolve {
  get,    // everything must exist
  set,    // creates missing mappings on the way
  check,  // like set, without touching the document
};

// Follows `path` through the scenario schema and `root`. On failure returns nullopt and
// puts a message in `error`.
std::optional<PathTarget> resolve(YAML::Node root, const std::string& path, Resolve mode,
                                  std::string& error) {
  const std::vector<std::string> seg = split(path, '.');
  for (const auto& s : seg)
    if (s.empty()) {
      error = "malformed path (empty segment)";
      return std::nullopt;
    }
  if (seg[0] == "variants") {
    error = "variants cannot be changed by an override";
    return std::nullopt;
  }
  if (!is_map(root)) {
    error = "the scenario is not a mapping";
    return std::nullopt;
  }
  const SchemaNode* s = &scenario_schema();
  // Handles below are moved with reset(): yaml-cpp's operator= would rewrite the node they
  // refer to, i.e. the document itself.
  YAML::Node cur = root;  // a mapping with the keys of s->children
  std::string done;
  std::size_t i = 0;
  while (true) {
    const std::string& key = seg[i];
    const SchemaNode* c = s->child(key);
    if (c == nullptr) {
      error = "unknown key '" + key + "'" + (done.empty() ? "" : " in '" + done + "'") +
              suggestion(key, s->child_keys());
      return std::nullopt;
    }
    done = join_path(done, key);
    YAML::Node next = is_map(cur) ? cur[key] : YAML::Node();
    if (++i == seg.size()) return PathTarget{c, false, cur, key, 0, next, done};
    const bool absent = !next.IsDefined() || is_null(next);
    switch (c->type) {
      case SchemaType::object:
        if (absent) {
          if (mode == Resolve::get) {
            error = "'" + done + "' is not set";
            return std::nullopt;
          }
          if (mode == Resolve::set) {
            cur[key] = YAML::Node(YAML::NodeType::Map);
            next.reset(cur[key]);
          } else {
            next.reset(YAML::Node(YAML::NodeType::Map));
          }
        } else if (!is_map(next)) {
          error = "'" + done + "' is not a mapping";
          return std::nullopt;
        }
        cur.reset(next);
        s = c;
        continue;
      case SchemaType::object_list:
      case SchemaType::object_map: {
        const bool is_list = c->type == SchemaType::object_list;
        const std::string what = c->item_label.empty() ? "element" : c->item_label;
        if (is_list && c->name_key.empty()) {
          error = "the elements of '" + done + "' have no names; set the whole list";
          return std::nullopt;
        }
        if (!absent && (is_list ? !is_seq(next) : !is_map(next))) {
          error = "'" + done + "' is not " + (is_list ? "a list" : "a mapping");
          return std::nullopt;
        }
        // Check mode must not touch the document, even to look a name up.
        if (absent && !is_list && mode == Resolve::check)
          next.reset(YAML::Node(YAML::NodeType::Map));
        // Names may contain dots ("gpt-5.1"): prefer the longest name that exists.
        std::optional<std::size_t> found_index;
        std::string found_name;
        std::size_t j = seg.size();
        for (; j > i && !absent; --j) {
          std::vector<std::string> parts(seg.begin() + static_cast<long>(i),
                                         seg.begin() + static_cast<long>(j));
          const std::string name = joined(parts, ".");
          if (is_list) {
            for (std::size_t k = 0; k < next.size() && !found_index; ++k)
              if (is_map(next[k]) && as_text(next[k][c->name_key]) == name) found_index = k;
          } else if (next[name].IsDefined()) {
            found_index = 0;
          }
          if (found_index) {
            found_name = name;
            break;
          }
        }
        if (!found_index) {
          if (is_list || mode == Resolve::get) {
            std::vector<std::string> names;
            if (is_list) names = element_names(next, *c);
            else if (!absent)
              for (const auto& kv : next) names.push_back(kv.first.Scalar());
            error = "no " + what + " named '" + seg[i] + "' in '" + done + "'";
            if (auto g = did_you_mean(seg[i], names)) error += "; did you mean '" + *g + "'?";
            else if (!names.empty()) error += " (there are: " + joined(names) + ")";
            return std::nullopt;
          }
          // A new entry of a mapping of objects (e.g. an inline catalog's model).
          found_name = seg[i];
          j = i + 1;
          if (mode == Resolve::set) {
            if (absent) {
              cur[key] = YAML::Node(YAML::NodeType::Map);
              next.reset(cur[key]);
            }
            next[found_name] = YAML::Node(YAML::NodeType::Map);
          }
        }
        done += "." + found_name;
        YAML::Node element;
        if (is_list) element.reset(next[*found_index]);
        else if (mode == Resolve::check && !next[found_name].IsDefined())
          element.reset(YAML::Node(YAML::NodeType::Map));
        else element.reset(next[found_name]);
        if (j == seg.size())
          return PathTarget{c, true, next, found_name, found_index.value_or(0), element, done};
        if (!is_map(element)) {
          error = "'" + done + "' is not a mapping";
          return std::nullopt;
        }
        cur.reset(element);
        s = c;
        i = j;
        continue;
      }
      default:
        error = "'" + done + "' is " + type_word(c->type) + "; it has no key '" + seg[i] + "'";
        return std::nullopt;
    }
  }
}

// The schema that validates a value put at `t` (an element is checked as one object).
SchemaNode value_schema(const PathTarget& t) {
  SchemaNode s = *t.schema;
  if (t.element) s.type = SchemaType::object;
  return s;
}

}  // namespace

// ================================================================= ScenarioDocument

ScenarioDocument::ScenarioDocument(std::shared_ptr<const std::string> text, std::string file)
    : text_(std::move(text)), file_(std::move(file)) {
  reparse();
}

void ScenarioDocument::reparse() { root_.reset(engine::load_yaml_string(*text_, file_)); }

ScenarioDocument ScenarioDocument::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Location{path}, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ScenarioDocument(std::make_shared<const std::string>(ss.str()), path);
}

ScenarioDocument ScenarioDocument::from_string(const std::string& yaml, const std::string& name) {
  return ScenarioDocument(std::make_shared<const std::string>(yaml), name);
}

namespace {
// The value node a variant gives to `path`, in the tree `root`.
YAML::Node variant_value(const YAML::Node& root, const std::string& variant,
                         const std::string& path) {
  const YAML::Node variants = root["variants"];
  if (!is_seq(variants)) return YAML::Node();
  for (const auto& v : variants) {
    if (!is_map(v) || as_text(v["name"]) != variant || !is_map(v["set"])) continue;
    for (const auto& kv : v["set"])
      if (as_text(kv.first) == path) return kv.second;
  }
  return YAML::Node();
}
}  // namespace

ScenarioDocument::ScenarioDocument(const ScenarioDocument& other)
    : text_(other.text_),
      file_(other.file_),
      overrides_(other.overrides_),
      variant_(other.variant_) {
  // yaml-cpp nodes are references and YAML::Clone drops positions: parse again instead.
  reparse();
  DiagnosticList ignored(file_);
  for (const auto& ov : overrides_)
    apply(ov, ov.variant.empty() ? fresh_copy(ov.value) : variant_value(root_, ov.variant, ov.path),
          ignored);
}

ScenarioDocument& ScenarioDocument::operator=(const ScenarioDocument& other) {
  if (this != &other) *this = ScenarioDocument(other);
  return *this;
}

ScenarioDocument& ScenarioDocument::operator=(ScenarioDocument&& other) noexcept {
  text_ = std::move(other.text_);
  file_ = std::move(other.file_);
  root_.reset(other.root_);
  overrides_ = std::move(other.overrides_);
  variant_ = std::move(other.variant_);
  return *this;
}

bool ScenarioDocument::apply(const Override& ov, const YAML::Node& value, DiagnosticList& diags) {
  std::string error;
  auto t = resolve(root_, ov.path, Resolve::set, error);
  if (!t) {
    diags.fail(ov.key_at, "cannot set '" + ov.path + "': " + error);
    return false;
  }
  if (is_seq(t->parent)) t->parent[t->index] = value;
  else t->parent[t->key] = value;
  return true;
}

void ScenarioDocument::set(const std::string& dotted_path, const YAML::Node& value) {
  DiagnosticList diags(file_);
  std::string error;
  auto t = resolve(root_, dotted_path, Resolve::check, error);
  if (!t) throw InputError(Location{file_}, "cannot set '" + dotted_path + "': " + error);
  Override ov{dotted_path, fresh_copy(value), "", Location{file_}};
  Reporter out(diags, [&](const std::string&, const std::string& message) {
    diags.fail(Location{file_}, "cannot set '" + dotted_path + "': " + message);
  });
  engine::validate(ov.value, value_schema(*t), out, t->path);
  diags.throw_if_any();
  apply(ov, fresh_copy(ov.value), diags);
  diags.throw_if_any();
  overrides_.push_back(std::move(ov));
}

void ScenarioDocument::set_from_string(const std::string& dotted_path,
                                       const std::string& yaml_value) {
  set(dotted_path, engine::load_yaml_string(yaml_value, "value of '" + dotted_path + "'"));
}

YAML::Node ScenarioDocument::get(const std::string& dotted_path) const {
  std::string error;
  auto t = resolve(root_, dotted_path, Resolve::get, error);
  if (t && !t->node.IsDefined()) {
    error = "'" + t->path + "' is not set";
    if (t->schema->default_text && !t->element)
      error += " (its default is " + *t->schema->default_text + ")";
    t.reset();
  }
  if (!t) throw InputError(Location{file_}, "cannot get '" + dotted_path + "': " + error);
  return fresh_copy(t->node);
}

std::vector<std::string> ScenarioDocument::variant_names() const {
  return element_names(is_map(root_) ? root_["variants"] : YAML::Node(),
                       *scenario_schema().child("variants"));
}

ScenarioDocument ScenarioDocument::apply_variant(const std::string& name,
                                                 DiagnosticList& diags) const {
  const auto names = variant_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string msg = "unknown variant '" + name + "'";
    if (auto g = did_you_mean(name, names)) msg += "; did you mean '" + *g + "'?";
    msg += names.empty() ? " (the scenario has no variants)" : " (variants: " + joined(names) + ")";
    throw InputError(Location{file_}, msg);
  }
  ScenarioDocument doc(*this);
  doc.variant_ = name;
  for (const auto& v : doc.root_["variants"]) {
    if (!is_map(v) || as_text(v["name"]) != name) continue;
    if (is_map(v["set"]))
      for (const auto& kv : v["set"]) {
        const auto path = as_text(kv.first);
        if (!path) continue;  // reported by validation
        Override ov{*path, YAML::Node(), name, engine::location_of(kv.first, file_)};
        if (doc.apply(ov, kv.second, diags)) doc.overrides_.push_back(std::move(ov));
      }
    break;
  }
  return doc;
}

ScenarioDocument ScenarioDocument::with_variant(const std::string& name) const {
  DiagnosticList diags(file_);
  ScenarioDocument doc = apply_variant(name, diags);
  diags.throw_if_any();
  return doc;
}

engine::UnmarkedReporter ScenarioDocument::unmarked_reporter(DiagnosticList& diags) const {
  return [this, &diags](const std::string& path, const std::string& message) {
    // The latest override that wrote this node, else one that created it on the way to a
    // deeper key (e.g. a new cap mapping).
    auto source = std::find_if(overrides_.rbegin(), overrides_.rend(),
                               [&](const Override& ov) { return covers(ov.path, path); });
    if (source == overrides_.rend())
      source = std::find_if(overrides_.rbegin(), overrides_.rend(),
                            [&](const Override& ov) { return covers(path, ov.path); });
    if (source == overrides_.rend()) {
      diags.fail(Location{file_}, path + ": " + message);
      return;
    }
    const std::string prefix =
        source->variant.empty() ? "" : "(variant '" + source->variant + "') ";
    if (source->key_at.line > 0) diags.fail(source->key_at, prefix + message);
    else diags.fail(Location{file_}, prefix + path + ": " + message);
  };
}

void ScenarioDocument::check_variant_paths(Reporter& out) const {
  const YAML::Node variants = root_["variants"];
  if (!is_seq(variants)) return;
  const SchemaNode& schema = *scenario_schema().child("variants");
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const YAML::Node v = variants[i];
    if (!is_map(v) || !is_map(v["set"])) continue;
    const std::string path = element_path("variants", schema, v, i) + ".set";
    for (const auto& kv : v["set"]) {
      const auto key = as_text(kv.first);
      if (!key) continue;
      std::string error;
      if (!resolve(root_, *key, Resolve::check, error))
        out.fail(kv.first, path, "cannot set '" + *key + "': " + error);
    }
  }
}

// ================================================================= build

namespace {

// Everything the cross-field checks need besides the document.
struct Checker {
  const YAML::Node& root;
  Scenario& sc;
  Reporter& out;
  DiagnosticList& diags;
  const std::string& file;

  const SchemaNode& schema(const char* key) const { return *scenario_schema().child(key); }

  void pricing() {
    const YAML::Node p = root["pricing"];
    if (!is_map(p) || !out.clean("pricing")) return;
    auto absorb = [&](const InputError& e) {
      for (const auto& d : e.diagnostics()) diags.fail(d.where, d.message);
    };
    if (const auto ref = as_text(p["catalog"])) {
      namespace fs = std::filesystem;
      fs::path resolved(*ref);
      if (resolved.is_relative())
        resolved = (fs::path(file).parent_path() / resolved).lexically_normal();
      std::error_code ec;
      if (!fs::is_regular_file(resolved, ec)) {
        out.fail(p["catalog"], "pricing.catalog",
                 "pricing catalog '" + *ref + "' not found (looked for " + resolved.string() +
                     "; a relative path starts at the scenario file's folder)");
        return;
      }
      try {
        sc.pricing = std::make_shared<const engine::PricingCatalog>(
            engine::PricingCatalog::load_file(resolved.string()));
        sc.pricing_ref = *ref;
      } catch (const InputError& e) {
        absorb(e);
      }
    } else if (p["inline"].IsDefined()) {
      try {
        sc.pricing = std::make_shared<const engine::PricingCatalog>(
            engine::PricingCatalog::from_yaml(p["inline"], file));
        sc.pricing_ref = "inline";
      } catch (const InputError& e) {
        absorb(e);
      }
    }
  }

  std::vector<std::string> catalog_models() const {
    std::vector<std::string> names;
    for (const auto& [name, price] : sc.pricing->models()) names.push_back(name);
    return names;
  }

  void check_model(const YAML::Node& at, const std::string& path, const std::string& model) {
    if (!sc.pricing || model.empty() || sc.pricing->find(model) != nullptr) return;
    std::string msg = "unknown model '" + model + "' in pricing catalog '" + sc.pricing_ref +
                      "' (" + sc.pricing->effective_date().iso() + ")";
    out.fail(at, path, msg + suggestion(model, catalog_models()));
  }

  void cohorts() {
    const YAML::Node list = root["cohorts"];
    if (!is_seq(list) || list.size() != sc.cohorts.size()) return;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      if (!is_map(node)) continue;
      const Cohort& c = sc.cohorts[i];
      const std::string path = element_path("cohorts", schema("cohorts"), node, i);
      if (out.clean(path + ".token_mix")) {
        const TokenMix& m = c.token_mix;
        const double sum = m.input + m.output + m.cache_read + m.cache_write;
        if (std::abs(sum - 1.0) > 1e-6) {
          const YAML::Node tm = node["token_mix"];
          std::string msg = "'token_mix' shares sum to " + short_number(sum) +
                            ", not 1 (input " + short_number(m.input) + " + output " +
                            short_number(m.output) + " + cache_read " +
                            short_number(m.cache_read) + " + cache_write " +
                            short_number(m.cache_write) + ")";
          if (!is_map(tm) || tm.size() < 4) msg += "; shares not written take their defaults";
          out.fail(tm.IsDefined() ? tm : node, path + ".token_mix", msg);
        }
      }
      if (out.clean(path + ".model")) check_model(node["model"], path + ".model", c.model);
    }
  }

  void behaviour() {
    const YAML::Node b = root["behaviour"];
    if (!is_map(b) || !b["cost"].IsDefined() || !out.clean("behaviour.cost")) return;
    const YAML::Node at = b["cost"];
    const auto& c = sc.behaviour.cost;
    Eigen::Matrix3d m;
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) m(r, k) = c[static_cast<std::size_t>(3 * r + k)];
    for (int r = 0; r < 3; ++r)
      for (int k = r + 1; k < 3; ++k) {
        const double a = m(r, k), b2 = m(k, r);
        if (std::abs(a - b2) > 1e-9 * std::max({1.0, std::abs(a), std::abs(b2)})) {
          out.fail(at, "behaviour.cost",
                   "'cost' must be symmetric: row " + std::to_string(r + 1) + " column " +
                       std::to_string(k + 1) + " is " + short_number(a) + " but row " +
                       std::to_string(k + 1) + " column " + std::to_string(r + 1) + " is " +
                       short_number(b2));
          return;
        }
      }
    Eigen::LLT<Eigen::Matrix3d> llt(m);
    if (llt.info() != Eigen::Success) {
      const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(m, Eigen::EigenvaluesOnly);
      out.fail(at, "behaviour.cost",
               "'cost' must be positive definite (every effort must have a rising cost); its "
               "smallest eigenvalue is " + short_number(eig.eigenvalues().minCoeff()) +
                   ": make the diagonal larger than the off-diagonal terms");
    }
  }

  void incentives() {
    const YAML::Node list = root["incentives"];
    if (!is_seq(list) || list.size() != sc.incentives.size()) return;
    std::vector<std::string> cohort_names;
    for (const auto& c : sc.cohorts) cohort_names.push_back(c.name);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      if (!is_map(node)) continue;
      const IncentiveScheme& s = sc.incentives[i];
      const std::string path = element_path("incentives", schema("incentives"), node, i);
      if (out.clean(path + ".cohorts") && out.clean("cohorts"))
        for (std::size_t k = 0; k < s.cohorts.size(); ++k) {
          if (std::find(cohort_names.begin(), cohort_names.end(), s.cohorts[k]) !=
              cohort_names.end())
            continue;
          out.fail(node["cohorts"][k], path + ".cohorts",
                   "unknown cohort '" + s.cohorts[k] + "'" +
                       suggestion(s.cohorts[k], cohort_names));
        }
      if (out.clean(path + ".window_days") && out.clean(path + ".publish_every_days") &&
          s.window_days % s.publish_every_days != 0) {
        const YAML::Node at = node["window_days"].IsDefined() ? node["window_days"]
                              : node["publish_every_days"].IsDefined()
                                  ? node["publish_every_days"]
                                  : node;
        out.fail(at, path + ".window_days",
                 "'window_days' (" + std::to_string(s.window_days) +
                     ") must be a multiple of 'publish_every_days' (" +
                     std::to_string(s.publish_every_days) + ")");
      }
      if (s.kind == SchemeKind::leaderboard && out.clean(path + ".podium")) podium(s, node, path);
    }
  }

  // A podium pays its places on top of the board's own winning places, so it must name places
  // and be a part of those: a podium as wide as the board would be a second prize for the
  // same cutoff, which the decision (candidates per prize tier) does not solve.
  void podium(const IncentiveScheme& s, const YAML::Node& node, const std::string& path) {
    const YAML::Node p = node["podium"];
    auto at = [&](const char* key) { return p[key].IsDefined() ? p[key] : p.IsDefined() ? p : node; };
    if (s.podium.places == 0) {
      if (s.podium.prize > 0.0)
        out.fail(at("prize"), path + ".podium.prize",
                 "'podium.prize' pays no one: set 'podium.places' (how many first places win it)");
      return;
    }
    std::size_t ranked = 0;
    for (const auto& c : sc.cohorts)
      if (s.cohorts.empty() || std::find(s.cohorts.begin(), s.cohorts.end(), c.name) != s.cohorts.end())
        ranked += static_cast<std::size_t>(std::max<std::int64_t>(0, c.headcount));
    const std::size_t winners = s.winning_places(ranked);
    if (static_cast<std::size_t>(s.podium.places) >= winners)
      out.fail(at("places"), path + ".podium.places",
               "'podium.places' (" + std::to_string(s.podium.places) +
                   ") must be fewer than the board's winning places (" + std::to_string(winners) +
                   (s.top_k > 0 ? " from top_k" : " from top_share of " + std::to_string(ranked) + " people") + ")");
  }

  void governance() {
    const YAML::Node g = root["governance"];
    engine::check_policy(g, sc.governance, out, "governance");
    const auto& ma = sc.governance.model_approval;
    if (!is_map(g) || !is_map(g["model_approval"]) || !out.clean("governance.model_approval"))
      return;
    const YAML::Node node = g["model_approval"];
    for (std::size_t k = 0; k < ma.models.size(); ++k)
      check_model(node["models"][k], "governance.model_approval.models", ma.models[k]);
    check_model(node["substitute"], "governance.model_approval.substitute", ma.substitute);
  }

  Window* window_of(const std::string& target) {
    if (target == "governance.caps") return &sc.governance.caps.window;
    if (target == "governance.budgets") return &sc.governance.budgets.window;
    if (target == "governance.anomaly") return &sc.governance.anomaly.window;
    if (target == "governance.model_approval") return &sc.governance.model_approval.window;
    const std::string prefix = "incentives.";
    if (target.compare(0, prefix.size(), prefix) == 0)
      for (auto& s : sc.incentives)
        if (s.name == target.substr(prefix.size())) return &s.window;
    return nullptr;
  }

  void timeline() {
    const YAML::Node list = root["timeline"];
    if (!is_seq(list)) return;
    std::vector<std::string> targets{"governance.caps", "governance.budgets",
                                     "governance.anomaly", "governance.model_approval"};
    for (const auto& s : sc.incentives) targets.push_back("incentives." + s.name);
    const bool days_known = out.clean("horizon.days") && out.clean("horizon");
    struct Event {
      TimelineEvent ev;
      std::size_t index;  // not the node: sorting assigns, and assigning a node rewrites it
    };
    std::vector<Event> events;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      const std::string path = "timeline[" + std::to_string(i) + "]";
      if (!is_map(node) || !out.clean(path)) continue;
      TimelineEvent ev;
      ev.day = static_cast<int>(as_integer(node["day"]).value_or(0));
      ev.start = node["start"].IsDefined();
      const YAML::Node target = ev.start ? node["start"] : node["end"];
      ev.target = as_text(target).value_or("");
      bool ok = true;
      if (days_known && ev.day > sc.horizon.days) {
        out.fail(node["day"], path + ".day",
                 "day " + std::to_string(ev.day) + " is beyond the horizon (horizon.days is " +
                     std::to_string(sc.horizon.days) + ")");
        ok = false;
      }
      if (window_of(ev.target) == nullptr) {
        std::string msg = "unknown timeline target '" + ev.target + "'";
        if (auto g = did_you_mean(ev.target, targets)) msg += "; did you mean '" + *g + "'?";
        else msg += " (targets: " + joined(targets) + ")";
        out.fail(target, path + (ev.start ? ".start" : ".end"), msg);
        ok = false;
      }
      if (ok) events.push_back({ev, i});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.ev.day < b.ev.day; });
    // A window is one interval: at most one start, then at most one end.
    std::map<std::string, std::pair<std::optional<int>, std::optional<int>>> seen;
    for (const auto& e : events) {
      auto& [started, ended] = seen[e.ev.target];
      Window& w = *window_of(e.ev.target);
      const YAML::Node node = list[e.index];
      const YAML::Node at = e.ev.start ? node["start"] : node["end"];
      const std::string where = "timeline";
      if (ended) {
        out.fail(at, where,
                 "'" + e.ev.target + "' already ended on day " + std::to_string(*ended) +
                     "; a scheme or policy is active for one interval (define a second one "
                     "for a second period)");
        continue;
      }
      if (e.ev.start) {
        if (started) {
          out.fail(at, where,
                   "'" + e.ev.target + "' already starts on day " + std::to_string(*started));
          continue;
        }
        started = e.ev.day;
        w.start_day = e.ev.day;
      } else {
        if (started && *started == e.ev.day) {
          out.fail(at, where,
                   "'" + e.ev.target + "' ends on the day it starts (" +
                       std::to_string(e.ev.day) + "): it would never be active");
          continue;
        }
        ended = e.ev.day;
        w.end_day = e.ev.day;
      }
      sc.timeline.push_back(e.ev);
    }
  }

  void targets() {
    const YAML::Node list = root["targets"];
    if (!is_seq(list) || list.size() != sc.targets.size()) return;
    std::vector<std::string> variant_names;
    for (const auto& v : sc.variants) variant_names.push_back(v.name);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      if (!is_map(node)) continue;
      const Target& t = sc.targets[i];
      const std::string path = element_path("targets", schema("targets"), node, i);
      if (!t.variant.empty() && t.variant != "base" && out.clean(path + ".variant") &&
          std::find(variant_names.begin(), variant_names.end(), t.variant) ==
              variant_names.end()) {
        std::string msg = "target '" + t.name + "' names unknown variant '" + t.variant + "'";
        if (auto g = did_you_mean(t.variant, variant_names)) msg += "; did you mean '" + *g + "'?";
        else if (variant_names.empty()) msg += " (the scenario has no variants)";
        else msg += " (variants: " + joined(variant_names) + ")";
        out.fail(node["variant"], path + ".variant", msg);
      }
      const auto& figures = figure_names();
      if (node["metric"] && out.clean(path + ".metric") &&
          std::find(figures.begin(), figures.end(), t.metric) == figures.end()) {
        std::string msg = "target '" + t.name + "' names unknown figure '" + t.metric + "'";
        if (auto g = did_you_mean(t.metric, figures)) msg += "; did you mean '" + *g + "'?";
        else msg += " (figures are listed in docs/outputs.md)";
        out.fail(node["metric"], path + ".metric", msg);
      }
      if (!out.clean(path)) continue;
      const bool has_range = t.min || t.max;
      if (!t.value && !has_range)
        out.fail(node, path,
                 "target '" + t.name + "' needs 'value' (with 'tolerance') or 'min'/'max'");
      else if (t.value && has_range)
        out.fail(node[t.min ? "min" : "max"], path,
                 "target '" + t.name + "' has both 'value' and a range; keep one");
      else if (t.min && t.max && *t.min > *t.max)
        out.fail(node["min"], path,
                 "target '" + t.name + "': 'min' (" + short_number(*t.min) +
                     ") is above 'max' (" + short_number(*t.max) + ")");
    }
  }

  void variants() {
    const YAML::Node list = root["variants"];
    if (!is_seq(list)) return;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (is_map(list[i]) && as_text(list[i]["name"]) == std::string("base"))
        out.fail(list[i]["name"], "variants[" + std::to_string(i) + "].name",
                 "'base' is reserved for the scenario without overrides; rename the variant");
  }
};

}  // namespace

Scenario ScenarioDocument::build_into(DiagnosticList& diags) const {
  Scenario sc;
  sc.file = file_;
  Reporter out(diags, unmarked_reporter(diags));
  if (is_null(root_)) {
    diags.fail(Location{file_, 1, 1},
               "the scenario file is empty: expected at least 'meta', 'horizon', 'pricing' and "
               "'cohorts'");
    return sc;
  }
  if (!is_map(root_)) {
    out.fail(root_, "", "a scenario must be a mapping of sections (meta, horizon, pricing, cohorts, ...)");
    return sc;
  }
  engine::validate(root_, scenario_schema(), out, "");
  engine::read_into(root_, scenario_schema(), sc);
  Checker check{root_, sc, out, diags, file_};
  check.pricing();
  check.cohorts();
  check.behaviour();
  check.incentives();
  check.governance();
  check.timeline();
  check.targets();
  check.variants();
  check_variant_paths(out);
  return sc;
}

Scenario ScenarioDocument::build() const {
  DiagnosticList diags(file_);
  Scenario sc = build_into(diags);
  diags.throw_if_any();
  return sc;
}

Scenario load_scenario(const std::string& path) { return ScenarioDocument::load_file(path).build(); }

std::vector<Diagnostic> validate_scenario_file(const std::string& path) {
  std::optional<ScenarioDocument> doc;
  try {
    doc = ScenarioDocument::load_file(path);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  DiagnosticList base(path);
  doc->build_into(base);
  std::vector<Diagnostic> all = base.items();
  auto known = [&](const Diagnostic& d) {
    return std::any_of(all.begin(), all.end(), [&](const Diagnostic& k) {
      return k.where.str() == d.where.str() && k.message == d.message;
    });
  };
  for (const auto& name : doc->variant_names()) {
    DiagnosticList diags(path);
    const ScenarioDocument variant = doc->apply_variant(name, diags);
    variant.build_into(diags);
    // What the base already reports would only repeat; the rest is the variant's doing.
    for (auto d : diags.items()) {
      if (known(d)) continue;
      if (d.message.rfind("(variant ", 0) != 0) d.message = "(variant '" + name + "') " + d.message;
      if (!known(d)) all.push_back(std::move(d));
    }
  }
  std::stable_sort(all.begin(), all.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    return std::make_tuple(a.where.file != path, a.where.file, a.where.line, a.where.col) <
           std::make_tuple(b.where.file != path, b.where.file, b.where.line, b.where.col);
  });
  return all;
}

}  // namespace goodhart::sim
