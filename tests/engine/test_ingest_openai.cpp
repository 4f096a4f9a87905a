// OpenAI organisation API readers: usage/completions (cached tokens inside input_tokens)
// priced from the catalog, costs in dollars, malformed results with locations.
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

TEST_CASE("openai usage: cached input is split out of input_tokens and priced", "[ingest][openai]") {
  const auto ds = read_files({data("openai/usage_page.json")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::openai_usage);
  CHECK(ds.report().records_read == 2);
  const Totals alice = totals(ds, "user-alice");
  CHECK(alice.tokens[TokenType::input] == 600'000);
  CHECK(alice.tokens[TokenType::cache_read] == 400'000);
  // gpt-5: 600k x $1.25 + 400k x $0.125 + 100k x $10 per million = $1.80.
  CHECK(alice.cost == 1'800'000);
  CHECK(alice.requests == 42);
  // gpt-5-mini batch: 2M x $0.25 x 50 % = $0.25.
  CHECK(totals(ds, "user-bob").cost == 250'000);
  CHECK(ds.first_day() == *parse_date("2025-09-01"));  // start_time 1756684800
}

TEST_CASE("openai costs: dollar values as numbers or strings, exactly", "[ingest][openai]") {
  const auto ds = read_files({data("openai/costs_page.json")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::openai_costs);
  MicroUsd total = 0;
  for (const auto& l : ds.org_costs()) total += l.cost;
  // 0.06 + 12.3456789 (rounded half up at the micro-dollar) = 12.405679.
  CHECK(total == 60'000 + 12'345'679);
  REQUIRE(ds.org_costs().size() == 2);
  CHECK(ds.org_costs()[0].scope == "proj_abc");
}

namespace {
std::string bucket(const std::string& result) {
  return R"({"object":"page","data":[{"object":"bucket","start_time":1756684800,"end_time":1756771200,"results":[)" +
         result + "]}],\"has_more\":false,\"next_page\":null}";
}
}  // namespace

TEST_CASE("openai: malformed results are rejected with file:record: reason", "[ingest][openai][malformed]") {
  struct Case {
    std::string result;
    std::string message;
  };
  const std::vector<Case> cases{
      {R"({"input_tokens":10,"input_cached_tokens":20,"output_tokens":1,"num_model_requests":1,"model":"gpt-5"})",
       "oa.json:1: data[0].results[0]: input_cached_tokens + input_cache_write_tokens (20) exceed input_tokens (10), which include them"},
      {R"({"input_tokens":10,"output_tokens":1,"num_model_requests":1,"model":"gpt-5","batch":"yes"})",
       "oa.json:1: data[0].results[0]: 'batch' must be true or false, not a string"},
      {R"({"input_tokens":1e400,"output_tokens":1,"num_model_requests":1,"model":"gpt-5"})",
       "oa.json:1: data[0].results[0]: 'input_tokens': not a valid number (or out of range)"},
      {R"({"amount":{"value":1.5,"currency":"eur"},"line_item":"gpt-5, input"})",
       "oa.json:1: data[0].results[0]: amount.currency is 'eur': only USD amounts can be added up"},
      {R"({"amount":1.5,"line_item":"gpt-5, input"})",
       "oa.json:1: data[0].results[0]: 'amount' must be an object {value, currency}, not a number"},
      {R"({"amount":{"currency":"usd"},"line_item":"gpt-5, input"})",
       "oa.json:1: data[0].results[0]: missing 'amount.value'"},
  };
  for (const auto& c : cases) {
    INFO(c.result);
    const auto ds = read_text(bucket(c.result), "oa.json");
    CHECK(ds.report().records_read == 1);
    CHECK(only_rejection(ds) == c.message);
    CHECK(ds.rows().empty());
  }
}

TEST_CASE("openai: buckets as JSON Lines, one bucket per line", "[ingest][openai]") {
  const std::string line1 =
      R"({"object":"bucket","start_time":1756684800,"end_time":1756771200,"results":[{"input_tokens":1000000,"output_tokens":0,"num_model_requests":1,"user_id":"u","model":"gpt-5"}]})";
  const std::string line2 =
      R"({"object":"bucket","start_time":1756771200,"end_time":1756857600,"results":[{"input_tokens":1000000,"output_tokens":0,"num_model_requests":1,"user_id":"u","model":"gpt-5"},{"input_tokens":-1,"output_tokens":0,"user_id":"v","model":"gpt-5"}]})";
  const auto ds = read_text(line1 + "\n" + line2 + "\n", "b.jsonl");
  check_accounting(ds.report());
  CHECK(ds.report().records_read == 3);
  CHECK(totals(ds).cost == 2'500'000);
  REQUIRE(ds.report().rejections.size() == 1);
  CHECK(ds.report().rejections[0].str() == "b.jsonl:2: results[1]: 'input_tokens' must not be negative (-1)");
}
