// The ingest state shared by every reader: identity resolution, interning, pricing,
// duplicate detection, per-file accounting, and dispatch on detected content.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <sys/stat.h>

#include "ingest_internal.hpp"

namespace goodhart::engine {

namespace {
constexpr std::array<std::string_view, kExportFormats> kFormatNames{
    "claude-code",  "anthropic-usage",    "anthropic-cost", "openai-usage",
    "openai-costs", "litellm-spend-logs", "litellm-daily",  "canonical"};
}  // namespace

std::string_view format_name(ExportFormat f) { return kFormatNames[static_cast<int>(f)]; }

std::optional<ExportFormat> parse_format_name(std::string_view name) {
  std::string n(name);
  std::replace(n.begin(), n.end(), '_', '-');
  for (int i = 0; i < kExportFormats; ++i)
    if (n == kFormatNames[i]) return static_cast<ExportFormat>(i);
  if (n == "claude-code-jsonl") return ExportFormat::claude_code;
  return std::nullopt;
}

bool is_org_cost_format(ExportFormat f) {
  return f == ExportFormat::anthropic_cost || f == ExportFormat::openai_costs;
}

DayRows::DayRows(const DayRows& o) {
  if (o.size_ == 0) return;
  data_ = static_cast<DayUsage*>(std::malloc(o.size_ * sizeof(DayUsage)));
  if (!data_) throw std::bad_alloc();
  std::memcpy(static_cast<void*>(data_), o.data_, o.size_ * sizeof(DayUsage));
  size_ = cap_ = o.size_;
}

DayRows::~DayRows() { std::free(data_); }

void DayRows::grow() {
  const std::size_t cap = std::max<std::size_t>(256, cap_ * 2);
  void* p = std::realloc(data_, cap * sizeof(DayUsage));
  if (!p) throw std::bad_alloc();
  data_ = static_cast<DayUsage*>(p);
  cap_ = cap;
}

std::optional<std::uint32_t> UsageDataset::find_person(std::string_view name) const {
  for (std::size_t i = 0; i < people_.size(); ++i)
    if (people_[i].name == name) return static_cast<std::uint32_t>(i);
  return std::nullopt;
}

std::optional<std::uint32_t> UsageDataset::find_model(std::string_view name) const {
  for (std::size_t i = 0; i < models_.size(); ++i)
    if (models_[i] == name) return static_cast<std::uint32_t>(i);
  return std::nullopt;
}

// --- identity map ------------------------------------------------------------------------

IdentityMap IdentityMap::from_string(std::string_view csv_text, const std::string& name) {
  IdentityMap m;
  std::size_t pos = 0;
  CsvReader csv([&](char* dst, std::size_t cap) {
    const std::size_t n = std::min(cap, csv_text.size() - pos);
    std::memcpy(dst, csv_text.data() + pos, n);
    pos += n;
    return n;
  });
  std::vector<Diagnostic> diags;
  if (!csv.next()) throw InputError(Location{name}, "empty identity map (expected header identity,person,team,cohort)");
  if (!csv.error().empty()) throw InputError(Location{name, static_cast<int>(csv.line())}, csv.error());
  const CsvHeader header(csv.fields());
  const int ci = header.index("identity"), cp = header.index("person"), ct = header.index("team"),
            cc = header.index("cohort");
  if (ci < 0 || cp < 0)
    throw InputError(Location{name, 1}, "identity map header must name at least 'identity' and 'person' columns");
  while (csv.next()) {
    const Location at{name, static_cast<int>(csv.line())};
    if (!csv.error().empty()) {
      diags.push_back({at, csv.error()});
      continue;
    }
    const auto f = csv.fields();
    if (f.size() != header.size()) {
      diags.push_back({at, "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(f.size())});
      continue;
    }
    std::string identity(f[ci]), person(f[cp]);
    if (identity.empty() || person.empty()) {
      diags.push_back({at, "identity and person must not be empty"});
      continue;
    }
    IdentityEntry e{person, ct >= 0 ? std::string(f[ct]) : "", cc >= 0 ? std::string(f[cc]) : ""};
    auto [it, inserted] = m.map_.emplace(identity, e);
    if (!inserted && (it->second.person != e.person || it->second.team != e.team || it->second.cohort != e.cohort))
      diags.push_back({at, "identity '" + identity + "' is mapped twice, differently"});
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  return m;
}

IdentityMap IdentityMap::load_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw InputError(Location{path}, std::string("cannot open identity map: ") + std::strerror(errno));
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return from_string(text, path);
}

const IdentityEntry* IdentityMap::find(std::string_view identity) const {
  auto it = map_.find(identity);
  return it == map_.end() ? nullptr : &it->second;
}

// --- small tables --------------------------------------------------------------------------

namespace detail {

void fail(std::string message) { throw RecordError{std::move(message)}; }

std::string Field::str() const {
  std::string s(a_);
  if (index_ >= 0) s += "[" + std::to_string(index_) + "]";
  s += b_;
  s += c_;
  return s;
}

void check(simdjson::error_code e, const Field& what) {
  if (e == simdjson::SUCCESS) return;
  std::string m = what.str();
  if (e == simdjson::INCORRECT_TYPE) m += ": wrong JSON type";
  else if (e == simdjson::NUMBER_OUT_OF_RANGE) m += ": number out of range";
  else if (e == simdjson::NUMBER_ERROR) m += ": not a valid number (or out of range)";
  else m += std::string(": invalid JSON (") + simdjson::error_message(e) + ")";
  throw RecordError{std::move(m), e};
}

void check_quoted(simdjson::error_code e, const Field& what) {
  if (e != simdjson::SUCCESS) check(e, "'" + what.str() + "'");
}

bool is_fatal_json_error(simdjson::error_code e) {
  switch (e) {
    case simdjson::SUCCESS:
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::NO_SUCH_FIELD:
    case simdjson::NUMBER_ERROR:
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return false;
    default:
      return true;
  }
}

std::string_view json_type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "a value";
}

void KeyHash::mix(std::uint64_t v) {
  h_ ^= v * 0x87C37B91114253D5ULL;
  h_ = (h_ << 31) | (h_ >> 33);
  h_ *= 0x4CF5AD432745937FULL;
}

KeyHash& KeyHash::add(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  std::uint64_t tail = 0;
  if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);  // an empty view may be null
  mix(tail);
  // The length keeps ("ab","c") apart from ("a","bc").
  mix(0xA0761D6478BD642FULL ^ s.size());
  return *this;
}

KeyHash& KeyHash::add(std::int64_t v) {
  mix(static_cast<std::uint64_t>(v));
  mix(0xE7037ED1A0B428DBULL);
  return *this;
}

std::uint64_t KeyHash::value() const {
  std::uint64_t z = h_;
  z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDULL;
  z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53ULL;
  z ^= z >> 33;
  return z == 0 ? 1 : z;
}

std::pair<std::uint32_t, bool> FlatKeyTable::insert(std::uint64_t key, std::uint32_t val) {
  if (key == 0) key = 1;
  if ((count_ + 1) * 2 > keys_.size()) grow();
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(key) & mask;; i = (i + 1) & mask) {
    if (keys_[i] == key) return {vals_[i], false};
    if (keys_[i] == 0) {
      keys_[i] = key;
      vals_[i] = val;
      ++count_;
      return {val, true};
    }
  }
}

void FlatKeyTable::grow() {
  std::vector<std::uint64_t> old_keys = std::move(keys_);
  std::vector<std::uint32_t> old_vals = std::move(vals_);
  const std::size_t cap = std::max<std::size_t>(1024, old_keys.size() * 2);
  keys_.assign(cap, 0);
  vals_.assign(cap, 0);
  const std::size_t mask = cap - 1;
  for (std::size_t j = 0; j < old_keys.size(); ++j) {
    if (old_keys[j] == 0) continue;
    std::size_t i = static_cast<std::size_t>(old_keys[j]) & mask;
    while (keys_[i] != 0) i = (i + 1) & mask;
    keys_[i] = old_keys[j];
    vals_[i] = old_vals[j];
  }
}

std::pair<std::uint32_t, bool> RowIndex::find_or_insert(const RowKey& k, std::span<const DayUsage> rows) {
  const auto next = static_cast<std::uint32_t>(rows.size());
  if (by_day_ && k.day < day_) {
    // A day that went back: index every row so far and hash from now on.
    by_day_ = false;
    head_ = {};
    chain_ = {};
    for (std::uint32_t i = 0; i < next; ++i) hashed(RowKey{rows[i].day.days, rows[i].person, rows[i].model}, i);
  }
  if (!by_day_) return hashed(k, next);
  if (k.day > day_) {
    day_ = k.day;
    first_ = next;
    chain_.clear();
  }
  if (k.person >= head_.size()) head_.resize(std::max<std::size_t>(k.person + 1, head_.size() * 2), 0);
  for (std::uint32_t r = head_[k.person]; r > first_; r = chain_[r - 1 - first_])
    if (rows[r - 1].model == k.model) return {r - 1, false};
  chain_.push_back(head_[k.person]);
  head_[k.person] = next + 1;
  return {next, true};
}

std::pair<std::uint32_t, bool> RowIndex::hashed(const RowKey& k, std::uint32_t next) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = RowKeyHash{}(k) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.row == UINT32_MAX) {
      s.key = k;
      s.row = next;
      ++count_;
      return {next, true};
    }
    if (s.key == k) return {s.row, false};
  }
}

