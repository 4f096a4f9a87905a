#include "goodhart/engine/canonical_csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace goodhart::engine {

std::string format_micro_usd(MicroUsd m) {
  const bool neg = m < 0;
  const unsigned long long a = neg ? 0ULL - static_cast<unsigned long long>(m) : static_cast<unsigned long long>(m);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%06llu", neg ? "-" : "", a / 1'000'000ULL, a % 1'000'000ULL);
  return buf;
}

namespace {
bool needs_quotes(std::string_view f) {
  return f.find_first_of(",\"\r\n") != std::string_view::npos;
}

void append_field(std::string& line, std::string_view f) {
  if (!needs_quotes(f)) {
    line.append(f);
    return;
  }
  line += '"';
  for (char c : f) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

template <typename T>
void append_int(std::string& line, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  line.append(buf, r.ptr);
}
}  // namespace

void write_csv_field(std::ostream& out, std::string_view field) {
  std::string s;
  append_field(s, field);
  out << s;
}

CanonicalCsvWriter::CanonicalCsvWriter(std::ostream& out) : out_(out) {
  std::string header;
  for (std::size_t i = 0; i < kCanonicalColumns.size(); ++i) {
    if (i) header += ',';
    header += kCanonicalColumns[i];
  }
  header += '\n';
  out_ << header;
}

void CanonicalCsvWriter::write(const UsageRecord& r) {
  line_.clear();
  line_ += r.day.iso();
  for (std::string_view s : {std::string_view(r.person), std::string_view(r.team),
                             std::string_view(r.cohort), std::string_view(r.model)}) {
    line_ += ',';
    append_field(line_, s);
  }
  for (auto t : {TokenType::input, TokenType::output, TokenType::cache_read,
                 TokenType::cache_write_5m, TokenType::cache_write_1h}) {
    line_ += ',';
    append_int(line_, r.tokens[t]);
  }
  line_ += ',';
  if (r.cost) line_ += format_micro_usd(*r.cost);
  const Outcomes& o = r.outcomes;
  for (std::int64_t v : {o.sessions, o.commits, o.pull_requests, o.lines_added, o.lines_removed,
                         o.edits_accepted, o.edits_rejected, r.requests, r.failed_requests}) {
    line_ += ',';
    append_int(line_, v);
  }
  line_ += ',';
  if (r.gaming_tokens_truth) append_int(line_, *r.gaming_tokens_truth);
  line_ += '\n';
  out_ << line_;
  ++rows_;
}

// ---------------------------------------------------------------------------------------

CsvReader::CsvReader(ReadFn read, std::size_t chunk_bytes)
    : read_(std::move(read)), buf_(std::max<std::size_t>(chunk_bytes, 64)) {}

bool CsvReader::refill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  // A record longer than the buffer: grow, since a record must be contiguous to parse.
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  const std::size_t n = read_(buf_.data() + end_, buf_.size() - end_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  bytes_read_ += n;
  return true;
}

void CsvReader::skip_rest_of_line() {
  for (;;) {
    const void* p = pos_ < end_ ? std::memchr(buf_.data() + pos_, '\n', end_ - pos_) : nullptr;
    if (p) {
      pos_ = static_cast<std::size_t>(static_cast<const char*>(p) - buf_.data()) + 1;
      ++next_line_;
      return;
    }
    pos_ = end_;
    if (!refill()) return;
  }
}

CsvReader::Step CsvReader::parse_record() {
  const char* b = buf_.data();
  std::size_t i = pos_;
  // Blank lines separate nothing and are not records; they are committed as consumed.
  while (i < end_ && (b[i] == '\n' || b[i] == '\r')) {
    if (b[i] == '\r' && i + 1 == end_ && !eof_) return Step::need_more;
    if (b[i] == '\r' && i + 1 < end_ && b[i + 1] == '\n') ++i;
    ++i;
    ++next_line_;
    pos_ = i;
  }
  if (i == end_) return eof_ ? Step::done : Step::need_more;

  scratch_.clear();
  bounds_.clear();
  record_line_ = next_line_;
  long long nl = 0;
  for (;;) {
    const std::size_t fbegin = scratch_.size();
    if (i < end_ && b[i] == '"') {
      ++i;
      for (;;) {
        const void* q = i < end_ ? std::memchr(b + i, '"', end_ - i) : nullptr;
        if (!q) {
          if (!eof_) return Step::need_more;
          nl += std::count(b + i, b + end_, '\n');
          error_ = "unterminated quoted field (the quote opened on this line is never closed)";
          pos_ = end_;
          next_line_ += nl;
          return Step::malformed;
        }
        const auto qi = static_cast<std::size_t>(static_cast<const char*>(q) - b);
        nl += std::count(b + i, b + qi, '\n');
        scratch_.append(b + i, qi - i);
        if (qi + 1 == end_ && !eof_) return Step::need_more;
        if (qi + 1 < end_ && b[qi + 1] == '"') {
          scratch_ += '"';
          i = qi + 2;
          continue;
        }
        i = qi + 1;
        break;
      }
      if (i < end_ && b[i] != ',' && b[i] != '\n' && b[i] != '\r') {
        error_ = "unexpected character after a closing quote in field " +
                 std::to_string(bounds_.size() / 2 + 1);
        pos_ = i;
        next_line_ += nl;
        skip_rest_of_line();
        return Step::malformed;
      }
    } else {
      std::size_t j = i;
      while (j < end_ && b[j] != ',' && b[j] != '\n' && b[j] != '\r') {
        if (b[j] == '"') {
          error_ = "quote inside an unquoted field " + std::to_string(bounds_.size() / 2 + 1) +
                   " (fields containing quotes must be quoted, with quotes doubled)";
          pos_ = j;
          next_line_ += nl;
          skip_rest_of_line();
          return Step::malformed;
        }
        ++j;
      }
      if (j == end_ && !eof_) return Step::need_more;
      scratch_.append(b + i, j - i);
      i = j;
    }
    bounds_.push_back(fbegin);
    bounds_.push_back(scratch_.size());
    if (i == end_) break;  // last record without a newline
    if (b[i] == ',') {
      ++i;
      continue;
    }
    if (b[i] == '\r') {
      if (i + 1 == end_ && !eof_) return Step::need_more;
      if (i + 1 < end_ && b[i + 1] == '\n') ++i;
    }
    ++i;
    ++nl;
    break;
  }
  pos_ = i;
  next_line_ += nl;
  views_.clear();
  for (std::size_t k = 0; k < bounds_.size(); k += 2)
    views_.emplace_back(scratch_.data() + bounds_[k], bounds_[k + 1] - bounds_[k]);
  return Step::done;
}

bool CsvReader::next() {
  error_.clear();
  views_.clear();
  if (!started_) {
    started_ = true;
    while (end_ - pos_ < 3 && refill()) {
    }
    if (end_ - pos_ >= 3 && std::memcmp(buf_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
  }
  for (;;) {
    const Step s = parse_record();
    if (s == Step::need_more) {
      refill();
      continue;
    }
    if (s == Step::malformed) return true;
    return !views_.empty();
  }
}

CsvHeader::CsvHeader(std::span<const std::string_view> names) {
  for (std::string_view n : names) {
    while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.remove_prefix(1);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    std::string s(n);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names_.push_back(std::move(s));
  }
}

int CsvHeader::index(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].size() != name.size()) continue;
    bool eq = true;
    for (std::size_t k = 0; k < name.size() && eq; ++k)
      eq = names_[i][k] == std::tolower(static_cast<unsigned char>(name[k]));
    if (eq) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace goodhart::engine
