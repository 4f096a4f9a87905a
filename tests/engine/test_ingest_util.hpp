// Helpers shared by the ingest tests: the shipped pricing catalog, test data paths, reading
// text or files into a dataset, and totals computed by plain loops over the rows.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/pricing.hpp"

namespace goodhart::engine::test {

inline const PricingCatalog& catalog() {
  static const PricingCatalog c =
      PricingCatalog::load_file(std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml");
  return c;
}

inline std::string data(const std::string& rel) {
  return std::string(GOODHART_SOURCE_DIR) + "/tests/engine/data/ingest/" + rel;
}

inline UsageDataset read_text(std::string_view text, const std::string& name,
                              std::optional<ExportFormat> fmt = std::nullopt) {
  Ingestor ing(catalog());
  ing.read_string(text, name, fmt);
  return ing.finish();
}

inline UsageDataset read_files(const std::vector<std::string>& paths, IngestOptions opt = {}) {
  return ingest_paths(paths, catalog(), opt);
}

// Records read = accepted + rejected, per file and in total; every rejection kept.
inline void check_accounting(const IngestReport& r) {
  std::int64_t read = 0, acc = 0, rej = 0;
  for (const auto& f : r.files) {
    CHECK(f.records_read == f.accepted + f.rejected);
    read += f.records_read;
    acc += f.accepted;
    rej += f.rejected;
  }
  CHECK(r.records_read == read);
  CHECK(r.accepted == acc);
  CHECK(r.rejected == rej);
  CHECK(r.records_read == r.accepted + r.rejected);
  CHECK(static_cast<std::int64_t>(r.rejections.size()) + r.rejections_not_kept == r.rejected);
}

// The one rejection of an input holding one bad record, as "file:record: reason".
inline std::string only_rejection(const UsageDataset& ds) {
  check_accounting(ds.report());
  REQUIRE(ds.report().rejections.size() == 1);
  return ds.report().rejections.front().str();
}

struct Totals {
  MicroUsd cost = 0;
  TokenCounts tokens;
  Outcomes outcomes;
  std::int64_t requests = 0, failed = 0;
  std::uint64_t unpriced = 0, truth = 0;
};

inline Totals totals(const UsageDataset& ds, std::string_view person = {}) {
  Totals t;
  for (const auto& r : ds.rows()) {
    if (!person.empty() && ds.people()[r.person].name != person) continue;
    t.cost += r.cost;
    t.tokens += r.tokens;
    t.outcomes += r.outcomes;
    t.requests += r.requests;
    t.failed += r.failed_requests;
    t.unpriced += r.unpriced_tokens;
    t.truth += r.gaming_tokens_truth;
  }
  return t;
}

// Reading `text` must fail as a whole with exactly this message.
inline std::string input_error(std::string_view text, const std::string& name,
                               std::optional<ExportFormat> fmt = std::nullopt) {
  try {
    read_text(text, name, fmt);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError for " << name);
  return {};
}

}  // namespace goodhart::engine::test
