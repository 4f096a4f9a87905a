// JSON containers for every JSON schema: page documents ({data, has_more, next_page}),
// bare arrays, time buckets with results, and JSON Lines whose lines are any of these or
// single records. The schema is detected from the first decisive record's keys.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

namespace {

std::string quoted(std::string_view s) {
  if (s.size() > 60) return "'" + std::string(s.substr(0, 57)) + "...'";
  return "'" + std::string(s) + "'";
}

bool in(std::string_view k, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), k) != names.end();
}

// What a record's keys say about its schema.
struct Probe {
  bool results = false, starting_at = false, start_time = false, data = false;
  bool claude = false, a_usage = false, a_cost = false, o_usage = false, o_cost = false;
  // A JSON error met while looking; after one the document must not be touched again.
  simdjson::error_code error = simdjson::SUCCESS;
};

Probe probe_keys(od::object& obj) {
  Probe p;
  for (auto f : obj) {
    od::field fld;
    if ((p.error = std::move(f).get(fld))) return p;
    const std::string_view k = key_of(fld);
    p.results |= k == "results";
    p.data |= k == "data";
    p.starting_at |= k == "starting_at";
    p.start_time |= k == "start_time";
    p.claude |= in(k, {"actor", "core_metrics", "model_breakdown", "tool_actions", "terminal_type"});
    p.a_usage |= in(k, {"uncached_input_tokens", "cache_read_input_tokens", "cache_creation", "server_tool_use"});
    p.a_cost |= in(k, {"cost_type", "token_type", "description"});
    p.o_usage |= in(k, {"input_tokens", "num_model_requests", "input_cached_tokens"});
    p.o_cost |= in(k, {"line_item"});
  }
  p.error = obj.reset().error();
  return p;
}

// Whether `text` holds "data" with its quotes, as a page's key is written (keys are matched as
// written, escapes and all). Sixteen positions a step with the compiler's vector extension;
// most records hold none, and then need no search of their fields.
bool holds_data_key(std::string_view text) {
  using V = char __attribute__((vector_size(16)));
  constexpr std::string_view key = "\"data\"";
  const char* p = text.data();
  std::size_t i = 0;
  for (; i + 16 + key.size() - 1 <= text.size(); i += 16) {
    V a, d, b;
    std::memcpy(&a, p + i, 16);
    std::memcpy(&d, p + i + 1, 16);
    std::memcpy(&b, p + i + key.size() - 1, 16);
    const V m = (a == '"') & (d == 'd') & (b == '"');  // both quotes and the d in place
    std::uint64_t half[2];
    std::memcpy(half, &m, 16);
    if ((half[0] | half[1]) == 0) continue;
    for (std::size_t j = 0; j < 16; ++j)
      if (m[j] && std::memcmp(p + i + j, key.data(), key.size()) == 0) return true;
  }
  return text.substr(i).find(key) != std::string_view::npos;
}

struct Path {
  long long data = -1;
  long long result = -1;
  bool in_bucket = false;
  std::string str() const {
    std::string s;
    if (data >= 0) s = "data[" + std::to_string(data) + "]";
    if (result >= 0) s += (s.empty() ? "" : ".") + std::string("results[") + std::to_string(result) + "]";
    return s;
  }
};

class JsonWalker {
 public:
  JsonWalker(Ingestor::Impl& ing, std::optional<ExportFormat> fmt) : ing_(ing), fmt_(fmt) {
    if (fmt_) ing_.note_format(*fmt_);
  }

  void run(InputSource& src) {
    if (looks_like_json_lines(src)) lines_mode(src);
    else document_mode(src);
  }

 private:
  // JSON Lines when the first line is a complete value and more content follows it; a
  // pretty-printed page starts with an incomplete line, a minified one is a single line.
  static bool looks_like_json_lines(InputSource& src) {
    std::size_t want = 1 << 16;
    std::string_view head;
    std::size_t nl = std::string_view::npos;
    for (;;) {
      head = src.peek(want);
      nl = head.find('\n');
      if (nl != std::string_view::npos || head.size() < want) break;
      want *= 2;
    }
    if (nl == std::string_view::npos) return false;
    int depth = 0;
    bool in_string = false, seen = false;
    for (std::size_t i = 0; i < nl; ++i) {
      const char c = head[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
        continue;
      }
      if (c == '"') in_string = true;
      else if (c == '{' || c == '[') { ++depth; seen = true; }
      else if (c == '}' || c == ']') --depth;
    }
    if (!seen || depth != 0) return false;
    head = src.peek(nl + 1 + 4096);
    for (std::size_t i = nl + 1; i < head.size(); ++i)
      if (head[i] != ' ' && head[i] != '\t' && head[i] != '\r' && head[i] != '\n') return true;
    return false;
  }