void RowIndex::clear() { *this = RowIndex(); }

void RowIndex::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(1024, old.size() * 2), Slot{RowKey{0, 0, 0}, UINT32_MAX});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.row == UINT32_MAX) continue;
    std::size_t i = RowKeyHash{}(s.key) & mask;
    while (slots_[i].row != UINT32_MAX) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

// --- input sources -------------------------------------------------------------------------

std::unique_ptr<InputSource> InputSource::open(const std::string& path) {
  std::unique_ptr<InputSource> s(new InputSource());
  s->name_ = path;
  if (path == "-") {
    s->file_ = stdin;
    return s;
  }
  s->file_ = std::fopen(path.c_str(), "rb");
  if (!s->file_) throw InputError(Location{path}, std::string("cannot open: ") + std::strerror(errno));
  s->owns_ = true;
  struct stat st {};
  if (::fstat(fileno(s->file_), &st) == 0 && S_ISREG(st.st_mode))
    s->size_hint_ = static_cast<std::uint64_t>(st.st_size);
  return s;
}

std::unique_ptr<InputSource> InputSource::memory(std::string_view content, std::string name) {
  std::unique_ptr<InputSource> s(new InputSource());
  s->name_ = std::move(name);
  s->memory_ = content;
  s->size_hint_ = content.size();
  return s;
}

