// Private plumbing shared by the export readers (engine/src/ingest_*.cpp): the ingest state
// behind Ingestor, input sources with a peekable head, record errors and JSON helpers.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "goodhart/engine/canonical_csv.hpp"
#include "goodhart/engine/ingest.hpp"

namespace goodhart::engine::detail {

namespace od = simdjson::ondemand;

// A rejected record: thrown inside a reader's record handler, caught by its loop, so the
// handlers read straight-line. Rejections are rare, so the cost of throwing does not matter.
struct RecordError {
  std::string message;
  simdjson::error_code code = simdjson::SUCCESS;  // a JSON syntax error, when set
};

[[noreturn]] void fail(std::string message);

// Where a value sits in a record, put into words only when something is wrong with it, so
// reading a good record builds no strings: Field("model_breakdown", 2, ".tokens", ".input")
// reads "model_breakdown[2].tokens.input", Field("tool_actions.", tool, ".accepted") joins
// three pieces. The pieces must outlive the Field (it is made for one call).
class Field {
 public:
  Field(const char* name) : a_(name) {}
  Field(std::string_view name) : a_(name) {}
  Field(const std::string& name) : a_(name) {}
  Field(std::string_view a, std::string_view b, std::string_view c = {}) : a_(a), b_(b), c_(c) {}
  Field(std::string_view a, long long index, std::string_view b = {}, std::string_view c = {})
      : a_(a), b_(b), c_(c), index_(index) {}
  std::string str() const;

 private:
  std::string_view a_, b_, c_;
  long long index_ = -1;  // "[index]" after a_, when >= 0
};

// Throws RecordError naming `what` when e is an error.
void check(simdjson::error_code e, const Field& what);
// The same with the name quoted: 'name': wrong JSON type.
void check_quoted(simdjson::error_code e, const Field& what);
// JSON errors after which the rest of a document cannot be trusted (unlike a wrong type).
bool is_fatal_json_error(simdjson::error_code e);
std::string_view json_type_name(od::json_type t);

// 64-bit key for duplicate detection: a mix of the fields that identify a record.
class KeyHash {
 public:
  explicit KeyHash(std::uint64_t seed) : h_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  KeyHash& add(std::string_view s);
  KeyHash& add(std::int64_t v);
  std::uint64_t value() const;

 private:
  void mix(std::uint64_t v);
  std::uint64_t h_;
};

// Open-addressing table of 64-bit keys with a 32-bit payload: 16 bytes a key at worst.
class FlatKeyTable {
 public:
  // Inserts key with val when absent. Returns {payload of the existing key, false} or
  // {val, true}.
  std::pair<std::uint32_t, bool> insert(std::uint64_t key, std::uint32_t val);
  std::size_t size() const { return count_; }

 private:
  void grow();
  std::vector<std::uint64_t> keys_;  // 0 = empty slot
  std::vector<std::uint32_t> vals_;
  std::size_t count_ = 0;
};

// An input with a peekable head: a file, standard input or memory.
class InputSource {
 public:
  static std::unique_ptr<InputSource> open(const std::string& path);  // "-" = stdin
  static std::unique_ptr<InputSource> memory(std::string_view content, std::string name);
  ~InputSource();

  const std::string& name() const { return name_; }
  std::string_view peek(std::size_t n);           // up to n bytes, fewer only at the end
  std::size_t read(char* dst, std::size_t cap);   // consumes the head first
  simdjson::padded_string read_all();
  std::uint64_t bytes_consumed() const { return consumed_; }

 private:
  InputSource() = default;
  std::size_t raw_read(char* dst, std::size_t cap);
  std::string name_;
  std::FILE* file_ = nullptr;
  bool owns_ = false;
  std::string_view memory_;
  std::size_t memory_pos_ = 0;
  std::string head_;
  std::size_t head_pos_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t size_hint_ = 0;
};

struct RowKey {
  std::int32_t day;
  std::uint32_t person;
  std::uint32_t model;
  bool operator==(const RowKey&) const = default;
};
struct RowKeyHash {
  std::size_t operator()(const RowKey& k) const {
    std::uint64_t h = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(k.day)) << 32) ^ k.person;
    h ^= static_cast<std::uint64_t>(k.model) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
};

