// Ingest plumbing shared by every reader: the CSV tokenizer across buffer boundaries, the
// identity map, format names, directory walking, unknown models and streaming from chunks.
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <tuple>

#include "goodhart/engine/canonical_csv.hpp"
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

namespace {
std::vector<std::vector<std::string>> tokenize(const std::string& text, std::size_t chunk,
                                               std::vector<std::string>* errors = nullptr,
                                               std::vector<long long>* lines = nullptr) {
  std::size_t pos = 0;
  // Hands out at most 5 bytes per call so records straddle refills.
  CsvReader csv(
      [&](char* dst, std::size_t cap) {
        const std::size_t n = std::min({cap, text.size() - pos, std::size_t{5}});
        std::memcpy(dst, text.data() + pos, n);
        pos += n;
        return n;
      },
      chunk);
  std::vector<std::vector<std::string>> rows;
  while (csv.next()) {
    if (!csv.error().empty()) {
      if (errors) errors->push_back(csv.error());
      continue;
    }
    rows.emplace_back(csv.fields().begin(), csv.fields().end());
    if (lines) lines->push_back(csv.line());
  }
  return rows;
}
}  // namespace

TEST_CASE("csv tokenizer: RFC 4180 quoting with records straddling tiny buffers", "[ingest][csv]") {
  const std::string text =
      "a,b,c\r\n\"x,1\",\"he said \"\"hi\"\"\",\r\n\"multi\nline\",2,3\n\n,,\nlast,\"\",z";
  for (std::size_t chunk : {std::size_t{64}, std::size_t{1} << 20}) {
    std::vector<long long> lines;
    const auto rows = tokenize(text, chunk, nullptr, &lines);
    REQUIRE(rows.size() == 5);
    CHECK(rows[0] == std::vector<std::string>{"a", "b", "c"});
    CHECK(rows[1] == std::vector<std::string>{"x,1", "he said \"hi\"", ""});
    CHECK(rows[2] == std::vector<std::string>{"multi\nline", "2", "3"});
    CHECK(rows[3] == std::vector<std::string>{"", "", ""});
    CHECK(rows[4] == std::vector<std::string>{"last", "", "z"});
    // Line numbers count physical lines: the quoted newline and the blank line included.
    CHECK(lines == std::vector<long long>{1, 2, 3, 6, 7});
  }
}

TEST_CASE("csv tokenizer: a record longer than the buffer grows it", "[ingest][csv]") {
  const std::string big(5000, 'q');
  const auto rows = tokenize("h\n\"" + big + "\"\n" + big + "\n", 64);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][0] == big);
  CHECK(rows[2][0] == big);
}

TEST_CASE("csv tokenizer: malformed records are reported and reading resumes", "[ingest][csv]") {
  std::vector<std::string> errors;
  const auto rows = tokenize("a,b\nx\"y,1\nok,2\n\"open,3\nnever closed", 64, &errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].starts_with("quote inside an unquoted field 1"));
  CHECK(errors[1].starts_with("unterminated quoted field"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1] == std::vector<std::string>{"ok", "2"});
}

TEST_CASE("format names round-trip and accept underscores", "[ingest]") {
  for (int i = 0; i < kExportFormats; ++i) {
    const auto f = static_cast<ExportFormat>(i);
    CHECK(parse_format_name(format_name(f)) == f);
  }
  CHECK(parse_format_name("claude_code") == ExportFormat::claude_code);
  CHECK_FALSE(parse_format_name("excel"));
}

TEST_CASE("identity map: errors carry file:line", "[ingest][identity]") {
  CHECK_THROWS_WITH(IdentityMap::from_string("who,what\n", "m.csv"),
                    "m.csv:1: identity map header must name at least 'identity' and 'person' columns");
  CHECK_THROWS_WITH(IdentityMap::from_string("identity,person\na,p\na,q\n", "m.csv"),
                    "m.csv:3: identity 'a' is mapped twice, differently");
  CHECK_THROWS_WITH(IdentityMap::from_string("identity,person,team\n,p,t\n", "m.csv"),
                    "m.csv:2: identity and person must not be empty");
  const auto m = IdentityMap::from_string("person,identity\np,a\np,b\n", "m.csv");
  CHECK(m.size() == 2);
  REQUIRE(m.find("b"));
  CHECK(m.find("b")->person == "p");
}

