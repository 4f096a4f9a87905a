// `goodhart audit` end to end on any export (format detected): read, audit, and render JSON,
// CSV and the table. Only InputError may escape; spend adds up the same by person, by model
// and in total, as in the dataset.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>

#include "fuzz_common.hpp"
#include "goodhart/engine/audit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goodhart::engine;
  using goodhart::fuzz::violated;
  const std::string name = "export.input";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Ingestor ing(goodhart::fuzz::shipped_catalog());
  try {
    ing.read_string(text, name);
  } catch (const InputError& e) {
    goodhart::fuzz::check_input_error(e, name);
    return 0;
  }
  const UsageDataset ds = ing.finish();
  // Every analysis on: a budget (forecast), a quota (bunching), anomalies; few bootstrap paths.
  AuditOptions opt;
  opt.bootstrap_paths = 20;
  opt.budget = 1'000 * kMicroPerUsd;
  opt.quota = 1e6;
  opt.period = static_cast<AuditPeriod>(size % 3);
  const AuditResult res = run_audit(ds, opt);
  Int128 rows = 0, people = 0, models = 0;
  for (const auto& r : ds.rows()) rows += r.cost;
  for (const auto& p : res.people) people += p.stats.spend;
  for (const auto& m : res.model_periods) models += m.stats.spend;
  if (res.total.spend != rows || people != rows || models != rows)
    violated("audit spend: total, by person, by model and the dataset's rows differ", name);
  std::ostringstream sink;
  sink << audit_json(res, ds);
  write_audit_table(sink, res, ds);
  write_person_period_csv(sink, res, ds);
  return 0;
}