// The row of each person-day-model key. While new rows never go back a day (exports run by
// day), a key can only be met again among the current day's rows, which are the last rows:
// each person's rows of that day are chained and nothing else is kept, so the common case
// costs no hash probe and a few bytes a person. The first row of an earlier day switches to
// an open-addressing table of every row's key.
class RowIndex {
 public:
  // The row of `k` in `rows`, or rows.size() when absent (the caller appends it); second is
  // true when absent.
  std::pair<std::uint32_t, bool> find_or_insert(const RowKey& k, std::span<const DayUsage> rows);
  void clear();

 private:
  struct Slot {
    RowKey key;
    std::uint32_t row;  // UINT32_MAX = empty
  };
  std::pair<std::uint32_t, bool> hashed(const RowKey& k, std::uint32_t next);
  void grow();
  // By day: rows [first_, ...) are day_'s; head_[person] is 1 + that person's latest row of
  // day_ when > first_, chain_[row - first_] 1 + the same person's previous row of day_.
  bool by_day_ = true;
  std::int32_t day_ = INT32_MIN;
  std::uint32_t first_ = 0;
  std::vector<std::uint32_t> head_;
  std::vector<std::uint32_t> chain_;
  // Hashed, after the switch.
  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace goodhart::engine::detail

namespace goodhart::engine {

// The ingest state. Readers follow one protocol per export record: begin_record(), then
// either a thrown RecordError (the loop calls reject()) or emit()s followed by accepted().
class Ingestor::Impl {
 public:
  Impl(const PricingCatalog& pricing, IngestOptions options);

  void read_source(detail::InputSource& src, std::optional<ExportFormat> format);

  void begin_record() { ++cur_->records_read; }
  void accepted() { ++cur_->accepted; }
  void reject(const Location& where, std::string reason);
  // Throws RecordError when the record key was seen before (in any file).
  void check_duplicate(std::uint64_t key);

  // What one usage piece adds, checked before anything is added: implausible counts and
  // sums that would overflow any aggregate throw RecordError, so a record is all or nothing.
  struct Prepared {
    MicroUsd cost = 0;
    std::uint64_t unpriced = 0;
    std::uint64_t tokens = 0;
    std::uint64_t counts = 0;  // outcomes and requests, for the dataset-wide bound
  };
  Prepared prepare(const UsageRecord& r, PriceModifiers mod, const Prepared* also = nullptr) const;
  void apply(const UsageRecord& r, const Prepared& p);
  void emit(const UsageRecord& r, PriceModifiers mod = {}) { apply(r, prepare(r, mod)); }
  // Throws RecordError for an amount no export holds or one that would overflow the totals.
  void check_org_cost(MicroUsd cost) const;
  void emit_org_cost(Date day, ExportFormat source, std::string_view item, std::string_view scope,
                     MicroUsd cost);
  // Counts a session once per person-day, however many requests carry its id.
  bool first_sight_of_session(std::string_view identity, Date day, std::string_view session_id);
  PriceModifiers modifiers(bool batch, bool us_only) const;
  const std::string& file() const { return cur_->file; }
  FileReport& current() { return *cur_; }
  void note_format(ExportFormat f) { cur_->format = f; }

  UsageDataset finish();

 private:
  friend class Ingestor;
  std::uint32_t person_of(const UsageRecord& r);
  std::uint32_t intern_model(std::string_view m);