TEST_CASE("identity map: unmapped identities are counted", "[ingest][identity]") {
  const auto map = IdentityMap::from_string("identity,person,team\nalice@corp.com,Alice,blue\n", "m.csv");
  IngestOptions opt;
  opt.identities = &map;
  const auto ds = read_files({data("litellm/spend_logs.csv")}, opt);
  CHECK(ds.report().unmapped_identities == 1);
  CHECK(ds.report().unmapped_examples == std::vector<std::string>{"bob@corp.com"});
  CHECK(ds.people()[*ds.find_person("Alice")].team == "blue");  // the map wins over team_id
}

TEST_CASE("directories: recursive, sorted, only export extensions", "[ingest]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("goodhart_ingest_dir_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  fs::copy_file(data("canonical/sample.csv"), dir / "sub" / "b.csv");
  fs::copy_file(data("litellm/daily_user_spend.csv"), dir / "a.csv");
  std::ofstream(dir / "README.txt") << "not an export";
  std::ofstream(dir / ".hidden.csv") << "garbage";
  const auto ds = read_files({dir.string()});
  check_accounting(ds.report());
  REQUIRE(ds.report().files.size() == 2);
  CHECK(ds.report().files[0].file.ends_with("a.csv"));
  CHECK(ds.report().files[1].file.ends_with("b.csv"));
  CHECK(totals(ds).cost == 3'000'000 + 2'012'346);
  bool noted = false;
  for (const auto& n : ds.report().notes) noted = noted || n.find("1 file(s) without") != std::string::npos;
  CHECK(noted);
  fs::remove_all(dir);
}

TEST_CASE("a missing file is an input error naming it", "[ingest]") {
  CHECK_THROWS_WITH(read_files({"/nonexistent/usage.json"}),
                    "/nonexistent/usage.json: cannot open: No such file or directory");
}

TEST_CASE("rejections beyond the kept maximum are still counted", "[ingest]") {
  std::string text = "date,person,model,cost_usd\n";
  for (int i = 0; i < 50; ++i) text += "bad-date,p,m,1\n";
  Ingestor ing(catalog(), IngestOptions{std::nullopt, nullptr, 10});
  ing.read_string(text, "many.csv");
  const auto ds = ing.finish();
  check_accounting(ds.report());
  CHECK(ds.report().rejected == 50);
  CHECK(ds.report().rejections.size() == 10);
  CHECK(ds.report().rejections_not_kept == 40);
}

TEST_CASE("JSON Lines longer than the read buffer stream through", "[ingest]") {
  // 30k records (~4 MB) exceed the 1 MiB line buffer several times over.
  std::string text;
  for (int i = 0; i < 30000; ++i)
    text += R"({"date":"2025-09-01T00:00:00Z","actor":{"type":"user_actor","email_address":"u)" + std::to_string(i % 300) +
            R"(@x"},"terminal_type":"t)" + std::to_string(i) +
            R"(","model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":1,"output":1,"cache_read":0,"cache_creation":0},"estimated_cost":{"currency":"USD","amount":1}}]})" + "\n";
  const auto ds = read_text(text, "big.jsonl");
  check_accounting(ds.report());
  CHECK(ds.report().accepted == 30000);
  CHECK(ds.people().size() == 300);
  CHECK(totals(ds).cost == 30000 * 10'000);
  CHECK(ds.rows().size() == 300 * 2);  // one outcomes row and one model row per person-day
}

TEST_CASE("unix seconds give the UTC day by floor division for every int64", "[ingest][dates]") {
  // Worked by hand: 1756771200 is 2025-09-02T00:00:00Z; one second before is 2025-09-01.
  CHECK(date_from_unix_seconds(1756771200)->iso() == "2025-09-02");
  CHECK(date_from_unix_seconds(1756771199)->iso() == "2025-09-01");
  CHECK(date_from_unix_seconds(0)->iso() == "1970-01-01");
  CHECK(date_from_unix_seconds(-1)->iso() == "1969-12-31");
  CHECK(date_from_unix_seconds(-86400)->iso() == "1969-12-31");
  CHECK(date_from_unix_seconds(-86401)->iso() == "1969-12-30");
  CHECK_FALSE(date_from_unix_seconds(std::numeric_limits<std::int64_t>::min()));
  CHECK_FALSE(date_from_unix_seconds(std::numeric_limits<std::int64_t>::max()));
  CHECK(parse_timestamp_date("-9223372036854775808") == std::nullopt);
  CHECK(parse_timestamp_date("1756771200")->iso() == "2025-09-02");
}