InputSource::~InputSource() {
  if (owns_ && file_) std::fclose(file_);
}

std::size_t InputSource::raw_read(char* dst, std::size_t cap) {
  if (!file_) {
    const std::size_t n = std::min(cap, memory_.size() - memory_pos_);
    std::memcpy(dst, memory_.data() + memory_pos_, n);
    memory_pos_ += n;
    return n;
  }
  const std::size_t n = std::fread(dst, 1, cap, file_);
  if (n == 0 && std::ferror(file_)) throw InputError(Location{name_}, "read error");
  return n;
}

std::string_view InputSource::peek(std::size_t n) {
  while (head_.size() - head_pos_ < n) {
    const std::size_t want = n - (head_.size() - head_pos_);
    const std::size_t old = head_.size();
    head_.resize(old + want);
    const std::size_t got = raw_read(head_.data() + old, want);
    head_.resize(old + got);
    if (got == 0) break;
  }
  return std::string_view(head_).substr(head_pos_);
}

std::size_t InputSource::read(char* dst, std::size_t cap) {
  std::size_t n;
  if (head_pos_ < head_.size()) {
    n = std::min(cap, head_.size() - head_pos_);
    std::memcpy(dst, head_.data() + head_pos_, n);
    head_pos_ += n;
  } else {
    n = raw_read(dst, cap);
  }
  consumed_ += n;
  return n;
}

simdjson::padded_string InputSource::read_all() {
  std::string all;
  if (size_hint_ > 0) all.reserve(static_cast<std::size_t>(size_hint_) + 1);
  char buf[1 << 16];
  for (std::size_t n; (n = read(buf, sizeof buf)) > 0;) all.append(buf, n);
  return simdjson::padded_string(all);
}

}  // namespace detail

// --- the ingest state ----------------------------------------------------------------------

Ingestor::Impl::Impl(const PricingCatalog& pricing, IngestOptions options)
    : pricing_(pricing), options_(options) {}

void Ingestor::Impl::reject(const Location& where, std::string reason) {
  ++cur_->rejected;
  if (report_.rejections.size() < options_.max_diagnostics)
    report_.rejections.push_back(Diagnostic{where, std::move(reason)});
  else
    ++report_.rejections_not_kept;
}

