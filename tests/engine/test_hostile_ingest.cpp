// Hostile exports against every reader: empty and truncated files, counts near 2^64, NaN and
// infinities, files read twice or in another order, reordered columns, CRLF, UTF-8 and
// non-UTF-8 names. Each case either reads exactly or is refused with the file and the place.
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <unistd.h>

#include "goodhart/engine/audit.hpp"
#include "goodhart/engine/canonical_csv.hpp"
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every test-data export with the reader that must take it (detected from content).
struct Sample {
  std::string rel;
  ExportFormat format;
};
const std::vector<Sample>& samples() {
  static const std::vector<Sample> s{
      {"claude_code/page1.json", ExportFormat::claude_code},
      {"claude_code/page2.json", ExportFormat::claude_code},
      {"claude_code/records.jsonl", ExportFormat::claude_code},
      {"anthropic/usage_page.json", ExportFormat::anthropic_usage},
      {"anthropic/cost_page.json", ExportFormat::anthropic_cost},
      {"openai/usage_page.json", ExportFormat::openai_usage},
      {"openai/costs_page.json", ExportFormat::openai_costs},
      {"litellm/spend_logs.csv", ExportFormat::litellm_spend_logs},
      {"litellm/daily_user_spend.csv", ExportFormat::litellm_daily},
      {"canonical/sample.csv", ExportFormat::canonical},
  };
  return s;
}

bool is_csv(ExportFormat f) {
  return f == ExportFormat::litellm_spend_logs || f == ExportFormat::litellm_daily ||
         f == ExportFormat::canonical;
}

using Int128 = goodhart::engine::Int128;

// Spend summed in 128 bits, so a wrapped 64-bit sum shows.
Int128 exact_spend(const UsageDataset& ds) {
  Int128 s = 0;
  for (const auto& r : ds.rows()) s += r.cost;
  for (const auto& l : ds.org_costs()) s += l.cost;
  return s;
}

Int128 exact_tokens(const UsageDataset& ds, TokenType t) {
  Int128 s = 0;
  for (const auto& r : ds.rows()) s += r.tokens[t];
  return s;
}

// Rows compared field by field (the dataset is sorted by names, so file order must not show).
void check_same_rows(const UsageDataset& a, const UsageDataset& b) {
  REQUIRE(a.rows().size() == b.rows().size());
  REQUIRE(a.people().size() == b.people().size());
  for (std::size_t i = 0; i < a.people().size(); ++i) CHECK(a.people()[i].name == b.people()[i].name);
  CHECK(a.models() == b.models());
  for (std::size_t i = 0; i < a.rows().size(); ++i) {
    const DayUsage &x = a.rows()[i], &y = b.rows()[i];
    CHECK(x.day == y.day);
    CHECK(x.person == y.person);
    CHECK(x.model == y.model);
    CHECK(x.tokens.n == y.tokens.n);
    CHECK(x.cost == y.cost);
    CHECK(x.unpriced_tokens == y.unpriced_tokens);
    CHECK(x.requests == y.requests);
    CHECK(x.outcomes.pull_requests == y.outcomes.pull_requests);
  }
  CHECK(exact_spend(a) == exact_spend(b));
}

// A CSV rewritten with its columns reversed and an unknown column added in the middle; every
// field quoted, as spreadsheets do.
std::string reorder_columns(const std::string& text) {
  std::size_t pos = 0;
  CsvReader csv([&](char* dst, std::size_t cap) {
    const std::size_t n = std::min(cap, text.size() - pos);
    std::memcpy(dst, text.data() + pos, n);
    pos += n;
    return n;
  });
  std::string out;
  bool header = true;
  while (csv.next()) {
    REQUIRE(csv.error().empty());
    std::vector<std::string> f(csv.fields().begin(), csv.fields().end());
    std::reverse(f.begin(), f.end());
    f.insert(f.begin() + static_cast<std::ptrdiff_t>(f.size() / 2), header ? "exported_by" : "some, \"tool\"");
    header = false;
    for (std::size_t i = 0; i < f.size(); ++i) {
      std::string q;
      for (char c : f[i]) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += (i ? "," : "") + ("\"" + q + "\"");
    }
    out += "\n";
  }
  return out;
}

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("goodhart_hostile_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name, std::ios::binary) << content;
    return (path / name).string();
  }
};