  Location loc() const {
    if (line_no_ > 0) return Location{ing_.file(), static_cast<int>(line_no_)};
    return Location{ing_.file(), 0, 0, record_no_};
  }

  void reject_one(const Path& p, const std::string& message, simdjson::error_code code = simdjson::SUCCESS) {
    ing_.begin_record();
    ++record_no_;
    reject_current(p, message, code);
  }

  void reject_current(const Path& p, const std::string& message, simdjson::error_code code) {
    // Record numbers locate page records; inside buckets and on JSON lines the path helps.
    const bool show_path = p.in_bucket || (line_no_ > 0 && p.data >= 0);
    ing_.reject(loc(), show_path ? p.str() + ": " + message : message);
    if (is_fatal_json_error(code)) {
      fatal_ = true;
      fatal_code_ = code;
    }
  }

  void document_mode(InputSource& src) {
    simdjson::padded_string text = src.read_all();
    od::document doc;
    auto e = parser_.iterate(text).get(doc);
    if (e) throw InputError(Location{ing_.file()}, std::string("invalid JSON: ") + simdjson::error_message(e));
    top(doc, std::string_view(text.data(), text.size()));
    if (fatal_)
      throw InputError(loc(), std::string("invalid JSON (") + simdjson::error_message(fatal_code_) +
                                  "); the rest of the file cannot be read (truncated download?)");
  }

  void lines_mode(InputSource& src) {
    // Small enough that a line is still in the core's cache when it is parsed after the copy
    // (256 KiB read 4 % faster than 1 MiB); a longer line grows it.
    std::size_t cap = 1 << 18;
    std::vector<char> buf(cap + simdjson::SIMDJSON_PADDING);
    std::size_t begin = 0, end = 0;
    bool eof = false;
    long long line = 0;
    for (;;) {
      const void* nlp = begin < end ? std::memchr(buf.data() + begin, '\n', end - begin) : nullptr;
      std::size_t stop;
      if (nlp) {
        stop = static_cast<std::size_t>(static_cast<const char*>(nlp) - buf.data());
      } else if (!eof) {
        std::memmove(buf.data(), buf.data() + begin, end - begin);
        end -= begin;
        begin = 0;
        if (end == cap) {
          cap *= 2;  // a line longer than the buffer
          buf.resize(cap + simdjson::SIMDJSON_PADDING);
        }
        const std::size_t n = src.read(buf.data() + end, cap - end);
        if (n == 0) eof = true;
        end += n;
        continue;
      } else if (begin < end) {
        stop = end;
      } else {
        break;
      }
      ++line;
      std::size_t b = begin, e = stop;
      begin = stop < end ? stop + 1 : end;
      if (line == 1 && e - b >= 3 && std::memcmp(buf.data() + b, "\xEF\xBB\xBF", 3) == 0) b += 3;
      while (e > b && (buf[e - 1] == '\r' || buf[e - 1] == ' ' || buf[e - 1] == '\t')) --e;
      while (b < e && (buf[b] == ' ' || buf[b] == '\t')) ++b;
      if (b == e) continue;  // blank lines are not records
      line_no_ = line;
      fatal_ = false;
      od::document doc;
      const simdjson::padded_string_view view(buf.data() + b, e - b, buf.size() - b);
      if (auto err = parser_.iterate(view).get(doc)) {
        reject_one(Path{}, std::string("invalid JSON: ") + simdjson::error_message(err));
        continue;
      }
      top(doc, std::string_view(buf.data() + b, e - b));
    }
  }

