// Anthropic Admin API readers: usage_report/messages buckets priced from the catalog (with
// batch and US-inference modifiers), cost_report decimal-string cents, malformed results.
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

TEST_CASE("anthropic usage: documented buckets priced exactly from the catalog", "[ingest][anthropic]") {
  const auto ds = read_files({data("anthropic/usage_page.json")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::anthropic_usage);
  CHECK(ds.report().records_read == 3);  // the empty bucket holds no records
  CHECK(ds.report().rejected == 0);

  // Sonnet 4.5 per million: input $3, 5m write $3.75, 1h write $6, read $0.30, output $15.
  // 1500*3 + 500*3.75 + 1000*6 + 200*0.3 + 500*15 = 19935 millionths of a dollar.
  const Totals key = totals(ds, "apikey_01Rj2N8SVvo6BePZj99NhmiT");
  CHECK(key.cost == 19'935);
  CHECK(key.tokens[TokenType::cache_write_1h] == 1000);
  CHECK(key.tokens[TokenType::cache_write_5m] == 500);

  // Haiku: 1M in x $1 + 1M out x $5 = $6, batch 50 % and US-only 110 % -> $3.30.
  CHECK(totals(ds, "apikey_batchjobs").cost == 3'300'000);

  // A model the catalog lacks is reported with its tokens and not priced at zero.
  REQUIRE(ds.report().unknown_models.count("claude-mystery-9") == 1);
  CHECK(ds.report().unknown_models.at("claude-mystery-9").tokens == 110);
  CHECK(ds.report().unknown_models.at("claude-mystery-9").records == 1);
  const Totals mystery = totals(ds, "user_01ABC");
  CHECK(mystery.cost == 0);
  CHECK(mystery.unpriced == 110);
}

TEST_CASE("anthropic cost report: decimal strings in cents become exact micro-dollars", "[ingest][anthropic]") {
  const auto ds = read_files({data("anthropic/cost_page.json")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::anthropic_cost);
  CHECK(ds.report().records_read == 3);
  CHECK(ds.rows().empty());  // organisation-level cost has no person
  MicroUsd total = 0;
  for (const auto& l : ds.org_costs()) total += l.cost;
  // "123.45" cents = $1.2345; "0.01" cents = $0.0001; "1000" cents = $10.
  CHECK(total == 1'234'500 + 100 + 10'000'000);
  REQUIRE(ds.org_costs().size() == 3);
}

TEST_CASE("anthropic: results without grouping belong to the organisation", "[ingest][anthropic]") {
  const auto ds = read_text(R"({"data":[{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-01T01:00:00Z",
    "results":[{"uncached_input_tokens":1000000,"output_tokens":0,"cache_read_input_tokens":0,"model":"claude-opus-4-6"}]},
    {"starting_at":"2025-08-01T01:00:00Z","ending_at":"2025-08-01T02:00:00Z",
    "results":[{"uncached_input_tokens":1000000,"output_tokens":0,"cache_read_input_tokens":0,"model":"claude-opus-4-6"}]}]})",
                            "hourly.json");
  check_accounting(ds.report());
  // Two hourly buckets of one day are two records, not duplicates; they share a day row.
  CHECK(ds.report().duplicates == 0);
  REQUIRE(ds.rows().size() == 1);
  CHECK(ds.people()[ds.rows()[0].person].name == "(organization)");
  CHECK(ds.rows()[0].cost == 10'000'000);
}

namespace {
std::string usage_bucket(const std::string& result, const std::string& start = R"("starting_at":"2025-08-01T00:00:00Z",)") {
  return "{\"data\":[{" + start + "\"ending_at\":\"2025-08-02T00:00:00Z\",\"results\":[" + result + "]}]}";
}
}  // namespace

TEST_CASE("anthropic: malformed results are rejected with file:record: reason", "[ingest][anthropic][malformed]") {
  struct Case {
    std::string text;
    std::string message;
    std::optional<ExportFormat> fmt = std::nullopt;
  };
  const std::vector<Case> cases{
      {usage_bucket(R"({"uncached_input_tokens":1,"output_tokens":"100","model":"claude-opus-4-6"})"),
       "an.json:1: data[0].results[0]: 'output_tokens' must be a number, not a string"},
      {usage_bucket(R"({"uncached_input_tokens":1,"cache_creation":[1,2],"model":"claude-opus-4-6"})"),
       "an.json:1: data[0].results[0]: 'cache_creation' must be an object, not an array"},
      {usage_bucket(R"({"uncached_input_tokens":1,"model":"claude-opus-4-6"})", ""),
       "an.json:1: data[0].results[0]: bucket has neither 'starting_at' nor 'start_time'"},
      {usage_bucket(R"({"uncached_input_tokens":1,"model":"claude-opus-4-6"})", R"("starting_at":"August 1st",)"),
       "an.json:1: data[0].results[0]: 'bucket starting_at' is not an RFC 3339 date: 'August 1st'"},
      {usage_bucket(R"({"uncached_input_tokens":1,"model":7})"),
       "an.json:1: data[0].results[0]: 'model' must be a string, not a number"},
      {usage_bucket(R"({"amount":"12.5","currency":"EUR","cost_type":"tokens","model":"claude-opus-4-6"})"),
       "an.json:1: data[0].results[0]: currency is 'EUR': only USD amounts can be added up"},
      {usage_bucket(R"({"currency":"USD","cost_type":"tokens","model":"claude-opus-4-6"})"),
       "an.json:1: data[0].results[0]: missing 'amount'"},
      {usage_bucket(R"({"amount":"12,5","currency":"USD","cost_type":"tokens"})"),
       "an.json:1: data[0].results[0]: 'amount' is not a decimal amount: '12,5'"},
      {"{\"data\":[{\"starting_at\":\"2025-08-01T00:00:00Z\",\"results\":{\"a\":1}}]}",
       "an.json:1: data[0]: bucket's 'results' is missing or not an array", ExportFormat::anthropic_usage},
      {usage_bucket(R"("not a result")"), "an.json:1: data[0].results[0]: expected a result object, found a string",
       ExportFormat::anthropic_usage},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto ds = read_text(c.text, "an.json", c.fmt);
    CHECK(ds.report().records_read == 1);
    CHECK(only_rejection(ds) == c.message);
    CHECK(ds.rows().empty());
    CHECK(ds.org_costs().empty());
  }
}

TEST_CASE("anthropic: an empty bucket list and empty buckets are zero records", "[ingest][anthropic]") {
  const auto ds = read_text(R"({"data":[{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z","results":[]}],"has_more":false,"next_page":null})",
                            "empty.json");
  check_accounting(ds.report());
  CHECK(ds.report().records_read == 0);
  CHECK(ds.empty());
}

TEST_CASE("anthropic: a bucket line with a syntax error after its results is rejected", "[ingest][anthropic][malformed]") {
  // JSON Lines of bare buckets: the first line fixes the format; the second is broken after
  // the fields a bucket needs, where reading only those would not reach.
  const std::string bucket = R"({"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z","results":[{"uncached_input_tokens":1,"model":"claude-opus-4-6"}])";
  std::string other = bucket;
  other.replace(other.find("opus"), 4, "sonnet");  // not a duplicate of the first
  const auto ds = read_text(bucket + "}\n" + other + R"(,"a":1 "b":2})" + "\n", "an.jsonl");
  check_accounting(ds.report());
  CHECK(ds.report().accepted == 1);
  REQUIRE(ds.report().rejections.size() == 1);
  CHECK(ds.report().rejections[0].str().starts_with("an.jsonl:2: "));
  CHECK(ds.report().rejections[0].message.find("JSON") != std::string::npos);
}