// The rejections of `ds` as "file:place: reason".
std::vector<std::string> rejection_texts(const UsageDataset& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds.report().rejections) out.push_back(d.str());
  return out;
}

}  // namespace

TEST_CASE("hostile ingest: empty and blank inputs are zero records with a note naming the file", "[ingest][hostile]") {
  const std::vector<std::string> blanks{"", "\xEF\xBB\xBF", " \r\n\r\n\t", "\n"};
  std::vector<std::optional<ExportFormat>> formats{std::nullopt};
  for (int i = 0; i < kExportFormats; ++i) formats.push_back(static_cast<ExportFormat>(i));
  for (const auto& fmt : formats) {
    for (const auto& blank : blanks) {
      INFO("format " << (fmt ? format_name(*fmt) : "detect") << ", " << blank.size() << " bytes");
      const auto ds = read_text(blank, "blank.json", fmt);
      check_accounting(ds.report());
      CHECK(ds.report().records_read == 0);
      CHECK(ds.rows().empty());
      bool named = false;
      for (const auto& n : ds.report().notes) named = named || n.rfind("blank.json: ", 0) == 0;
      CHECK(named);
    }
  }
}

TEST_CASE("hostile ingest: a CSV export with only its header is zero records", "[ingest][hostile]") {
  for (const auto& s : samples()) {
    if (!is_csv(s.format)) continue;
    INFO(s.rel);
    const std::string text = slurp(data(s.rel));
    const std::string header = text.substr(0, text.find('\n') + 1);
    const auto ds = read_text(header, "header_only.csv");
    check_accounting(ds.report());
    CHECK(ds.report().records_read == 0);
    CHECK(ds.report().files.at(0).format == s.format);
    CHECK(ds.rows().empty());
  }
}

TEST_CASE("hostile ingest: a truncated export is refused or rejected with its place and never read short in silence", "[ingest][hostile]") {
  for (const auto& s : samples()) {
    const std::string text = slurp(data(s.rel));
    const bool page_document = text.find_first_not_of(" \r\n\t") != std::string::npos &&
                               text[text.find_first_not_of(" \r\n\t")] == '{' &&
                               s.rel.find(".jsonl") == std::string::npos;
    // The last byte that matters: trailing whitespace does not make a file shorter.
    const std::size_t end = text.find_last_not_of(" \r\n\t") + 1;
    const auto whole = read_text(text, "cut.json");
    for (std::size_t n = 0; n < end; ++n) {
      INFO(s.rel << " cut after " << n << " of " << text.size() << " bytes");
      try {
        const auto ds = read_text(std::string_view(text).substr(0, n), "cut.json");
        check_accounting(ds.report());
        for (const auto& d : ds.report().rejections) {
          CHECK(d.where.file == "cut.json");
          CHECK((d.where.line > 0 || d.where.record > 0));
        }
        // A page cut short must not pass for a complete, smaller page.
        if (page_document && n > 0 && ds.report().rejected == 0)
          FAIL_CHECK("a truncated page document was read without an error or a rejection");
        CHECK(exact_spend(ds) <= exact_spend(whole));
      } catch (const InputError& e) {
        CHECK(std::string(e.what()).rfind("cut.json:", 0) == 0);
      }
    }
  }
}

