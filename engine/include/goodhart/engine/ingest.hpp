// Streaming readers for real usage exports (Claude Code Analytics, Anthropic and OpenAI admin
// APIs, LiteLLM, goodhart's canonical CSV) aggregated into one person-day-model table.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/money.hpp"
#include "goodhart/engine/pricing.hpp"
#include "goodhart/engine/usage.hpp"

namespace goodhart::engine {

// The record schema of an export; JSON schemas may come as page files or JSON Lines.
enum class ExportFormat : int {
  claude_code = 0,     // Claude Code Analytics records (actor-day)
  anthropic_usage,     // usage_report/messages buckets
  anthropic_cost,      // cost_report buckets (organisation level, no person)
  openai_usage,        // organization/usage/completions buckets
  openai_costs,        // organization/costs buckets (organisation level, no person)
  litellm_spend_logs,  // LiteLLM_SpendLogs CSV, one row per request
  litellm_daily,       // LiteLLM_Daily*Spend CSV tables
  canonical,           // goodhart canonical CSV
};
inline constexpr int kExportFormats = 8;

std::string_view format_name(ExportFormat f);  // the --format spelling
std::optional<ExportFormat> parse_format_name(std::string_view name);
// True for formats that carry cost without a person: kept apart as organisation cost lines.
bool is_org_cost_format(ExportFormat f);

// Identity → person, team, cohort (CSV with header identity,person,team,cohort), so several
// identities (email, account id, API key name) join into one person with org structure.
struct IdentityEntry {
  std::string person;
  std::string team;
  std::string cohort;
};

class IdentityMap {
 public:
  static IdentityMap load_file(const std::string& path);
  static IdentityMap from_string(std::string_view csv, const std::string& name);
  const IdentityEntry* find(std::string_view identity) const;
  std::size_t size() const { return map_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, IdentityEntry, Hash, std::equal_to<>> map_;
};

struct PersonInfo {
  std::string name;
  std::string team;    // empty when unknown
  std::string cohort;  // empty when unknown
};

// One person on one day on one model, summed over every accepted record. Outcomes that an
// export gives per person-day (Claude Code core metrics) sit on the row with model "".
struct DayUsage {
  Date day;
  std::uint32_t person = 0;
  std::uint32_t model = 0;
  TokenCounts tokens;
  MicroUsd cost = 0;                   // exported or catalog-priced; excludes unpriced tokens
  std::uint64_t unpriced_tokens = 0;   // no exported cost and a model the catalog lacks
  Outcomes outcomes;
  std::int64_t requests = 0;
  std::int64_t failed_requests = 0;
  std::uint64_t gaming_tokens_truth = 0;
  bool has_truth = false;
};

// Rows in one block that grows by realloc. The C library grows a large block by remapping
// its pages, where a std::vector copies it into fresh ones: reading a big export then wrote
// every row about twice and faulted in twice its pages.
class DayRows {
 public:
  DayRows() = default;
  DayRows(const DayRows& o);
  DayRows(DayRows&& o) noexcept { swap(o); }
  DayRows& operator=(DayRows o) noexcept {
    swap(o);
    return *this;
  }
  ~DayRows();
  void push_back(DayUsage r) {  // by value: r may be one of the rows grow() moves
    if (size_ == cap_) grow();
    data_[size_++] = r;
  }
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  DayUsage& operator[](std::size_t i) { return data_[i]; }
  DayUsage* begin() { return data_; }
  DayUsage* end() { return data_ + size_; }
  std::span<const DayUsage> view() const { return {data_, size_}; }

 private:
  void grow();
  void swap(DayRows& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }
  DayUsage* data_ = nullptr;
  std::size_t size_ = 0, cap_ = 0;
};
static_assert(std::is_trivially_copyable_v<DayUsage>, "DayRows moves rows with realloc");

// Cost reports carry no person: they are kept as organisation lines for reconciliation.
struct OrgCostLine {
  Date day;
  ExportFormat source = ExportFormat::anthropic_cost;
  std::string item;    // model, or line item / description
  std::string scope;   // workspace or project id, empty for the whole organisation
  MicroUsd cost = 0;
};

struct FileReport {
  std::string file;
  std::optional<ExportFormat> format;  // nullopt: nothing decisive (empty page)
  std::int64_t records_read = 0;
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;    // includes duplicates
  std::int64_t duplicates = 0;
  std::uint64_t bytes = 0;
};

struct UnknownModel {
  std::int64_t records = 0;
  std::uint64_t tokens = 0;
};

struct IngestReport {
  std::vector<FileReport> files;
  std::int64_t records_read = 0;
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
  std::int64_t duplicates = 0;
  std::vector<Diagnostic> rejections;  // the first max_diagnostics; counts stay complete
  std::int64_t rejections_not_kept = 0;
  std::map<std::string, UnknownModel> unknown_models;  // priced nowhere, never at zero
  std::int64_t unmapped_identities = 0;                // with --map: identities not in it
  std::vector<std::string> unmapped_examples;
  std::vector<std::string> notes;
};

struct IngestOptions {
  std::optional<ExportFormat> format;    // overrides detection for every input
  const IdentityMap* identities = nullptr;
  std::size_t max_diagnostics = 1000;
};

// The aggregated history: people, models, person-day-model rows sorted by (day, person,
// model), organisation cost lines, and the ingest report.
class UsageDataset {
 public:
  const std::vector<PersonInfo>& people() const { return people_; }
  const std::vector<std::string>& models() const { return models_; }
  std::span<const DayUsage> rows() const { return rows_.view(); }
  const std::vector<OrgCostLine>& org_costs() const { return org_costs_; }
  const IngestReport& report() const { return report_; }
  bool empty() const { return rows_.empty(); }
  Date first_day() const { return first_; }
  Date last_day() const { return last_; }
  // True when every usage row came with gaming ground truth (simulated exports).
  bool has_truth() const { return has_truth_; }
  std::optional<std::uint32_t> find_person(std::string_view name) const;
  std::optional<std::uint32_t> find_model(std::string_view name) const;

 private:
  friend class Ingestor;
  std::vector<PersonInfo> people_;
  std::vector<std::string> models_;
  DayRows rows_;
  std::vector<OrgCostLine> org_costs_;
  IngestReport report_;
  Date first_{}, last_{};
  bool has_truth_ = false;
};

// Reads inputs one after another into one dataset. Memory grows with the distinct
// person-day-model keys (and, for duplicate detection, 16 bytes per distinct record key),
// never with the size of a file.
class Ingestor {
 public:
  Ingestor(const PricingCatalog& pricing, IngestOptions options = {});
  ~Ingestor();
  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // A file, a directory (recursively, in sorted name order; only .json, .jsonl, .ndjson and
  // .csv files), or "-" for standard input. Throws InputError for a file that cannot be
  // read or recognised; bad records are rejected and reported, not thrown.
  void read_path(const std::string& path);
  // In-memory content (tests, bindings); `name` is used in locations.
  void read_string(std::string_view content, const std::string& name,
                   std::optional<ExportFormat> format = std::nullopt);
  // A record built in code (the simulator's daily usage); priced like any other.
  void add(const UsageRecord& record);

  UsageDataset finish();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Convenience: reads every input and finishes.
UsageDataset ingest_paths(const std::vector<std::string>& paths, const PricingCatalog& pricing,
                          const IngestOptions& options = {});

}  // namespace goodhart::engine
