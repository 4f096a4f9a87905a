// LiteLLM readers: SpendLogs aggregated from requests to person-day-model (sessions counted
// once, failures counted, exact spend), daily tables, malformed rows with file:line.
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

TEST_CASE("litellm spend logs: requests aggregate to person-day-model with exact spend", "[ingest][litellm]") {
  const auto ds = read_files({data("litellm/spend_logs.csv")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::litellm_spend_logs);
  CHECK(ds.report().records_read == 4);
  CHECK(ds.report().rejected == 0);
  const Totals alice = totals(ds, "alice@corp.com");
  // 0.0123 + 0.0001 + 1.2e-05 dollars.
  CHECK(alice.cost == 12'300 + 100 + 12);
  CHECK(alice.tokens[TokenType::input] == 1030);
  CHECK(alice.tokens[TokenType::output] == 520);
  CHECK(alice.requests == 3);
  CHECK(alice.failed == 1);
  CHECK(alice.outcomes.sessions == 2);  // s1 twice, s2 once
  // Three requests of one person-day-model make one row.
  std::size_t alice_rows = 0;
  for (const auto& r : ds.rows()) alice_rows += ds.people()[r.person].name == "alice@corp.com";
  CHECK(alice_rows == 1);
  CHECK(ds.people()[*ds.find_person("alice@corp.com")].team == "team-a");
  // No spend recorded: gpt-5 1M in x $1.25 + 100k out x $10 = $2.25 from the catalog.
  CHECK(totals(ds, "bob@corp.com").cost == 2'250'000);
}

TEST_CASE("litellm daily table: cache tokens split out of prompt_tokens, rows summed", "[ingest][litellm]") {
  const auto ds = read_files({data("litellm/daily_user_spend.csv")});
  check_accounting(ds.report());
  CHECK(ds.report().files[0].format == ExportFormat::litellm_daily);
  CHECK(ds.report().records_read == 3);
  const Totals alice = totals(ds, "alice@corp.com");
  CHECK(alice.tokens[TokenType::input] == 1000 + 100);
  CHECK(alice.tokens[TokenType::cache_read] == 8000);
  CHECK(alice.tokens[TokenType::cache_write_5m] == 2000);
  CHECK(alice.cost == 750'000);
  CHECK(alice.requests == 11);
  CHECK(alice.failed == 1);
  CHECK(totals(ds, "bob@corp.com").cost == 2'250'000);
}

TEST_CASE("litellm: request ids identify duplicates across files", "[ingest][litellm]") {
  const auto ds = read_files({data("litellm/spend_logs.csv"), data("litellm/spend_logs.csv")});
  check_accounting(ds.report());
  CHECK(ds.report().duplicates == 4);
  CHECK(totals(ds, "alice@corp.com").cost == 12'412);
}

namespace {
const std::string kHeader =
    "request_id,api_key,spend,prompt_tokens,completion_tokens,startTime,model,user,team_id,session_id,status\n";
}

TEST_CASE("litellm: malformed rows are rejected with file:line: reason", "[ingest][litellm][malformed]") {
  struct Case {
    std::string row;
    std::string message;
  };
  const std::vector<Case> cases{
      {"r1,k,abc,1,1,2025-09-01 10:00:00,gpt-5,u,t,s,success", "ll.csv:2: column 'spend' is not a decimal amount: 'abc'"},
      {"r1,k,0.1,1,1,not-a-time,gpt-5,u,t,s,success", "ll.csv:2: startTime is not a timestamp: 'not-a-time'"},
      {"r1,k,0.1,1,1", "ll.csv:2: expected 11 fields as in the header, found 5"},
      {"r1,k,0.1,-4,1,2025-09-01 10:00:00,gpt-5,u,t,s,success", "ll.csv:2: column 'prompt_tokens' must not be negative: '-4'"},
      {"r1,k,0.1,1.5,1,2025-09-01 10:00:00,gpt-5,u,t,s,success", "ll.csv:2: column 'prompt_tokens' is not a whole number: '1.5'"},
      {"r1,k,-0.1,1,1,2025-09-01 10:00:00,gpt-5,u,t,s,success", "ll.csv:2: column 'spend' is negative"},
      {"r1,k,0.1,1,1,2025-09-01 10:00:00,\"gpt-5,u,t,s,success",
       "ll.csv:2: unterminated quoted field (the quote opened on this line is never closed)"},
      {"r1,k,0.1,1,1,2025-09-01 10:00:00,gp\"t-5,u,t,s,success",
       "ll.csv:2: quote inside an unquoted field 7 (fields containing quotes must be quoted, with quotes doubled)"},
      {"r1,k,0.1,1,1,2025-09-01 10:00:00,\"gpt-5\"x,u,t,s,success",
       "ll.csv:2: unexpected character after a closing quote in field 7"},
  };
  for (const auto& c : cases) {
    INFO(c.row);
    const auto ds = read_text(kHeader + c.row + "\n", "ll.csv");
    CHECK(ds.report().records_read == 1);
    CHECK(only_rejection(ds) == c.message);
    CHECK(ds.rows().empty());
  }
}

TEST_CASE("litellm: after a malformed row the next rows are read with right line numbers", "[ingest][litellm][malformed]") {
  const std::string text = kHeader + "r1,k,0.1,1,1,2025-09-01 10:00:00,\"gpt\"x,u,t,s,success\n" +
                           "r2,k,0.25,1,1,2025-09-01 10:00:00,\"gpt-5\nwith newline\",u,t,s,success\n" +
                           "r3,k,x,1,1,2025-09-01 10:00:00,gpt-5,u,t,s,success\n" +
                           "r4,k,0.5,1,1,2025-09-01 10:00:00,gpt-5,u,t,s,success\n";
  const auto ds = read_text(text, "ll.csv");
  check_accounting(ds.report());
  CHECK(ds.report().records_read == 4);
  CHECK(ds.report().accepted == 2);
  REQUIRE(ds.report().rejections.size() == 2);
  CHECK(ds.report().rejections[0].where.line == 2);
  CHECK(ds.report().rejections[1].str() == "ll.csv:5: column 'spend' is not a decimal amount: 'x'");
  CHECK(totals(ds).cost == 750'000);
  CHECK(ds.find_model("gpt-5\nwith newline").has_value());  // quoted newline kept in the field
}

TEST_CASE("litellm daily: a missing required column is an input error", "[ingest][litellm][malformed]") {
  CHECK(input_error("user_id,date,spend,api_requests\nu,2025-09-01,1,1\n", "d.csv") ==
        "d.csv:1: LiteLLM daily spend header lacks required column(s): model");
  CHECK(input_error("user_id,date,spend,api_requests,model\nu,2025-09-01,1,1,m\n", "d.csv",
                    ExportFormat::litellm_spend_logs) ==
        "d.csv:1: LiteLLM SpendLogs header lacks required column(s): starttime");
}

TEST_CASE("litellm daily: bad dates and counts are rejected per row", "[ingest][litellm][malformed]") {
  const std::string h = "user_id,date,model,prompt_tokens,completion_tokens,spend,api_requests,failed_requests\n";
  CHECK(only_rejection(read_text(h + "u,09/01/2025,m,1,1,0.1,1,0\n", "d.csv")) ==
        "d.csv:2: date is not YYYY-MM-DD: '09/01/2025'");
  CHECK(only_rejection(read_text(h + "u,2025-09-01,m,1,1,0.1,one,0\n", "d.csv")) ==
        "d.csv:2: column 'api_requests' is not a whole number: 'one'");
}