TEST_CASE("hostile ingest: token counts that would overflow 64 bits are rejected with a reason and never wrap", "[ingest][hostile]") {
  const std::string two63 = "9223372036854775808";    // 2^63
  const std::string max64 = "18446744073709551615";   // 2^64 - 1

  SECTION("two token types that sum past 2^64 in one canonical record") {
    // Unpriced in the export: the catalog prices them. A wrapped total of 0 would skip pricing.
    const auto ds = read_text("date,person,model,input_tokens,output_tokens\n2026-05-04,a,claude-opus-4-7," +
                                  two63 + "," + two63 + "\n",
                              "ovf.csv");
    check_accounting(ds.report());
    REQUIRE(ds.report().rejected == 1);
    CHECK(rejection_texts(ds).at(0).rfind("ovf.csv:2: ", 0) == 0);
    CHECK(ds.rows().empty());
  }

  SECTION("one token count whose price does not fit in 64-bit micro-dollars") {
    // 2^64 - 1 output tokens of Opus at $25/MTok is about $4.6e14: 4.6e20 micro-dollars.
    const auto ds = read_text("date,person,model,output_tokens\n2026-05-04,b,claude-opus-4-7," + max64 + "\n",
                              "ovf.csv");
    check_accounting(ds.report());
    for (const auto& r : ds.rows()) CHECK(r.cost >= 0);
    REQUIRE(ds.report().rejected == 1);
    CHECK(rejection_texts(ds).at(0).rfind("ovf.csv:2: ", 0) == 0);
  }

  SECTION("requests of one person-day-model whose tokens add up past 2^64") {
    const std::string h = "request_id,user,startTime,model,spend,prompt_tokens,completion_tokens\n";
    const auto ds = read_text(h + "r1,a,2025-09-01 10:00:00,claude-opus-4-7,1," + two63 + ",0\n" +
                                  "r2,a,2025-09-01 11:00:00,claude-opus-4-7,1," + two63 + ",0\n",
                              "logs.csv");
    check_accounting(ds.report());
    // The first request is plausible on its own terms or not; either way the sum is exact.
    const Int128 accepted = ds.report().accepted;
    CHECK(ds.report().rejected >= 1);
    CHECK(exact_tokens(ds, TokenType::input) == accepted * (Int128{1} << 63));
    for (const auto& t : rejection_texts(ds)) CHECK(t.rfind("logs.csv:", 0) == 0);
  }

  SECTION("exported amounts of one person-day-model that add up past 2^63 micro-dollars") {
    const std::string h = "request_id,user,startTime,model,spend,prompt_tokens,completion_tokens\n";
    // $9e12 each: 9e18 micro-dollars, just below 2^63; two of them overflow a signed sum.
    const auto ds = read_text(h + "r1,a,2025-09-01 10:00:00,claude-opus-4-7,9000000000000,10,0\n" +
                                  "r2,a,2025-09-01 11:00:00,claude-opus-4-7,9000000000000,10,0\n",
                              "logs.csv");
    check_accounting(ds.report());
    CHECK(ds.report().rejected >= 1);
    CHECK(exact_spend(ds) == Int128{ds.report().accepted} * 9'000'000'000'000'000'000LL);
    for (const auto& r : ds.rows()) CHECK(r.cost >= 0);
  }

  SECTION("a catalog-priced record worth more than 64-bit micro-dollars is rejected like an exported one") {
    // Every count within the per-record limit of 10^15, at a premium but real-looking price
    // of $5,000 per million tokens: $2.5e13, 2.5e19 micro-dollars, past 2^63.
    const PricingCatalog premium = PricingCatalog::from_yaml(
        YAML::Load("catalog: {date: 2026-08-21}\nmodels:\n  premium-1: {input: 5000, output: 5000, cache_read: 5000, "
                   "cache_write_5m: 5000, cache_write_1h: 5000}\n"),
        "premium.yaml");
    const std::string e15 = "1000000000000000";
    Ingestor ing(premium);
    ing.read_string("date,person,model,input_tokens,output_tokens,cache_read_tokens,cache_write_5m_tokens,cache_write_1h_tokens\n"
                    "2026-05-04,a,premium-1," + e15 + "," + e15 + "," + e15 + "," + e15 + "," + e15 + "\n",
                    "premium.csv");
    const auto ds = ing.finish();
    check_accounting(ds.report());
    for (const auto& r : ds.rows()) CHECK(r.cost >= 0);
    REQUIRE(ds.report().rejected == 1);
    CHECK(rejection_texts(ds).at(0).rfind("premium.csv:2: ", 0) == 0);
  }

  SECTION("JSON counts of 2^64 and beyond are rejected naming the field") {
    const std::string rec = R"({"date":"2025-09-03T00:00:00Z","actor":{"type":"user_actor","email_address":"a@x.com"},"model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":18446744073709551616,"output":0,"cache_read":0,"cache_creation":0}}]})";
    const auto ds = read_text(rec + "\n", "big.jsonl");
    check_accounting(ds.report());
    REQUIRE(ds.report().rejected == 1);
    const std::string msg = rejection_texts(ds).at(0);
    CHECK(msg.rfind("big.jsonl:1: ", 0) == 0);
    CHECK(msg.find("input") != std::string::npos);
  }
}