void Ingestor::Impl::check_duplicate(std::uint64_t key) {
  auto [first_file, inserted] = seen_records_.insert(key, file_index_);
  if (inserted) return;
  ++cur_->duplicates;
  if (first_file == file_index_)
    detail::fail("duplicate of an earlier record in this file (same identity, day and grouping); not counted twice");
  detail::fail("duplicate of a record already read from " + file_names_[first_file] +
               " (same identity, day and grouping); not counted twice");
}

std::uint32_t Ingestor::Impl::intern_model(std::string_view m) {
  // Exports name the same few models over and over: a short list of recent ones first.
  for (std::uint32_t id : recent_models_)
    if (id != UINT32_MAX && models_[id] == m) return id;
  auto it = model_ids_.find(m);
  std::uint32_t id;
  if (it != model_ids_.end()) {
    id = it->second;
  } else {
    id = static_cast<std::uint32_t>(models_.size());
    models_.emplace_back(m);
    model_ids_.emplace(std::string(m), id);
  }
  recent_models_[recent_model_next_++ % recent_models_.size()] = id;
  return id;
}

std::uint32_t Ingestor::Impl::person_of(const UsageRecord& r) {
  auto fill = [&](std::uint32_t pid) {
    PersonInfo& p = people_[pid];
    if (p.team.empty() && !r.team.empty()) p.team = r.team;
    if (p.cohort.empty() && !r.cohort.empty()) p.cohort = r.cohort;
    return pid;
  };
  // The pieces of one record, and consecutive records, usually share an identity; and an
  // export that runs by day lists its identities in the same order every day, so the one that
  // followed the last identity before is the next guess. Either saves the map lookup.
  const auto known = [&](std::uint32_t id) {
    if (last_identity_ != UINT32_MAX) identities_[last_identity_].follower = id;
    last_identity_ = id;
    return fill(identities_[id].person);
  };
  if (last_identity_ != UINT32_MAX) {
    const Identity& last = identities_[last_identity_];
    if (r.person == *last.name) return fill(last.person);
    if (last.follower != UINT32_MAX && r.person == *identities_[last.follower].name) return known(last.follower);
  }
  if (auto it = identity_ids_.find(r.person); it != identity_ids_.end()) return known(it->second);
  std::string name = r.person, team = r.team, cohort = r.cohort;
  if (options_.identities) {
    if (const IdentityEntry* e = options_.identities->find(r.person)) {
      name = e->person;
      if (!e->team.empty()) team = e->team;
      if (!e->cohort.empty()) cohort = e->cohort;
    } else if (r.person.empty() || r.person.front() != '(') {
      ++report_.unmapped_identities;
      if (report_.unmapped_examples.size() < 10) report_.unmapped_examples.push_back(r.person);
    }
  }
  std::uint32_t pid;
  if (auto it = person_ids_.find(name); it != person_ids_.end()) {
    pid = it->second;
    PersonInfo& p = people_[pid];
    if (p.team.empty()) p.team = team;
    if (p.cohort.empty()) p.cohort = cohort;
  } else {
    pid = static_cast<std::uint32_t>(people_.size());
    people_.push_back(PersonInfo{name, team, cohort});
    person_ids_.emplace(name, pid);
  }
  const auto id = static_cast<std::uint32_t>(identities_.size());
  const auto it = identity_ids_.emplace(r.person, id).first;
  identities_.push_back(Identity{&it->first, pid});
  return known(id);
}

PriceModifiers Ingestor::Impl::modifiers(bool batch, bool us_only) const {
  int pct = 100;
  if (batch) pct = pct * pricing_.batch_percent() / 100;
  if (us_only) pct = pct * pricing_.us_inference_percent() / 100;
  return PriceModifiers{pct};
}

namespace {
// Bounds far beyond any real export (a quadrillion tokens, or a trillion dollars, in one
// person-day record) yet far enough below 2^63 that sums over millions of rows stay exact.
constexpr std::uint64_t kMaxRecordCount = 1'000'000'000'000'000ULL;
constexpr MicroUsd kMaxRecordCost = 1'000'000'000'000 * kMicroPerUsd;
constexpr std::uint64_t kMaxTotal = std::uint64_t{1} << 62;
// Usage dates a real export can hold: no metered LLM API billed before 2020, and a date from
// 2100 on is a mistyped year. Outside this window a record is rejected with its place rather
// than stretching every period table and baseline walk across the decades in between.
const Date kFirstUsageDay = *parse_date("2020-01-01");
const Date kLastUsageDay = *parse_date("2099-12-31");
}  // namespace