  const PricingCatalog& pricing_;
  IngestOptions options_;
  detail::StringMap<std::uint32_t> identity_ids_;  // into identities_
  detail::StringMap<std::uint32_t> person_ids_;
  detail::StringMap<std::uint32_t> model_ids_;
  // Caches in front of the maps above (ids never change once given).
  struct Identity {
    const std::string* name;  // the key in identity_ids_ (map nodes do not move)
    std::uint32_t person;
    std::uint32_t follower = UINT32_MAX;  // the identity read after this one, last time
  };
  std::vector<Identity> identities_;
  std::uint32_t last_identity_ = UINT32_MAX;
  std::array<std::uint32_t, 8> recent_models_{UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
                                              UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
  std::uint32_t recent_model_next_ = 0;
  std::vector<PersonInfo> people_;
  std::vector<std::string> models_;
  detail::RowIndex row_index_;
  DayRows rows_;
  std::map<std::tuple<std::int32_t, int, std::string, std::string>, MicroUsd> org_costs_;
  detail::FlatKeyTable seen_records_;
  detail::FlatKeyTable seen_sessions_;
  IngestReport report_;
  FileReport* cur_ = nullptr;
  std::uint32_t file_index_ = 0;
  // Dataset-wide sums, kept under bounds so that no total the audit forms can overflow.
  std::uint64_t total_tokens_ = 0;
  std::uint64_t total_counts_ = 0;
  MicroUsd total_abs_cost_ = 0;
  std::int64_t usage_rows_with_tokens_ = 0;
  std::int64_t usage_records_with_truth_ = 0;
  std::int64_t usage_records_with_tokens_ = 0;
  std::vector<std::string> file_names_;
};

namespace detail {
// Reads a JSON export (page documents or JSON Lines) of any JSON schema.
void read_json(Ingestor::Impl& ing, InputSource& src, std::optional<ExportFormat> format);
// Reads a CSV export; the header selects the schema unless `format` is given.
void read_csv(Ingestor::Impl& ing, InputSource& src, std::optional<ExportFormat> format);

// What a record handler knows about where its record sits.
struct UnitMeta {
  std::string_view bucket_start;  // raw bucket start (string or number text), for keys
  std::optional<Date> bucket_day;
};

// JSON record handlers, one per schema (each in its ingest_<format>.cpp).
void claude_code_record(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta);
void anthropic_usage_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta);
void anthropic_cost_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta);
void openai_usage_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta);
void openai_costs_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta);

// CSV readers per schema: called after the header row has been read.
void read_litellm_spend_logs(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& header);
void read_litellm_daily(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& header);
void read_canonical(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& header);

// A field's key as the export wrote it (escapes kept: keys are compared, not shown).
inline std::string_view key_of(od::field& f) {
  const char* s = f.key().raw();
  const char* e = s;
  while (*e != '"') e += (*e == '\\') ? 2 : 1;
  return std::string_view(s, static_cast<std::size_t>(e - s));
}

// Calls f(key, value) for each field of o, in one pass, in whatever order the export wrote
// them.
template <typename F>
void for_fields(od::object o, const Field& where, F&& f) {
  for (auto r : o) {
    od::field fld;
    check(std::move(r).get(fld), where);
    f(key_of(fld), fld.value());
  }
}

// v as an object, or a RecordError saying what it is instead.
od::object as_object(od::value v, const Field& field);

// JSON value helpers: each throws RecordError naming `field` on a bad value.
std::uint64_t json_count(od::value v, const Field& field);    // null → 0
std::int64_t json_int(od::value v, const Field& field);       // null → 0
std::string_view json_string(od::value v, const Field& field);  // null → ""
bool json_bool(od::value v, const Field& field);              // null → false
// Amount as a JSON number or decimal string in a unit (cents: kMicroPerCent), exactly.
MicroUsd json_amount(od::value v, MicroUsd micro_per_unit, const Field& field);
Date json_date(od::value v, const Field& field);  // RFC 3339 string or unix seconds

// CSV field helpers: throw RecordError naming `column`. Empty numeric fields are 0.
std::uint64_t csv_count(std::string_view s, std::string_view column);
std::int64_t csv_int(std::string_view s, std::string_view column);
bool equals_ci(std::string_view a, std::string_view b);
}  // namespace detail

}  // namespace goodhart::engine

namespace goodhart::engine::detail {

// Optional amount (empty = none) written as a decimal in a unit; exponent forms written by
// some tools (1.2e-05) are read through the shortest decimal of their double.
std::optional<MicroUsd> csv_amount(std::string_view s, MicroUsd micro_per_unit, std::string_view column);

// The common CSV row loop: counting, malformed-record and field-count rejections, and
// RecordError handling, so each schema's reader only converts a well-formed row.
template <typename RowFn>
void for_each_csv_row(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& header, RowFn&& row) {
  while (csv.next()) {
    ing.begin_record();
    const Location at{ing.file(), static_cast<int>(csv.line())};
    if (!csv.error().empty()) {
      ing.reject(at, csv.error());
      continue;
    }
    const auto fields = csv.fields();
    if (fields.size() != header.size()) {
      ing.reject(at, "expected " + std::to_string(header.size()) + " fields as in the header, found " +
                         std::to_string(fields.size()));
      continue;
    }
    try {
      row(fields);
      ing.accepted();
    } catch (const RecordError& e) {
      ing.reject(at, e.message);
    }
  }
}

}  // namespace goodhart::engine::detail