TEST_CASE("hostile ingest: bucket times beyond 64-bit seconds are rejected without undefined behaviour", "[ingest][hostile]") {
  // Found by the fuzz targets: a start_time too large for int64 was cast from double, and
  // INT64_MIN was negated; both undefined (UBSan aborts the sanitizer build).
  for (const std::string t : {"171844674407370955161656684800", "-9223372036854775808", "9223372036854775807", "-1e300"}) {
    INFO("start_time " << t);
    const std::string page = R"({"object":"page","data":[{"object":"bucket","start_time":)" + t +
                             R"(,"end_time":1756771200,"results":[{"object":"organization.usage.completions.result","input_tokens":10,"output_tokens":1,"num_model_requests":1,"user_id":"user-alice","model":"gpt-5"}]}],"has_more":false})";
    const auto ds = read_text(page, "oa.json");
    check_accounting(ds.report());
    CHECK(ds.report().accepted == 0);
    REQUIRE(ds.report().rejections.size() == 1);
    CHECK(ds.report().rejections[0].str().rfind("oa.json:1: ", 0) == 0);
    CHECK(ds.report().rejections[0].message.find("start_time") != std::string::npos);
  }
}

TEST_CASE("hostile ingest: dates before 2020 or after 2099 are rejected as mistyped years with their place", "[ingest][hostile]") {
  // Found by the audit fuzz target: one stray far-off date stretched every period table of the
  // audit across the decades in between.
  const auto ds = read_text("date,person,model,cost_usd\n"
                            "2026-06-01,a,gpt-5,1\n"
                            "2019-12-31,a,gpt-5,1\n"
                            "2020-01-01,a,gpt-5,1\n"
                            "2099-12-31,a,gpt-5,1\n"
                            "2100-01-01,a,gpt-5,1\n"
                            "9999-06-01,a,gpt-5,1\n",
                            "dates.csv");
  check_accounting(ds.report());
  CHECK(ds.report().accepted == 3);
  REQUIRE(ds.report().rejected == 3);
  const auto texts = rejection_texts(ds);
  CHECK(texts.at(0) == "dates.csv:3: date 2019-12-31 is outside 2020-01-01 to 2099-12-31 (a mistyped year?)");
  CHECK(texts.at(1).rfind("dates.csv:6: date 2100-01-01 is outside", 0) == 0);
  CHECK(texts.at(2).rfind("dates.csv:7: date 9999-06-01 is outside", 0) == 0);
  CHECK(ds.first_day() == *parse_date("2020-01-01"));
  CHECK(ds.last_day() == *parse_date("2099-12-31"));

  const std::string rec = R"({"date":"2126-09-03T00:00:00Z","actor":{"type":"user_actor","email_address":"a@x.com"},"model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":1,"output":0,"cache_read":0,"cache_creation":0}}]})";
  const auto cc = read_text(rec + "\n", "cc.jsonl");
  REQUIRE(cc.report().rejected == 1);
  CHECK(rejection_texts(cc).at(0).rfind("cc.jsonl:1: date 2126-09-03 is outside", 0) == 0);
}

