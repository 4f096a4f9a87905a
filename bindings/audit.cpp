// Audits of real usage exports (engine/audit.hpp): ingest, indicators, and the CLI's own
// renderings (audit.json, the table, the person x period CSV), so Python and CLI agree.
#include <pybind11/stl.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "goodhart/engine/audit.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/pricing.hpp"
#include "goodhart/engine/replay.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace goodhart::bindings {

namespace {

struct AuditHandle {
  engine::UsageDataset data;
  engine::AuditResult result;
};

engine::Location first_file(const engine::IngestReport& r) {
  return engine::Location{r.files.empty() ? "-" : r.files.front().file};
}

// Reads the exports as the CLI does (called without the GIL); a run where no record could
// be read is an input error, not an empty report.
engine::UsageDataset load_dataset(const std::vector<std::string>& paths, const std::string& pricing,
                                  const std::optional<std::string>& identity_map,
                                  const std::optional<std::string>& input_format, const char* what) {
  engine::IngestOptions ingest;
  if (input_format) {
    ingest.format = engine::parse_format_name(*input_format);
    if (!ingest.format) throw engine::InputError(engine::Location{"--input-format"}, "unknown input format '" + *input_format + "'");
  }
  const auto catalog = engine::PricingCatalog::load_file(pricing);
  std::optional<engine::IdentityMap> map;
  if (identity_map) {
    map = engine::IdentityMap::load_file(*identity_map);
    ingest.identities = &*map;
  }
  engine::UsageDataset data = engine::ingest_paths(paths, catalog, ingest);
  const auto& report = data.report();
  if (report.records_read > 0 && report.accepted == 0)
    throw engine::InputError(first_file(report), std::string("no record could be read; nothing to ") + what);
  return data;
}

// Option values arrive as the CLI's words ("week", "usd"), so both share one vocabulary.
AuditHandle audit(const std::vector<std::string>& paths, const std::string& pricing,
                  std::optional<std::string> identity_map, std::optional<std::string> input_format,
                  const std::string& period, std::optional<double> quota,
                  const std::string& quota_metric, std::optional<std::string> budget_usd,
                  const std::string& budget_period, bool truth, double truth_threshold,
                  double min_gap, double min_usage_percentile, std::uint64_t seed) {
  engine::AuditOptions o;
  if (period == "day") o.period = engine::AuditPeriod::day;
  else if (period == "week") o.period = engine::AuditPeriod::week;
  else if (period == "month") o.period = engine::AuditPeriod::month;
  else throw py::value_error("period must be 'day', 'week' or 'month', got '" + period + "'");
  if (quota) {
    if (!(*quota > 0)) throw py::value_error("quota must be positive");
    o.quota = *quota;
  }
  if (quota_metric == "usd") o.quota_metric = engine::QuotaMetric::usd;
  else if (quota_metric != "tokens")
    throw py::value_error("quota_metric must be 'tokens' or 'usd', got '" + quota_metric + "'");
  if (budget_usd) {
    const auto micro = engine::parse_decimal_micro(*budget_usd, engine::kMicroPerUsd);
    if (!micro || *micro <= 0)
      throw py::value_error("budget_usd must be a positive amount, got '" + *budget_usd + "'");
    o.budget = *micro;
  }
  if (budget_period == "year") o.budget_period = engine::AuditBudgetPeriod::year;
  else if (budget_period != "month")
    throw py::value_error("budget_period must be 'month' or 'year', got '" + budget_period + "'");
  o.truth = truth;
  o.truth_threshold = truth_threshold;
  o.min_gap = min_gap;
  o.min_usage_percentile = min_usage_percentile;
  o.seed = seed;

  py::gil_scoped_release nogil;
  AuditHandle h;
  h.data = load_dataset(paths, pricing, identity_map, input_format, "audit");
  const auto& report = h.data.report();
  if (truth && !h.data.has_truth())
    throw engine::InputError(first_file(report),
                             "truth=True needs a simulated export with gaming_tokens_truth on "
                             "every usage row (goodhart run --events)");
  h.result = engine::run_audit(h.data, o);
  return h;
}

// The same steps as `goodhart replay`; returns replay.json's text, and writes --out's files
// when asked, so Python and the CLI share one rendering.
std::string replay(const std::vector<std::string>& paths, const std::string& pricing,
                   const std::string& policy_file, std::optional<std::string> identity_map,
                   std::optional<std::string> input_format, std::optional<std::string> out_dir) {
  py::gil_scoped_release nogil;
  const engine::PolicyConfig policy = engine::load_policy_file(policy_file);
  const engine::UsageDataset data = load_dataset(paths, pricing, identity_map, input_format, "replay");
  const engine::ReplayResult result = engine::run_replay(data, policy);
  if (out_dir) engine::write_replay_outputs(*out_dir, result, data);
  return engine::replay_json(result, data);
}

}  // namespace

void bind_audit(py::module_& m) {
  m.def("replay", &replay, "paths"_a, "pricing"_a, "policy"_a, "identity_map"_a,
        "input_format"_a, "out_dir"_a, "Replays a policy on the exports without the GIL.");
  m.attr("HAVE_AUDIT") = true;
  py::class_<AuditHandle>(m, "AuditHandle")
      .def("json", [](const AuditHandle& h) { return engine::audit_json(h.result, h.data); },
           "audit.json text, as `goodhart audit --format json` prints it.")
      .def("table", [](const AuditHandle& h) {
        std::ostringstream os;
        engine::write_audit_table(os, h.result, h.data);
        return os.str();
      })
      .def("person_period_csv", [](const AuditHandle& h) {
        std::ostringstream os;
        engine::write_person_period_csv(os, h.result, h.data);
        return os.str();
      })
      .def("write_outputs", [](const AuditHandle& h, const std::string& dir) {
        py::gil_scoped_release nogil;
        engine::write_audit_outputs(dir, h.result, h.data);
      }, "dir"_a, "audit.json and the CSV tables, each written atomically, as `--out DIR`.");
  m.def("audit", &audit, "paths"_a, "pricing"_a, "identity_map"_a, "input_format"_a, "period"_a,
        "quota"_a, "quota_metric"_a, "budget_usd"_a, "budget_period"_a, "truth"_a,
        "truth_threshold"_a, "min_gap"_a, "min_usage_percentile"_a, "seed"_a,
        "Reads the exports and audits them without the GIL.");
}

}  // namespace goodhart::bindings