Ingestor::Impl::Prepared Ingestor::Impl::prepare(const UsageRecord& r, PriceModifiers mod,
                                                 const Prepared* also) const {
  Prepared p;
  if (r.day < kFirstUsageDay || r.day > kLastUsageDay)
    detail::fail("date " + r.day.iso() + " is outside " + kFirstUsageDay.iso() + " to " + kLastUsageDay.iso() +
                 " (a mistyped year?)");
  for (int t = 0; t < kTokenTypes; ++t) {
    const std::uint64_t v = r.tokens.n[static_cast<std::size_t>(t)];
    if (v > kMaxRecordCount)
      detail::fail(std::string(kTokenTypeNames[static_cast<std::size_t>(t)]) + " tokens " + std::to_string(v) +
                   " exceed 10^15, more than any real export holds in one record");
    p.tokens += v;
  }
  const Outcomes& o = r.outcomes;
  for (std::int64_t v : {o.sessions, o.commits, o.pull_requests, o.lines_added, o.lines_removed, o.edits_accepted,
                         o.edits_rejected, r.requests, r.failed_requests}) {
    if (v < 0 || static_cast<std::uint64_t>(v) > kMaxRecordCount)
      detail::fail("a count of " + std::to_string(v) + " is outside 0 to 10^15");
    p.counts += static_cast<std::uint64_t>(v);
  }
  if (r.gaming_tokens_truth && *r.gaming_tokens_truth > kMaxRecordCount)
    detail::fail("gaming_tokens_truth exceeds 10^15");
  if (r.cost) {
    if (*r.cost > kMaxRecordCost || *r.cost < -kMaxRecordCost)
      detail::fail("cost " + format_usd(*r.cost) + " exceeds a trillion dollars in one record");
    p.cost = *r.cost;
  } else if (p.tokens > 0) {
    const ModelPrice* price = r.model.empty() ? nullptr : pricing_.find(r.model);
    if (price) p.cost = PricingCatalog::cost(*price, r.tokens, mod);
    else p.unpriced = p.tokens;
  }
  // Every person, team, model and period total is a part of the dataset's total, so
  // bounding the whole bounds them all.
  const std::uint64_t tokens = p.tokens + (also ? also->tokens : 0);
  const std::uint64_t counts = p.counts + (also ? also->counts : 0);
  const MicroUsd cost = (p.cost < 0 ? -p.cost : p.cost) + (also ? (also->cost < 0 ? -also->cost : also->cost) : 0);
  if (tokens > kMaxTotal - total_tokens_ || counts > kMaxTotal - total_counts_ ||
      static_cast<std::uint64_t>(cost) > kMaxTotal - static_cast<std::uint64_t>(total_abs_cost_))
    detail::fail("adding this record would overflow the totals of all records read (2^62)");
  return p;
}

void Ingestor::Impl::apply(const UsageRecord& r, const Prepared& p) {
  const std::uint32_t pid = person_of(r);
  const std::uint32_t mid = intern_model(r.model);
  const detail::RowKey key{r.day.days, pid, mid};
  const auto [row_id, inserted] = row_index_.find_or_insert(key, rows_.view());
  if (inserted) {
    DayUsage row;
    row.day = r.day;
    row.person = pid;
    row.model = mid;
    rows_.push_back(row);
  }
  DayUsage& row = rows_[row_id];
  row.tokens += r.tokens;
  row.outcomes += r.outcomes;
  row.requests += r.requests;
  row.failed_requests += r.failed_requests;
  row.cost += p.cost;
  total_tokens_ += p.tokens;
  total_counts_ += p.counts;
  total_abs_cost_ += p.cost < 0 ? -p.cost : p.cost;
  if (p.unpriced > 0) {
    // Never priced at zero: kept aside and reported by name.
    row.unpriced_tokens += p.unpriced;
    UnknownModel& u = report_.unknown_models[r.model.empty() ? std::string("(no model)") : r.model];
    ++u.records;
    u.tokens += p.unpriced;
  }
  if (p.tokens > 0) ++usage_records_with_tokens_;
  if (r.gaming_tokens_truth) {
    row.has_truth = true;
    row.gaming_tokens_truth += *r.gaming_tokens_truth;
    if (p.tokens > 0) ++usage_records_with_truth_;
  }
}