TEST_CASE("rows come out by day, person name and model name whatever the input order", "[ingest]") {
  // Records of 3 days x 4 people x 3 models, written (a) by day and person with the models of
  // each person-day in a scrambled order, as exports usually are, and (b) fully shuffled.
  const std::vector<std::string> people = {"dora", "abe", "cy", "bo"}, models = {"claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"};
  std::vector<UsageRecord> recs;
  for (int d = 0; d < 3; ++d)
    for (const auto& p : people)
      for (const auto& m : models) {
        UsageRecord r;
        r.day = *parse_date("2026-03-02") + d;
        r.person = p;
        r.model = m;
        r.tokens[TokenType::input] = 1000 * (d + 1) + p.size() * 10 + m.size();
        recs.push_back(r);
      }
  auto read_in = [&](const std::vector<UsageRecord>& order) {
    std::ostringstream out;
    CanonicalCsvWriter w(out);
    for (const auto& r : order) w.write(r);
    return read_text(out.str(), "rows.csv");
  };
  auto by_day_person = recs;  // people already in name order within each day, models not
  std::stable_sort(by_day_person.begin(), by_day_person.end(), [](const UsageRecord& a, const UsageRecord& b) {
    return std::tie(a.day.days, a.person) < std::tie(b.day.days, b.person);
  });
  auto shuffled = recs;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  for (const auto* order : {&recs, &by_day_person, &shuffled}) {
    const UsageDataset ds = read_in(*order);
    REQUIRE(ds.rows().size() == recs.size());
    std::vector<std::tuple<int, std::string, std::string, std::uint64_t>> got, want;
    for (const auto& r : ds.rows())
      got.emplace_back(r.day.days, ds.people()[r.person].name, ds.models()[r.model], r.tokens[TokenType::input]);
    for (const auto& r : recs) want.emplace_back(r.day.days, r.person, r.model, r.tokens[TokenType::input]);
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}

TEST_CASE("requests of one person-day-model add into one row in any order", "[ingest]") {
  // LiteLLM requests, several per person-day-model key, read (a) by day with each day's
  // requests shuffled, (b) fully shuffled, (c) days backwards, (d) by day with one request of
  // the first day moved to the end: the first row of an earlier day changes how rows are
  // found, after which keys of every day must still meet their rows.
  struct Req {
    int day, person, model, tokens;
  };
  std::vector<Req> reqs;
  std::mt19937 g(11);
  for (int d = 0; d < 4; ++d)
    for (int p = 0; p < 5; ++p)
      for (int m = 0; m < 3; ++m)
        for (int k = 0; k < 1 + (d + p + m) % 3; ++k) reqs.push_back(Req{d, p, m, 1 + static_cast<int>(g() % 1000)});
  std::map<std::tuple<int, std::string, std::string>, std::uint64_t> want;
  const std::vector<std::string> models = {"claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"};
  auto person = [](int p) { return "p" + std::to_string(p) + "@corp.com"; };
  for (const Req& r : reqs) want[{r.day, person(r.person), models[r.model]}] += r.tokens;
  auto read_in = [&](const std::vector<Req>& order) {
    std::string text = "request_id,api_key,spend,prompt_tokens,completion_tokens,startTime,model,user,team_id,session_id,status\n";
    int id = 0;
    for (const Req& r : order)
      text += "r" + std::to_string(id++) + ",k,0.001," + std::to_string(r.tokens) + ",0,2026-03-0" +
              std::to_string(2 + r.day) + " 10:00:00," + models[r.model] + "," + person(r.person) + ",t,s,success\n";
    return read_text(text, "requests.csv");
  };
  auto by_day = reqs;
  for (int d = 0; d < 4; ++d) {
    auto first = std::find_if(by_day.begin(), by_day.end(), [d](const Req& r) { return r.day == d; });
    auto last = std::find_if(first, by_day.end(), [d](const Req& r) { return r.day != d; });
    std::shuffle(first, last, g);
  }
  auto shuffled = reqs;
  std::shuffle(shuffled.begin(), shuffled.end(), g);
  auto backwards = by_day;
  std::stable_sort(backwards.begin(), backwards.end(), [](const Req& a, const Req& b) { return a.day > b.day; });
  auto late = by_day;
  std::rotate(late.begin(), late.begin() + 1, late.end());
  for (const auto* order : {&by_day, &shuffled, &backwards, &late}) {
    const UsageDataset ds = read_in(*order);
    REQUIRE(ds.report().accepted == static_cast<std::int64_t>(reqs.size()));
    std::map<std::tuple<int, std::string, std::string>, std::uint64_t> got;
    for (const auto& r : ds.rows())
      got[{r.day.days - parse_date("2026-03-02")->days, ds.people()[r.person].name, ds.models()[r.model]}] +=
          r.tokens[TokenType::input];
    CHECK(ds.rows().size() == want.size());  // one row per key
    CHECK(got == want);
  }
}