  // `text` is the document's JSON.
  void top(od::document& doc, std::string_view text) {
    od::json_type t{};
    if (auto e = doc.type().get(t)) {
      reject_one(Path{}, std::string("invalid JSON: ") + simdjson::error_message(e), e);
      return;
    }
    if (t == od::json_type::array) {
      od::array arr;
      if (auto e = doc.get_array().get(arr)) return reject_one(Path{}, "invalid JSON array", e);
      long long i = 0;
      for (auto el : arr) {
        od::value v;
        if (auto e = el.get(v)) return reject_one(Path{i, -1}, std::string("invalid JSON: ") + simdjson::error_message(e), e);
        element(v, Path{i++, -1});
        if (fatal_) return;
      }
      return;
    }
    if (t != od::json_type::object) {
      reject_one(Path{}, std::string("expected a JSON object (a page, bucket or record), found ") +
                             std::string(json_type_name(t)));
      return;
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return reject_one(Path{}, "invalid JSON object", e);
    // A page is recognised by its 'data' array; anything else is a bucket or a record. The
    // search reads the object to its end and so finds a syntax error anywhere in it; a Claude
    // Code record, read field by field to its end anyway, is searched only when its text holds
    // the key.
    od::value data;
    const bool whole_record_read = fmt_ && *fmt_ == ExportFormat::claude_code;
    auto e = !whole_record_read || holds_data_key(text) ? obj.find_field_unordered("data").get(data)
                                                         : simdjson::NO_SUCH_FIELD;
    if (e == simdjson::SUCCESS) {
      od::array arr;
      if (auto e2 = data.get_array().get(arr)) return reject_one(Path{}, "page field 'data' is not an array", e2);
      long long i = 0;
      for (auto el : arr) {
        od::value v;
        if (auto e3 = el.get(v)) return reject_one(Path{i, -1}, std::string("invalid JSON: ") + simdjson::error_message(e3), e3);
        element(v, Path{i++, -1});
        if (fatal_) return;
      }
      return;
    }
    if (e != simdjson::NO_SUCH_FIELD) return reject_one(Path{}, std::string("invalid JSON: ") + simdjson::error_message(e), e);
    if (auto e2 = obj.reset().error()) return reject_one(Path{}, "invalid JSON object", e2);
    element_object(obj, Path{});
  }

  void element(od::value v, const Path& p) {
    od::json_type t{};
    if (auto e = v.type().get(t)) return reject_one(p, std::string("invalid JSON: ") + simdjson::error_message(e), e);
    if (t != od::json_type::object)
      return reject_one(p, "expected a JSON object, found " + std::string(json_type_name(t)));
    od::object obj;
    if (auto e = v.get_object().get(obj)) return reject_one(p, "invalid JSON object", e);
    element_object(obj, p);
  }

  static bool is_bucket_format(ExportFormat f) {
    return f == ExportFormat::anthropic_usage || f == ExportFormat::anthropic_cost ||
           f == ExportFormat::openai_usage || f == ExportFormat::openai_costs;
  }

  void element_object(od::object obj, const Path& p) {
    bool bucket_unit;
    if (fmt_ && *fmt_ == ExportFormat::claude_code) {
      bucket_unit = false;
    } else if (fmt_) {
      bucket_unit = true;
    } else {
      const Probe pr = probe_keys(obj);
      if (pr.error) return reject_one(p, std::string("invalid JSON: ") + simdjson::error_message(pr.error), pr.error);
      bucket_unit = pr.results;
      if (!bucket_unit) {
        if (!pr.claude)
          return reject_one(p, "record matches no known export schema (no 'actor', 'core_metrics' or "
                               "'model_breakdown'; buckets need 'results'); use --format");
        set_format(ExportFormat::claude_code);
      }
    }
    if (bucket_unit) bucket(obj, p);
    else unit(obj, UnitMeta{}, ExportFormat::claude_code, p);
  }

  void set_format(ExportFormat f) {
    fmt_ = f;
    ing_.note_format(f);
  }

  void bucket(od::object obj, Path p) {
    p.in_bucket = true;
    UnitMeta meta;
    std::string time_error;
    const bool anthropic_first = !fmt_ || *fmt_ == ExportFormat::anthropic_usage || *fmt_ == ExportFormat::anthropic_cost;
    bool have_time = false, anthropic_time = false;
    for (int attempt = 0; attempt < 2 && !have_time; ++attempt) {
      const bool anthropic = (attempt == 0) == anthropic_first;
      const char* key = anthropic ? "starting_at" : "start_time";
      od::value tv;
      auto e = obj.find_field_unordered(key).get(tv);
      if (e == simdjson::NO_SUCH_FIELD) {
        if (fmt_) break;  // a known schema has exactly one time key
        continue;
      }
      if (e) return reject_one(p, std::string("invalid JSON: ") + simdjson::error_message(e), e);
      have_time = true;
      anthropic_time = anthropic;
      std::string_view tok = tv.raw_json_token();
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' || tok.back() == '\t')) tok.remove_suffix(1);
      meta.bucket_start = tok;
      try {
        meta.bucket_day = json_date(tv, std::string("bucket ") + key);
      } catch (const RecordError& err) {
        if (is_fatal_json_error(err.code)) return reject_one(p, err.message, err.code);
        time_error = err.message;
      }
    }
    if (!have_time) {
      time_error = fmt_ ? std::string("bucket has no '") +
                              (anthropic_first ? "starting_at" : "start_time") + "'"
                        : "bucket has neither 'starting_at' nor 'start_time'";
    }
    od::value rv;
    auto e = obj.find_field_unordered("results").get(rv);
    od::array results;
    if (e == simdjson::SUCCESS) e = rv.get_array().get(results);
    if (e) return reject_one(p, "bucket's 'results' is missing or not an array", e);
    long long j = 0;
    for (auto r : results) {
      p.result = j++;
      od::value v;
      if (auto err = r.get(v)) return reject_one(p, std::string("invalid JSON: ") + simdjson::error_message(err), err);
      od::json_type t{};
      if (auto err = v.type().get(t)) return reject_one(p, std::string("invalid JSON: ") + simdjson::error_message(err), err);
      if (t != od::json_type::object) {
        reject_one(p, "expected a result object, found " + std::string(json_type_name(t)));
        continue;
      }
      od::object ro;
      if (auto err = v.get_object().get(ro)) return reject_one(p, "invalid JSON object", err);
      if (!fmt_) {
        const Probe pr = probe_keys(ro);
        if (pr.error) return reject_one(p, std::string("invalid JSON: ") + simdjson::error_message(pr.error), pr.error);
        std::optional<ExportFormat> f;
        const bool anth = have_time ? anthropic_time : (pr.a_usage || pr.a_cost);
        if (anth && (pr.a_usage || (!pr.a_cost && !pr.o_cost && pr.o_usage))) f = ExportFormat::anthropic_usage;
        else if (anth && pr.a_cost) f = ExportFormat::anthropic_cost;
        else if (!anth && pr.o_usage) f = ExportFormat::openai_usage;
        else if (!anth && pr.o_cost) f = ExportFormat::openai_costs;
        if (!f) {
          reject_one(p, "result matches no known usage or cost schema; use --format");
          continue;
        }
        set_format(*f);
      }
      if (!meta.bucket_day) {
        reject_one(p, time_error);
        continue;
      }
      unit(ro, meta, *fmt_, p);
      if (fatal_) return;
    }
  }

  void unit(od::object obj, const UnitMeta& meta, ExportFormat f, const Path& p) {
    ing_.begin_record();
    ++record_no_;
    try {
      switch (f) {
        case ExportFormat::claude_code: claude_code_record(ing_, obj, meta); break;
        case ExportFormat::anthropic_usage: anthropic_usage_result(ing_, obj, meta); break;
        case ExportFormat::anthropic_cost: anthropic_cost_result(ing_, obj, meta); break;
        case ExportFormat::openai_usage: openai_usage_result(ing_, obj, meta); break;
        case ExportFormat::openai_costs: openai_costs_result(ing_, obj, meta); break;
        default: fail("not a JSON export format");
      }
      ing_.accepted();
    } catch (const RecordError& err) {
      reject_current(p, err.message, err.code);
    }
  }

  Ingestor::Impl& ing_;
  std::optional<ExportFormat> fmt_;
  od::parser parser_;
  long long record_no_ = 0;
  long long line_no_ = 0;
  bool fatal_ = false;
  simdjson::error_code fatal_code_ = simdjson::SUCCESS;
};

}  // namespace

