// One export reader (GOODHART_FUZZ_FORMAT names it, as --format spells it; "detect" leaves the
// choice to content detection). Any bytes either raise an InputError naming the input, or
// give a dataset whose accounting and money add up: every record read is accepted or
// rejected with its place, no amount is negative (readers refuse negative amounts, so a
// negative one has wrapped), and totals by person and by model agree exactly.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_common.hpp"
#include "goodhart/engine/ingest.hpp"

#ifndef GOODHART_FUZZ_FORMAT
#error "GOODHART_FUZZ_FORMAT must name an export format (or detect)"
#endif

namespace {

using namespace goodhart::engine;
using goodhart::fuzz::violated;

std::optional<ExportFormat> target_format() {
  const std::string f = GOODHART_FUZZ_FORMAT;
  if (f == "detect") return std::nullopt;
  const auto parsed = parse_format_name(f);
  if (!parsed) violated("unknown GOODHART_FUZZ_FORMAT", f);
  return parsed;
}

void check_dataset(const UsageDataset& ds, const std::string& name) {
  const IngestReport& r = ds.report();
  if (r.records_read != r.accepted + r.rejected) violated("records read != accepted + rejected", name);
  if (static_cast<std::int64_t>(r.rejections.size()) + r.rejections_not_kept != r.rejected)
    violated("rejections kept + not kept != rejected", name);
  if (r.duplicates > r.rejected) violated("more duplicates than rejections", name);
  for (const auto& d : r.rejections) {
    if (d.where.file != name) violated("a rejection names another file", d.str());
    if (d.where.line <= 0 && d.where.record <= 0) violated("a rejection has no line or record", d.str());
    if (d.message.empty()) violated("a rejection has no reason", d.str());
  }
  const std::size_t people = ds.people().size(), models = ds.models().size();
  using goodhart::engine::Int128;
  Int128 total = 0;
  std::vector<Int128> by_person(people), by_model(models);
  Int128 unpriced = 0;
  const DayUsage* prev = nullptr;
  for (const auto& row : ds.rows()) {
    if (row.person >= people || row.model >= models) violated("a row points past the people or models", name);
    if (row.cost < 0) violated("a negative cost in a row (an amount wrapped)", name);
    if (prev && std::tie(prev->day.days, prev->person, prev->model) >= std::tie(row.day.days, row.person, row.model))
      violated("rows are not sorted by (day, person, model) without repeats", name);
    if (row.day < ds.first_day() || ds.last_day() < row.day) violated("a row lies outside first_day..last_day", name);
    Int128 tokens = 0;
    for (auto n : row.tokens.n) tokens += n;
    if (tokens > std::numeric_limits<std::uint64_t>::max())
      violated("a row's token total overflows 64 bits", name);
    total += row.cost;
    by_person[row.person] += row.cost;
    by_model[row.model] += row.cost;
    unpriced += row.unpriced_tokens;
    prev = &row;
  }
  Int128 sp = 0, sm = 0;
  for (auto v : by_person) sp += v;
  for (auto v : by_model) sm += v;
  if (sp != total || sm != total) violated("total != sum by person != sum by model", name);
  if (total > std::numeric_limits<MicroUsd>::max()) violated("the dataset's total spend overflows 64 bits", name);
  Int128 unknown = 0;
  for (const auto& [model, u] : r.unknown_models) unknown += u.tokens;
  if (unknown != unpriced) violated("unpriced tokens in rows != tokens of unknown models", name);
  for (const auto& line : ds.org_costs())
    if (line.cost < 0) violated("a negative organisation cost line", name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::optional<ExportFormat> format = target_format();
  // JSON Lines and CSV are told apart by content; the extension only shapes the name.
  const std::string name = "export.input";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Ingestor ing(goodhart::fuzz::shipped_catalog());
  try {
    ing.read_string(text, name, format);
  } catch (const InputError& e) {
    goodhart::fuzz::check_input_error(e, name);
    return 0;
  }
  check_dataset(ing.finish(), name);
  return 0;
}