TEST_CASE("hostile ingest: NaN and infinite and negative numbers are rejected with the place and the field", "[ingest][hostile]") {
  struct Case {
    std::string name, text, field;
  };
  const std::string canon = "date,person,model,input_tokens,cost_usd\n";
  const std::string logs = "request_id,user,startTime,model,spend,prompt_tokens,completion_tokens\n";
  auto cc = [](const std::string& tokens_input, const std::string& amount) {
    return R"({"date":"2025-09-03T00:00:00Z","actor":{"type":"user_actor","email_address":"a@x.com"},"model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":)" +
           tokens_input + R"(,"output":0,"cache_read":0,"cache_creation":0},"estimated_cost":{"currency":"USD","amount":)" +
           amount + "}}]}\n";
  };
  auto anthropic_cost = [](const std::string& amount) {
    return R"({"data":[{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z","results":[{"currency":"USD","amount":)" +
           amount + R"(,"workspace_id":null,"cost_type":"tokens","model":"claude-sonnet-4-5","token_type":"output_tokens"}]}],"has_more":false,"next_page":null})";
  };
  auto openai_cost = [](const std::string& value) {
    return R"({"object":"page","data":[{"object":"bucket","start_time":1756684800,"end_time":1756771200,"results":[{"object":"organization.costs.result","amount":{"value":)" +
           value + R"(,"currency":"usd"},"line_item":"gpt-5, input","project_id":null}]}],"has_more":false})";
  };
  const std::vector<Case> cases{
      {"c.csv", canon + "2026-05-04,p,m,1,nan\n", "cost_usd"},
      {"c.csv", canon + "2026-05-04,p,m,1,NaN\n", "cost_usd"},
      {"c.csv", canon + "2026-05-04,p,m,1,inf\n", "cost_usd"},
      {"c.csv", canon + "2026-05-04,p,m,1,-Infinity\n", "cost_usd"},
      {"c.csv", canon + "2026-05-04,p,m,1,1e999\n", "cost_usd"},
      {"c.csv", canon + "2026-05-04,p,m,1,-1e3\n", "cost_usd"},
      {"c.csv", canon + "2026-05-04,p,m,nan,1\n", "input_tokens"},
      {"c.csv", canon + "2026-05-04,p,m,-1,1\n", "input_tokens"},
      {"c.csv", canon + "2026-05-04,p,m,1.5,1\n", "input_tokens"},
      {"c.csv", canon + "2026-05-04,p,m,inf,1\n", "input_tokens"},
      {"l.csv", logs + "r1,a,2025-09-01 10:00:00,gpt-5,nan,1,1\n", "spend"},
      {"l.csv", logs + "r1,a,2025-09-01 10:00:00,gpt-5,1e999,1,1\n", "spend"},
      {"l.csv", logs + "r1,a,2025-09-01 10:00:00,gpt-5,-0.01,1,1\n", "spend"},
      {"l.csv", logs + "r1,a,2025-09-01 10:00:00,gpt-5,0.01,-5,1\n", "prompt_tokens"},
      {"cc.jsonl", cc("1", "1e999"), "amount"},
      {"cc.jsonl", cc("1", "\"NaN\""), "amount"},
      {"cc.jsonl", cc("1", "\"Infinity\""), "amount"},
      {"cc.jsonl", cc("1", "-0.5"), "amount"},
      {"cc.jsonl", cc("-1", "1"), "input"},
      {"cc.jsonl", cc("1e999", "1"), "input"},
      {"cc.jsonl", cc("2.5", "1"), "input"},
      // Found by the ingest_anthropic_cost fuzz target: cost-report amounts below zero, as a
      // string or a number, were added to the organisation's cost lines.
      {"ac.json", anthropic_cost("\"-11000\""), "amount"},
      {"ac.json", anthropic_cost("-0.5"), "amount"},
      {"oc.json", openai_cost("-1.5"), "amount"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto ds = read_text(c.text, c.name);
    check_accounting(ds.report());
    CHECK(ds.report().accepted == 0);
    REQUIRE(ds.report().rejections.size() == 1);
    const std::string msg = ds.report().rejections[0].str();
    CHECK(msg.rfind(c.name + ":", 0) == 0);
    CHECK((ds.report().rejections[0].where.line > 0 || ds.report().rejections[0].where.record > 0));
    CHECK(msg.find(c.field) != std::string::npos);
    CHECK(ds.rows().empty());
  }
}

TEST_CASE("hostile ingest: every export read twice under two names counts once and names the first file", "[ingest][hostile]") {
  TempDir dir;
  for (const auto& s : samples()) {
    INFO(s.rel);
    const std::string text = slurp(data(s.rel));
    const std::string ext = fs::path(s.rel).extension().string();
    const std::string a = dir.write("first" + ext, text), b = dir.write("again" + ext, text);
    const auto once = read_files({a});
    const auto twice = read_files({a, b});
    check_accounting(twice.report());
    const IngestReport &r1 = once.report(), &r2 = twice.report();
    REQUIRE(r1.accepted > 0);
    CHECK(r2.accepted == r1.accepted);
    // The second file's good records are all duplicates; its bad ones are bad again.
    CHECK(r2.files.at(1).duplicates == r1.accepted + r1.duplicates);
    CHECK(r2.duplicates == 2 * r1.duplicates + r1.accepted);
    CHECK(r2.rejected == 2 * r1.rejected + r1.accepted);
    check_same_rows(once, twice);
    CHECK(once.org_costs().size() == twice.org_costs().size());
    int named = 0;
    for (const auto& d : r2.rejections) {
      if (d.where.file != b || d.message.find("duplicate") == std::string::npos) continue;
      ++named;
      CHECK(d.message.find(a) != std::string::npos);
    }
    CHECK(named == r1.accepted + r1.duplicates);
  }
}

TEST_CASE("hostile ingest: files in any order and dates out of order give the same dataset", "[ingest][hostile]") {
  TempDir dir;
  const std::string h = "date,person,model,input_tokens,cost_usd\n";
  // A later week first, days shuffled within each file, one day present in both files for
  // different people (overlap without duplicates).
  const std::string late = dir.write("late.csv", h + "2026-05-14,ana,gpt-5,10,0.5\n2026-05-11,ana,gpt-5,10,0.25\n"
                                                     "2026-05-12,bo,gpt-5,1000,\n2026-05-07,cy,gpt-5,1,1\n");
  const std::string early = dir.write("early.csv", h + "2026-05-07,ana,gpt-5,5,2\n2026-05-04,bo,gpt-5,5,\n"
                                                       "2026-05-06,ana,gpt-5,5,0.000001\n");
  const auto ab = read_files({late, early});
  const auto ba = read_files({early, late});
  check_accounting(ab.report());
  CHECK(ab.report().accepted == 7);
  CHECK(ab.report().duplicates == 0);
  check_same_rows(ab, ba);
  CHECK(ab.first_day() == *parse_date("2026-05-04"));
  CHECK(ab.last_day() == *parse_date("2026-05-14"));
  for (std::size_t i = 1; i < ab.rows().size(); ++i) CHECK(ab.rows()[i - 1].day <= ab.rows()[i].day);
}

TEST_CASE("hostile ingest: CSV exports with reordered and extra columns read the same", "[ingest][hostile]") {
  for (const auto& s : samples()) {
    if (!is_csv(s.format)) continue;
    INFO(s.rel);
    const std::string text = slurp(data(s.rel));
    const auto plain = read_text(text, "plain.csv");
    const auto reordered = read_text(reorder_columns(text), "reordered.csv");
    check_accounting(reordered.report());
    CHECK(reordered.report().files.at(0).format == s.format);
    CHECK(reordered.report().accepted == plain.report().accepted);
    CHECK(reordered.report().rejected == plain.report().rejected);
    check_same_rows(plain, reordered);
  }
}

TEST_CASE("hostile ingest: Windows line endings read the same as Unix ones", "[ingest][hostile]") {
  for (const auto& s : samples()) {
    INFO(s.rel);
    const std::string text = slurp(data(s.rel));
    const auto unix_ds = read_text(text, "lf");
    const auto windows = read_text(crlf(text), "crlf");
    check_accounting(windows.report());
    CHECK(windows.report().accepted == unix_ds.report().accepted);
    check_same_rows(unix_ds, windows);
    for (const auto& p : windows.people()) CHECK(p.name.find('\r') == std::string::npos);
  }
  // The identity map as Excel writes it: a byte-order mark and CRLF.
  const auto map = IdentityMap::from_string("\xEF\xBB\xBFidentity,person,team\r\nalice@corp.com,Alice,blue\r\n", "map.csv");
  REQUIRE(map.find("alice@corp.com") != nullptr);
  CHECK(map.find("alice@corp.com")->person == "Alice");
  CHECK(map.find("alice@corp.com")->team == "blue");
}

TEST_CASE("hostile ingest: UTF-8 names and emails arrive byte for byte and reach the audit", "[ingest][hostile]") {
  const std::string jose = "jos\xC3\xA9.m\xC3\xBCller@b\xC3\xBC" "cher.de";      // josé.müller@bücher.de
  const std::string li = "\xE6\x9D\x8E\xE9\x9B\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\x85\xAC\xE5\x8F\xB8";  // 李雷@例子.公司
  const std::string team = "donn\xC3\xA9" "es";
  const auto csv = read_text("date,person,team,model,cost_usd\n2026-05-04," + jose + "," + team +
                                 ",gpt-5,1\n2026-05-04," + li + ",,gpt-5,2\n",
                             "utf8.csv");
  check_accounting(csv.report());
  REQUIRE(csv.find_person(jose));
  REQUIRE(csv.find_person(li));
  CHECK(csv.people()[*csv.find_person(jose)].team == team);
  CHECK(totals(csv, li).cost == 2'000'000);
  // JSON escapes decode to the same UTF-8 person.
  const std::string rec = R"({"date":"2026-05-04T00:00:00Z","actor":{"type":"user_actor","email_address":"jos\u00e9.m\u00fcller@b\u00fccher.de"},"model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":1,"output":0,"cache_read":0,"cache_creation":0},"estimated_cost":{"currency":"USD","amount":5}}]})";
  const auto json = read_text(rec + "\n", "utf8.jsonl");
  check_accounting(json.report());
  CHECK(json.find_person(jose));
  // The identity map joins a UTF-8 identity to a UTF-8 person.
  const auto map = IdentityMap::from_string("identity,person\n" + li + ",Li Lei\n", "map.csv");
  REQUIRE(map.find(li));
  CHECK(map.find(li)->person == "Li Lei");
  // And the audit renders them.
  const AuditResult res = run_audit(csv, AuditOptions{});
  const std::string j = audit_json(res, csv);
  CHECK(j.find(jose) != std::string::npos);
  CHECK(j.find(li) != std::string::npos);
}

TEST_CASE("hostile ingest: a name that is not UTF-8 is refused with its place or rendered without failing", "[ingest][hostile]") {
  // A Windows-1252 export from a spreadsheet: "José" with é as the single byte 0xE9.
  const auto ds = read_text("date,person,model,cost_usd\n2026-05-04,Jos\xE9,gpt-5,1\n2026-05-04,ana,gpt-5,1\n",
                            "latin1.csv");
  check_accounting(ds.report());
  if (ds.report().rejected > 0) {
    // Refused: the message names the file and the line.
    CHECK(ds.report().rejections.at(0).str().rfind("latin1.csv:2: ", 0) == 0);
    CHECK(ds.report().accepted == 1);
  }
  // Whatever was accepted must render: JSON output of a person name must not throw.
  const AuditResult res = run_audit(ds, AuditOptions{});
  CHECK_NOTHROW(audit_json(res, ds));
  std::ostringstream table, csv;
  CHECK_NOTHROW(write_audit_table(table, res, ds));
  CHECK_NOTHROW(write_person_period_csv(csv, res, ds));
}

TEST_CASE("hostile ingest: a catalog missing the model leaves its tokens unpriced and reported never free", "[ingest][hostile]") {
  const PricingCatalog only_haiku = PricingCatalog::from_yaml(
      YAML::Load("catalog: {date: 2026-08-21}\nmodels:\n  claude-haiku-4-5: {input: 1, output: 5}\n"), "haiku-only.yaml");
  Ingestor ing(only_haiku);
  ing.read_string("date,person,model,input_tokens,output_tokens,cost_usd\n"
                  "2026-05-04,a,claude-opus-4-7,1000,10,\n"        // unpriced: no cost, unknown model
                  "2026-05-04,a,claude-opus-4-7-20260101,5,5,\n"   // a dated id of the same model
                  "2026-05-04,b,claude-opus-4-7,1000,10,0.5\n"     // exported cost: counted
                  "2026-05-04,b,claude-haiku-4-5,1000000,0,\n",    // priced from the catalog
                  "usage.csv");
  const auto ds = ing.finish();
  check_accounting(ds.report());
  CHECK(ds.report().accepted == 4);
  CHECK(totals(ds, "a").cost == 0);
  CHECK(totals(ds, "a").unpriced == 1020);
  CHECK(totals(ds, "b").cost == 500'000 + 1'000'000);
  std::uint64_t unknown = 0;
  for (const auto& [model, u] : ds.report().unknown_models) unknown += u.tokens;
  CHECK(unknown == 1020);
  CHECK(ds.report().unknown_models.count("claude-opus-4-7") == 1);
  // The audit says so rather than showing a cheap person.
  const AuditResult res = run_audit(ds, AuditOptions{});
  CHECK(res.total.unpriced_tokens == 1020);
  bool noted = false;
  for (const auto& n : res.notes) noted = noted || n.find("1020") != std::string::npos;
  CHECK(noted);
}