void read_json(Ingestor::Impl& ing, InputSource& src, std::optional<ExportFormat> format) {
  JsonWalker(ing, format).run(src);
}

// --- value helpers -------------------------------------------------------------------------

namespace {
od::json_type type_of(od::value& v, const Field& field) {
  od::json_type t{};
  check_quoted(v.type().get(t), field);
  return t;
}

[[noreturn]] void wrong_type(const Field& field, std::string_view want, od::json_type got) {
  fail("'" + field.str() + "' must be " + std::string(want) + ", not " + std::string(json_type_name(got)));
}

std::string_view trim_token(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t')) t.remove_suffix(1);
  return t;
}
}  // namespace

od::object as_object(od::value v, const Field& field) {
  od::object o;
  const auto e = v.get_object().get(o);
  if (e == simdjson::SUCCESS) return o;
  od::json_type t{};
  check(v.type().get(t), field);
  if (t != od::json_type::object)
    fail("'" + field.str() + "' must be an object, not " + std::string(json_type_name(t)));
  check(e, field);
  return o;
}

std::uint64_t json_count(od::value v, const Field& field) {
  // Plain digits, as exports write counts, are read straight from the token.
  const std::string_view tok = trim_token(v.raw_json_token());
  std::uint64_t u = 0;
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), u);
  if (r.ec == std::errc{} && r.ptr == tok.data() + tok.size()) return u;
  const od::json_type t = type_of(v, field);
  if (t == od::json_type::null) return 0;
  if (t != od::json_type::number) wrong_type(field, "a number", t);
  if (!tok.empty() && tok.front() == '-') fail("'" + field.str() + "' must not be negative (" + std::string(tok) + ")");
  double d = 0;
  check_quoted(v.get_double().get(d), field);
  if (!(d >= 0) || d >= 1.8e19 || d != std::floor(d))
    fail("'" + field.str() + "' must be a whole non-negative number, not " + std::string(tok));
  return static_cast<std::uint64_t>(d);
}

