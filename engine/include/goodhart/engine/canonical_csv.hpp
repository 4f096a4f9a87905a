// goodhart's canonical usage CSV (one row per person-day-model, docs/formats.md): the
// writer used by `goodhart run --events`, and the RFC 4180 tokenizer every CSV reader uses.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "goodhart/engine/money.hpp"
#include "goodhart/engine/usage.hpp"

namespace goodhart::engine {

// Column order as written; readers look columns up by header name, so order is free.
inline constexpr std::array<const char*, 21> kCanonicalColumns{
    "date",           "person",         "team",           "cohort",
    "model",          "input_tokens",   "output_tokens",  "cache_read_tokens",
    "cache_write_5m_tokens",            "cache_write_1h_tokens",
    "cost_usd",       "sessions",       "commits",        "pull_requests",
    "lines_added",    "lines_removed",  "edits_accepted", "edits_rejected",
    "requests",       "failed_requests", "gaming_tokens_truth"};

// Dollars with exactly six decimals ("12.345678"), so micro-dollars round-trip exactly.
std::string format_micro_usd(MicroUsd m);

// Writes one field, quoted only when it holds a comma, quote, CR or LF.
void write_csv_field(std::ostream& out, std::string_view field);

class CanonicalCsvWriter {
 public:
  // Writes the header at once; rows follow with write().
  explicit CanonicalCsvWriter(std::ostream& out);
  void write(const UsageRecord& r);
  std::int64_t rows() const { return rows_; }

 private:
  std::ostream& out_;
  std::string line_;
  std::int64_t rows_ = 0;
};

// Streaming RFC 4180 tokenizer: quoted fields with "" escapes and embedded newlines, CRLF or
// LF line ends, a UTF-8 byte-order mark skipped, bytes otherwise passed through untouched.
// Memory is bounded by the longest record, not the input size.
class CsvReader {
 public:
  // Fills dst with up to cap bytes; returns 0 at end of input.
  using ReadFn = std::function<std::size_t(char* dst, std::size_t cap)>;

  explicit CsvReader(ReadFn read, std::size_t chunk_bytes = 1 << 20);

  // Advances to the next record; false at end of input. Blank lines are skipped (they are
  // not records). A malformed record returns true with error() non-empty; reading can go on.
  bool next();
  std::span<const std::string_view> fields() const { return views_; }
  const std::string& error() const { return error_; }
  long long line() const { return record_line_; }  // 1-based line where the record starts
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  enum class Step { done, need_more, malformed };
  Step parse_record();
  bool refill();  // compacts the buffer and reads more; false at end of input
  void skip_rest_of_line();

  ReadFn read_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  long long next_line_ = 1;
  long long record_line_ = 0;
  long long lines_in_record_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::string scratch_;
  std::vector<std::size_t> bounds_;  // [begin, end) pairs into scratch_
  std::vector<std::string_view> views_;
  std::string error_;
};

// Maps header names to column indices; extra columns are ignored, absent ones are -1.
class CsvHeader {
 public:
  CsvHeader() = default;
  explicit CsvHeader(std::span<const std::string_view> names);
  int index(std::string_view name) const;
  bool has(std::string_view name) const { return index(name) >= 0; }
  std::size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace goodhart::engine