void Ingestor::Impl::check_org_cost(MicroUsd cost) const {
  if (cost < 0) detail::fail("amount " + format_usd(cost) + " is negative: a cost report lists charges, not credits");
  if (cost > kMaxRecordCost) detail::fail("amount " + format_usd(cost) + " exceeds a trillion dollars in one record");
  if (static_cast<std::uint64_t>(cost) > kMaxTotal - static_cast<std::uint64_t>(total_abs_cost_))
    detail::fail("adding this record would overflow the totals of all records read (2^62)");
}

void Ingestor::Impl::emit_org_cost(Date day, ExportFormat source, std::string_view item,
                                   std::string_view scope, MicroUsd cost) {
  check_org_cost(cost);
  total_abs_cost_ += cost;
  org_costs_[{day.days, static_cast<int>(source), std::string(item), std::string(scope)}] += cost;
}

bool Ingestor::Impl::first_sight_of_session(std::string_view identity, Date day,
                                             std::string_view session_id) {
  if (session_id.empty()) return false;
  const std::uint64_t k = detail::KeyHash(7).add(identity).add(std::int64_t{day.days}).add(session_id).value();
  return seen_sessions_.insert(k, 0).second;
}

void Ingestor::Impl::read_source(detail::InputSource& src, std::optional<ExportFormat> format) {
  FileReport fr;
  fr.file = src.name();
  cur_ = &fr;
  file_names_.push_back(src.name());
  file_index_ = static_cast<std::uint32_t>(file_names_.size() - 1);
  if (!format) format = options_.format;

  std::string_view head = src.peek(4096);
  std::size_t i = 0;
  if (head.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  const bool json_content = i < head.size() && (head[i] == '{' || head[i] == '[');
  if (i == head.size()) {
    report_.notes.push_back(src.name() + ": empty input, no records");
  } else if (format) {
    const bool json_format = *format != ExportFormat::litellm_spend_logs &&
                             *format != ExportFormat::litellm_daily && *format != ExportFormat::canonical;
    if (json_format != json_content)
      throw InputError(Location{src.name(), 1}, std::string("--format ") + std::string(format_name(*format)) +
                                                     " expects " + (json_format ? "JSON" : "CSV") +
                                                     " but the file starts like " + (json_content ? "JSON" : "CSV"));
    if (json_format) detail::read_json(*this, src, format);
    else detail::read_csv(*this, src, format);
  } else if (json_content) {
    detail::read_json(*this, src, std::nullopt);
  } else {
    detail::read_csv(*this, src, std::nullopt);
  }
  fr.bytes = src.bytes_consumed();
  if (fr.records_read != fr.accepted + fr.rejected)
    throw std::logic_error("ingest accounting broken for " + fr.file);
  report_.records_read += fr.records_read;
  report_.accepted += fr.accepted;
  report_.rejected += fr.rejected;
  report_.duplicates += fr.duplicates;
  report_.files.push_back(std::move(fr));
  cur_ = nullptr;
}

UsageDataset Ingestor::Impl::finish() {
  UsageDataset ds;
  // Sort by names, not ids, so the output does not depend on file order.
  std::vector<std::uint32_t> person_rank(people_.size()), model_rank(models_.size());
  {
    std::vector<std::uint32_t> p(people_.size()), m(models_.size());
    for (std::uint32_t i = 0; i < p.size(); ++i) p[i] = i;
    for (std::uint32_t i = 0; i < m.size(); ++i) m[i] = i;
    std::sort(p.begin(), p.end(), [&](auto a, auto b) { return people_[a].name < people_[b].name; });
    std::sort(m.begin(), m.end(), [&](auto a, auto b) { return models_[a] < models_[b]; });
    for (std::uint32_t i = 0; i < p.size(); ++i) person_rank[p[i]] = i;
    for (std::uint32_t i = 0; i < m.size(); ++i) model_rank[m[i]] = i;
    for (std::uint32_t i = 0; i < p.size(); ++i) ds.people_.push_back(people_[p[i]]);
    for (std::uint32_t i = 0; i < m.size(); ++i) ds.models_.push_back(models_[m[i]]);
  }
  // Keys are unique, so the sorted order is unique. Exports usually come ordered by day and
  // person: then only each person-day's few model rows need sorting, each as the pass that
  // renumbers the rows leaves it; rows found out of that order are sorted whole instead.
  auto by_key = [](const DayUsage& a, const DayUsage& b) {
    return std::tie(a.day.days, a.person, a.model) < std::tie(b.day.days, b.person, b.model);
  };
  bool by_person_day = true;
  std::size_t group = 0;  // the first row of the current person-day
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    DayUsage& r = rows_[i];
    r.person = person_rank[r.person];
    r.model = model_rank[r.model];
    const DayUsage& first = rows_[group];
    if (r.day.days == first.day.days && r.person == first.person) continue;
    by_person_day = by_person_day && std::tie(first.day.days, first.person) < std::tie(r.day.days, r.person);
    if (by_person_day) std::sort(rows_.begin() + group, rows_.begin() + i, by_key);
    group = i;
  }
  std::sort(by_person_day ? rows_.begin() + group : rows_.begin(), rows_.end(), by_key);
  ds.rows_ = std::move(rows_);
  if (!ds.rows_.empty()) {
    ds.first_ = ds.rows_[0].day;
    ds.last_ = ds.rows_[ds.rows_.size() - 1].day;
  }
  for (const auto& [k, cost] : org_costs_) {
    const auto& [day, source, item, scope] = k;
    ds.org_costs_.push_back(OrgCostLine{Date{day}, static_cast<ExportFormat>(source), item, scope, cost});
  }
  ds.has_truth_ = usage_records_with_tokens_ > 0 && usage_records_with_truth_ == usage_records_with_tokens_;
  bool cc = false, au = false;
  for (const auto& f : report_.files) {
    cc = cc || f.format == ExportFormat::claude_code;
    au = au || f.format == ExportFormat::anthropic_usage;
  }
  if (cc && au)
    report_.notes.push_back(
        "both Claude Code Analytics and Anthropic usage reports were read: if they cover the same "
        "API usage, its tokens are counted in both");
  ds.report_ = std::move(report_);
  rows_.clear();
  row_index_.clear();
  return ds;
}