std::int64_t json_int(od::value v, const Field& field) {
  const od::json_type t = type_of(v, field);
  if (t == od::json_type::null) return 0;
  if (t != od::json_type::number) wrong_type(field, "a number", t);
  std::int64_t i = 0;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  check_quoted(v.get_double().get(d), field);
  if (d != std::floor(d) || std::fabs(d) >= 9.2e18) fail("'" + field.str() + "' must be a whole number");
  return static_cast<std::int64_t>(d);
}

std::string_view json_string(od::value v, const Field& field) {
  // A string without escapes, as exports write names, is its token between the quotes (the
  // document's UTF-8 and unescaped control characters were checked when it was indexed).
  const std::string_view tok = trim_token(v.raw_json_token());
  if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"' &&
      std::memchr(tok.data(), '\\', tok.size()) == nullptr)
    return tok.substr(1, tok.size() - 2);
  const od::json_type t = type_of(v, field);
  if (t == od::json_type::null) return {};
  if (t != od::json_type::string) wrong_type(field, "a string", t);
  std::string_view s;
  check_quoted(v.get_string().get(s), field);
  return s;
}

bool json_bool(od::value v, const Field& field) {
  const od::json_type t = type_of(v, field);
  if (t == od::json_type::null) return false;
  if (t != od::json_type::boolean) wrong_type(field, "true or false", t);
  bool b = false;
  check_quoted(v.get_bool().get(b), field);
  return b;
}

MicroUsd json_amount(od::value v, MicroUsd micro_per_unit, const Field& field) {
  const od::json_type t = type_of(v, field);
  std::optional<MicroUsd> m;
  std::string_view text;
  if (t == od::json_type::string) {
    check_quoted(v.get_string().get(text), field);
    m = parse_decimal_micro(text, micro_per_unit);
  } else if (t == od::json_type::number) {
    text = trim_token(v.raw_json_token());
    // The number's own digits first: exact, whereas a double would already have drifted.
    m = parse_decimal_micro(text, micro_per_unit);
    if (!m) {
      double d = 0;
      check_quoted(v.get_double().get(d), field);
      m = double_to_micro(d, micro_per_unit);
    }
  } else {
    wrong_type(field, "a number or a decimal string", t);
  }
  if (!m) fail("'" + field.str() + "' is not a decimal amount: " + quoted(text));
  return *m;
}

Date json_date(od::value v, const Field& field) {
  const od::json_type t = type_of(v, field);
  if (t == od::json_type::string) {
    std::string_view s;
    check_quoted(v.get_string().get(s), field);
    if (auto d = parse_date(s)) return *d;
    fail("'" + field.str() + "' is not an RFC 3339 date: " + quoted(s));
  }
  if (t == od::json_type::number) {
    std::int64_t secs = 0;
    if (v.get_int64().get(secs) != simdjson::SUCCESS) {
      double d = 0;
      check_quoted(v.get_double().get(d), field);
      // Only doubles well inside int64 convert; beyond it the cast is undefined.
      if (!(std::abs(d) < 9.0e18)) fail("'" + field.str() + "' is not a plausible unix time");
      secs = static_cast<std::int64_t>(std::floor(d));
    }
    if (auto day = date_from_unix_seconds(secs)) return *day;
    fail("'" + field.str() + "' is not a plausible unix time");
  }
  wrong_type(field, "a date string or unix seconds", t);
}

}  // namespace goodhart::engine::detail
