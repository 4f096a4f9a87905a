// goodhart's canonical CSV (docs/formats.md): one row per person-day-model, cost in dollars
// with six decimals, outcomes additive over a person-day's rows, optional gaming truth.
#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

void read_canonical(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& h) {
  if (!h.has("date") || !h.has("person"))
    throw InputError(Location{ing.file(), 1}, "canonical CSV header needs at least 'date' and 'person' columns");
  std::array<int, kCanonicalColumns.size()> c{};
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = h.index(kCanonicalColumns[i]);
  auto get = [&](std::span<const std::string_view> f, std::size_t column) {
    return c[column] >= 0 ? f[static_cast<std::size_t>(c[column])] : std::string_view();
  };
  // Indices into kCanonicalColumns, spelled once.
  enum : std::size_t {
    kDate, kPerson, kTeam, kCohort, kModel, kInput, kOutput, kCacheRead, kCacheWrite5m, kCacheWrite1h,
    kCost, kSessions, kCommits, kPullRequests, kLinesAdded, kLinesRemoved, kEditsAccepted,
    kEditsRejected, kRequests, kFailedRequests, kGamingTruth
  };
  UsageRecord rec;
  for_each_csv_row(ing, csv, h, [&](std::span<const std::string_view> f) {
    const std::string_view date = get(f, kDate);
    const auto day = parse_date(date);
    if (!day || date.size() != 10) fail("date is not YYYY-MM-DD: '" + std::string(date.substr(0, 40)) + "'");
    if (get(f, kPerson).empty()) fail("person is empty");
    rec.tokens = {};
    rec.tokens[TokenType::input] = csv_count(get(f, kInput), "input_tokens");
    rec.tokens[TokenType::output] = csv_count(get(f, kOutput), "output_tokens");
    rec.tokens[TokenType::cache_read] = csv_count(get(f, kCacheRead), "cache_read_tokens");
    rec.tokens[TokenType::cache_write_5m] = csv_count(get(f, kCacheWrite5m), "cache_write_5m_tokens");
    rec.tokens[TokenType::cache_write_1h] = csv_count(get(f, kCacheWrite1h), "cache_write_1h_tokens");
    rec.cost = csv_amount(get(f, kCost), kMicroPerUsd, "cost_usd");
    if (rec.cost && *rec.cost < 0) fail("cost_usd is negative");
    Outcomes& o = rec.outcomes;
    o.sessions = csv_int(get(f, kSessions), "sessions");
    o.commits = csv_int(get(f, kCommits), "commits");
    o.pull_requests = csv_int(get(f, kPullRequests), "pull_requests");
    o.lines_added = csv_int(get(f, kLinesAdded), "lines_added");
    o.lines_removed = csv_int(get(f, kLinesRemoved), "lines_removed");
    o.edits_accepted = csv_int(get(f, kEditsAccepted), "edits_accepted");
    o.edits_rejected = csv_int(get(f, kEditsRejected), "edits_rejected");
    rec.requests = csv_int(get(f, kRequests), "requests");
    rec.failed_requests = csv_int(get(f, kFailedRequests), "failed_requests");
    if (rec.failed_requests > rec.requests && c[kRequests] >= 0)
      fail("failed_requests (" + std::to_string(rec.failed_requests) + ") exceed requests (" +
           std::to_string(rec.requests) + ")");
    const std::string_view truth = get(f, kGamingTruth);
    rec.gaming_tokens_truth.reset();
    if (!truth.empty()) {
      rec.gaming_tokens_truth = csv_count(truth, "gaming_tokens_truth");
      if (*rec.gaming_tokens_truth > rec.tokens.total())
        fail("gaming_tokens_truth (" + std::to_string(*rec.gaming_tokens_truth) + ") exceeds the row's tokens (" +
             std::to_string(rec.tokens.total()) + ")");
    }
    rec.day = *day;
    rec.person = get(f, kPerson);
    rec.team = get(f, kTeam);
    rec.cohort = get(f, kCohort);
    rec.model = get(f, kModel);
    // Checked before the duplicate key is taken, so a rejected record leaves no trace.
    const auto prepared = ing.prepare(rec, {});
    ing.check_duplicate(KeyHash(static_cast<int>(ExportFormat::canonical))
                            .add(get(f, kPerson))
                            .add(std::int64_t{day->days})
                            .add(get(f, kModel))
                            .value());
    ing.apply(rec, prepared);
  });
}

}  // namespace goodhart::engine::detail