// --- public wrapper ------------------------------------------------------------------------

Ingestor::Ingestor(const PricingCatalog& pricing, IngestOptions options)
    : impl_(std::make_unique<Impl>(pricing, options)) {}
Ingestor::~Ingestor() = default;

namespace {
bool is_export_file(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".json" || ext == ".jsonl" || ext == ".ndjson" || ext == ".csv";
}
}  // namespace

void Ingestor::read_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path != "-" && fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    std::int64_t skipped = 0;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string name = it->path().filename().string();
      if (!name.empty() && name.front() == '.') continue;
      if (is_export_file(it->path())) files.push_back(it->path().string());
      else ++skipped;
    }
    if (ec) throw InputError(Location{path}, "cannot list directory: " + ec.message());
    std::sort(files.begin(), files.end());
    if (skipped > 0)
      impl_->report_.notes.push_back(path + ": " + std::to_string(skipped) +
                                     " file(s) without a .json/.jsonl/.ndjson/.csv extension skipped");
    if (files.empty()) impl_->report_.notes.push_back(path + ": no export files found");
    for (const auto& f : files) {
      auto src = detail::InputSource::open(f);
      impl_->read_source(*src, std::nullopt);
    }
    return;
  }
  auto src = detail::InputSource::open(path);
  impl_->read_source(*src, std::nullopt);
}

void Ingestor::read_string(std::string_view content, const std::string& name,
                           std::optional<ExportFormat> format) {
  auto src = detail::InputSource::memory(content, name);
  impl_->read_source(*src, format);
}

void Ingestor::add(const UsageRecord& record) {
  try {
    impl_->emit(record);
  } catch (const detail::RecordError& e) {
    throw InputError(Location{"<record>"}, record.day.iso() + " " + record.person + ": " + e.message);
  }
}

UsageDataset Ingestor::finish() { return impl_->finish(); }

UsageDataset ingest_paths(const std::vector<std::string>& paths, const PricingCatalog& pricing,
                          const IngestOptions& options) {
  Ingestor ing(pricing, options);
  for (const auto& p : paths) ing.read_path(p);
  return ing.finish();
}

}  // namespace goodhart::engine
