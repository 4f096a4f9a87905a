// Canonical CSV: the writer and reader round-trip exactly (money to the micro-dollar),
// header lookup by name in any order, quoting, truth columns, malformed rows.
#include <sstream>

#include "goodhart/engine/canonical_csv.hpp"
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

TEST_CASE("canonical: sample file totals, quoting and truth", "[ingest][canonical]") {
  const auto ds = read_files({data("canonical/sample.csv")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::canonical);
  CHECK(ds.report().records_read == 3);
  // 0.012345 exported + haiku 1M input tokens priced at $1 + 1.000001 exported.
  CHECK(totals(ds, "ana@corp.com").cost == 12'345 + 1'000'000);
  CHECK(totals(ds, "Doe, John").cost == 1'000'001);
  CHECK(totals(ds).truth == 500'010);
  CHECK(ds.has_truth());
  const auto& ana = ds.people()[*ds.find_person("ana@corp.com")];
  CHECK(ana.team == "platform");
  CHECK(ana.cohort == "engineers");
  CHECK(totals(ds, "ana@corp.com").outcomes.pull_requests == 1);
}

TEST_CASE("canonical: writer output reads back to the same records", "[ingest][canonical]") {
  std::ostringstream out;
  CanonicalCsvWriter w(out);
  UsageRecord a;
  a.day = *parse_date("2026-01-31");
  a.person = "x \"quoted\", person";
  a.team = "t";
  a.cohort = "engineers";
  a.model = "claude-opus-4-7";
  a.tokens[TokenType::input] = 123456789;
  a.tokens[TokenType::cache_write_1h] = 7;
  a.cost = 987'654'321;  // $987.654321
  a.outcomes.commits = 3;
  a.outcomes.edits_accepted = 9;
  a.requests = 11;
  a.failed_requests = 2;
  a.gaming_tokens_truth = 100;
  w.write(a);
  UsageRecord b = a;
  b.person = "y";
  b.cost.reset();  // priced on reading
  b.tokens = {};
  b.tokens[TokenType::output] = 1'000'000;
  b.gaming_tokens_truth = 0;
  w.write(b);
  CHECK(w.rows() == 2);
  CHECK(out.str().find("987.654321") != std::string::npos);

  const auto ds = read_text(out.str(), "rt.csv");
  check_accounting(ds.report());
  CHECK(ds.report().accepted == 2);
  const Totals ta = totals(ds, a.person);
  CHECK(ta.cost == 987'654'321);
  CHECK(ta.tokens[TokenType::input] == 123456789);
  CHECK(ta.tokens[TokenType::cache_write_1h] == 7);
  CHECK(ta.outcomes.commits == 3);
  CHECK(ta.outcomes.edits_accepted == 9);
  CHECK(ta.requests == 11);
  CHECK(ta.failed == 2);
  CHECK(ta.truth == 100);
  CHECK(totals(ds, "y").cost == 25'000'000);  // opus 4.7 output: 1M x $25
  CHECK(ds.has_truth());
}

TEST_CASE("canonical: micro-dollar formatting is exact, including negatives", "[ingest][canonical]") {
  CHECK(format_micro_usd(0) == "0.000000");
  CHECK(format_micro_usd(1) == "0.000001");
  CHECK(format_micro_usd(-1) == "-0.000001");
  CHECK(format_micro_usd(12'345'678'901) == "12345.678901");
  for (MicroUsd m : {MicroUsd{0}, MicroUsd{1}, MicroUsd{999'999}, MicroUsd{1'000'000}, MicroUsd{123'456'789'012}})
    CHECK(parse_decimal_micro(format_micro_usd(m), kMicroPerUsd) == m);
}

TEST_CASE("canonical: any column order, extra columns ignored, CRLF, BOM, optional columns", "[ingest][canonical]") {
  const std::string text =
      "\xEF\xBB\xBF" "note,model,person,date,cost_usd,extra\r\n"
      "hello,claude-opus-4-7,p1,2026-05-04,2.5,zzz\r\n"
      "\"multi\r\nline\",claude-opus-4-7,p2,2026-05-05,0.000001,\r\n";
  const auto ds = read_text(text, "any.csv");
  check_accounting(ds.report());
  CHECK(ds.report().accepted == 2);
  CHECK(totals(ds, "p1").cost == 2'500'000);
  CHECK(totals(ds, "p2").cost == 1);
  CHECK_FALSE(ds.has_truth());  // no truth column: real data
}

TEST_CASE("canonical: malformed rows are rejected with file:line: reason", "[ingest][canonical][malformed]") {
  const std::string h = "date,person,model,input_tokens,output_tokens,cost_usd,requests,failed_requests,gaming_tokens_truth\n";
  struct Case {
    std::string row;
    std::string message;
  };
  const std::vector<Case> cases{
      {"2026-05-04,p,m,1,1,-0.5,1,0,", "c.csv:2: cost_usd is negative"},
      {"2026-05-04,p,m,1,1,0.5,1,0,3", "c.csv:2: gaming_tokens_truth (3) exceeds the row's tokens (2)"},
      {"2026-05-04,,m,1,1,0.5,1,0,", "c.csv:2: person is empty"},
      {"2026-5-4,p,m,1,1,0.5,1,0,", "c.csv:2: date is not YYYY-MM-DD: '2026-5-4'"},
      {"2026-02-30,p,m,1,1,0.5,1,0,", "c.csv:2: date is not YYYY-MM-DD: '2026-02-30'"},
      {"2026-05-04,p,m,1,1,$0.50,1,0,", "c.csv:2: column 'cost_usd' is not a decimal amount: '$0.50'"},
      {"2026-05-04,p,m,1,1,0.5,1,2,", "c.csv:2: failed_requests (2) exceed requests (1)"},
      {"2026-05-04,p,m,99999999999999999999,1,0.5,1,0,", "c.csv:2: column 'input_tokens' is not a whole number: '99999999999999999999'"},
      {"2026-05-04,p,m,2000000000000000,1,,1,0,",
       "c.csv:2: input tokens 2000000000000000 exceed 10^15, more than any real export holds in one record"},
      {"2026-05-04,p,m,1,1,2000000000000,1,0,", "c.csv:2: cost $2,000,000,000,000.00 exceeds a trillion dollars in one record"},
  };
  for (const auto& c : cases) {
    INFO(c.row);
    const auto ds = read_text(h + c.row + "\n", "c.csv");
    CHECK(only_rejection(ds) == c.message);
    CHECK(ds.rows().empty());
  }
}

TEST_CASE("canonical: a person-day-model twice is a duplicate, reported with both places", "[ingest][canonical][malformed]") {
  const std::string text = "date,person,model,cost_usd\n2026-05-04,p,m,1\n2026-05-04,p,m,1\n2026-05-04,p,other,1\n";
  const auto ds = read_text(text, "d.csv");
  CHECK(only_rejection(ds) ==
        "d.csv:3: duplicate of an earlier record in this file (same identity, day and grouping); not counted twice");
  CHECK(ds.report().duplicates == 1);
  CHECK(totals(ds).cost == 2'000'000);
}

TEST_CASE("canonical: a header naming no known export is an input error", "[ingest][canonical][malformed]") {
  CHECK(input_error("foo,bar\n1,2\n", "x.csv") ==
        "x.csv:1: CSV header matches no known export (columns: foo, bar); use --format or see docs/formats.md");
  CHECK(input_error("date,model\n2026-01-01,m\n", "x.csv", ExportFormat::canonical) ==
        "x.csv:1: canonical CSV header needs at least 'date' and 'person' columns");
}
