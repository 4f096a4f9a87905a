// Claude Code Analytics reader: documented page example, JSON Lines, pagination, empty
// pages, unknown and missing fields, exact cents, and malformed records with locations.
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

TEST_CASE("claude code: documented page example gives exact totals", "[ingest][claude_code]") {
  const auto ds = read_files({data("claude_code/page1.json")});
  check_accounting(ds.report());
  REQUIRE(ds.report().files.size() == 1);
  CHECK(ds.report().files[0].format == ExportFormat::claude_code);
  CHECK(ds.report().records_read == 2);
  CHECK(ds.report().rejected == 0);

  const Totals dev = totals(ds, "developer@company.com");
  CHECK(dev.cost == 10'250'000);  // 1025 cents = $10.25
  CHECK(dev.tokens[TokenType::input] == 100000);
  CHECK(dev.tokens[TokenType::output] == 35000);
  CHECK(dev.tokens[TokenType::cache_read] == 10000);
  CHECK(dev.tokens[TokenType::cache_write_5m] == 5000);
  CHECK(dev.outcomes.sessions == 5);
  CHECK(dev.outcomes.lines_added == 1543);
  CHECK(dev.outcomes.lines_removed == 892);
  CHECK(dev.outcomes.commits == 12);
  CHECK(dev.outcomes.pull_requests == 2);
  CHECK(dev.outcomes.edits_accepted == 45 + 12 + 8 + 3);
  CHECK(dev.outcomes.edits_rejected == 5 + 2 + 1 + 0);

  // 12.5 cents exported; haiku unpriced in the export: 1M in x $1 + 200k out x $5 + 500k
  // cache reads x $0.10 per million = $2.05 from the catalog.
  const Totals bot = totals(ds, "ci-bot");
  CHECK(bot.cost == 125'000 + 2'050'000);
  CHECK(bot.outcomes.edits_accepted == 3);  // unknown tool keys count too
  CHECK(bot.outcomes.edits_rejected == 3);
  // A model the catalog lacks is fine when the export carries its cost.
  CHECK(ds.report().unknown_models.empty());
  CHECK(ds.first_day() == *parse_date("2025-09-01"));
}

TEST_CASE("claude code: pages in a directory add up, empty page reads zero records", "[ingest][claude_code]") {
  const auto ds = read_files({data("claude_code")});
  check_accounting(ds.report());
  // Sorted names: empty_page.json, page1.json, page2.json, records.jsonl.
  REQUIRE(ds.report().files.size() == 4);
  CHECK(ds.report().files[0].file.ends_with("empty_page.json"));
  CHECK(ds.report().files[0].records_read == 0);
  CHECK_FALSE(ds.report().files[0].format.has_value());
  CHECK(ds.report().files[2].records_read == 2);
  CHECK(ds.report().files[3].records_read == 3);
  CHECK(ds.report().records_read == 7);
  CHECK(ds.report().rejected == 0);
  // "4.35" cents as a string, 0.03 and 1e2 cents as numbers.
  CHECK(totals(ds, "developer@company.com").cost == 10'250'000 + 43'500);
  CHECK(totals(ds, "a@x.com").cost == 300);
  CHECK(totals(ds, "b@x.com").cost == 1'000'000);
  CHECK(totals(ds).cost == 12'425'000 + 43'500 + 300 + 1'000'000);
  // A record without breakdown or metrics is still a person seen on that day.
  CHECK(ds.find_person("quiet@company.com").has_value());
  CHECK(ds.find_person("c@x.com").has_value());
  CHECK(ds.last_day() == *parse_date("2025-09-03"));
}

TEST_CASE("claude code: the identity map joins identities into people with teams", "[ingest][claude_code]") {
  const IdentityMap map = IdentityMap::load_file(data("map.csv"));
  IngestOptions opt;
  opt.identities = &map;
  const auto ds = read_files({data("claude_code/page1.json"), data("claude_code/page2.json")}, opt);
  check_accounting(ds.report());
  REQUIRE(ds.find_person("dev"));
  const auto& dev = ds.people()[*ds.find_person("dev")];
  CHECK(dev.team == "platform");
  CHECK(dev.cohort == "engineers");
  CHECK(totals(ds, "dev").cost == 12'425'000 + 43'500);
  CHECK_FALSE(ds.find_person("developer@company.com"));
  CHECK(ds.report().unmapped_identities == 0);
}

TEST_CASE("claude code: the same page read twice is reported as duplicates, not double counted", "[ingest][claude_code]") {
  const auto ds = read_files({data("claude_code/page1.json"), data("claude_code/page1.json")});
  check_accounting(ds.report());
  CHECK(ds.report().duplicates == 2);
  CHECK(ds.report().rejected == 2);
  CHECK(totals(ds).cost == 12'425'000);
  REQUIRE(ds.report().rejections.size() == 2);
  CHECK(ds.report().rejections[0].str() ==
        data("claude_code/page1.json") + ":1: duplicate of a record already read from " +
            data("claude_code/page1.json") + " (same identity, day and grouping); not counted twice");
}

TEST_CASE("claude code: local and remote rows of one actor-day add up", "[ingest][claude_code]") {
  const char* text = R"({"data":[
    {"date":"2025-09-01T00:00:00Z","actor":{"type":"user_actor","email_address":"u@x"},"is_remote":false,
     "model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":1,"output":0,"cache_read":0,"cache_creation":0},"estimated_cost":{"currency":"USD","amount":1}}]},
    {"date":"2025-09-01T00:00:00Z","actor":{"type":"user_actor","email_address":"u@x"},"is_remote":true,
     "model_breakdown":[{"model":"claude-opus-4-6","tokens":{"input":2,"output":0,"cache_read":0,"cache_creation":0},"estimated_cost":{"currency":"USD","amount":2}}]}
  ],"has_more":false,"next_page":null})";
  const auto ds = read_text(text, "split.json");
  check_accounting(ds.report());
  CHECK(ds.report().rejected == 0);
  CHECK(totals(ds).cost == 30'000);
  CHECK(totals(ds).tokens[TokenType::input] == 3);
}

TEST_CASE("claude code: a minified single-line page and a bare array are pages too", "[ingest][claude_code]") {
  const char* rec = R"({"date":"2025-09-01T00:00:00Z","actor":{"type":"user_actor","email_address":"u@x"}})";
  const auto one_line = read_text(std::string("{\"data\":[") + rec + "," + rec + "]}\n", "min.json");
  CHECK(one_line.report().records_read == 2);
  CHECK(one_line.report().duplicates == 1);
  CHECK(one_line.report().rejections[0].str() ==
        "min.json:2: duplicate of an earlier record in this file (same identity, day and grouping); not counted twice");
  const auto array = read_text(std::string("[\n") + rec + "\n]", "arr.json");
  CHECK(array.report().records_read == 1);
  CHECK(array.report().accepted == 1);
}

namespace {
// One record in a page, so the record number in every message is 1.
std::string page(const std::string& record) { return "{\"data\": [" + record + "], \"has_more\": false}"; }
const std::string kActor = R"("actor":{"type":"user_actor","email_address":"u@x.com"})";
const std::string kDate = R"("date":"2025-09-01T00:00:00Z")";
std::string breakdown(const std::string& entry) { return "\"model_breakdown\":[" + entry + "]"; }
}  // namespace

TEST_CASE("claude code: malformed records are rejected with file:record: reason", "[ingest][claude_code][malformed]") {
  struct Case {
    std::string record;
    std::string message;
  };
  const std::vector<Case> cases{
      {"{" + kActor + "}", "cc.json:1: missing 'date'"},
      {R"({"date":"yesterday",)" + kActor + "}", "cc.json:1: 'date' is not an RFC 3339 date: 'yesterday'"},
      {"{" + kDate + R"(,"terminal_type":"vscode"})", "cc.json:1: missing 'actor'"},
      {"{" + kDate + R"(,"actor":{"type":"user_actor"}})",
       "cc.json:1: actor has neither 'email_address' nor 'api_key_name' (type 'user_actor')"},
      {"{" + kDate + "," + kActor + "," +
           breakdown(R"({"model":"claude-opus-4-6","tokens":{"input":-5}})") + "}",
       "cc.json:1: 'model_breakdown[0].tokens.input' must not be negative (-5)"},
      {"{" + kDate + "," + kActor + "," +
           breakdown(R"({"model":"claude-opus-4-6","tokens":{"output":1.5}})") + "}",
       "cc.json:1: 'model_breakdown[0].tokens.output' must be a whole non-negative number, not 1.5"},
      {"{" + kDate + "," + kActor + "," +
           breakdown(R"({"model":"claude-opus-4-6","estimated_cost":{"currency":"EUR","amount":10}})") + "}",
       "cc.json:1: model_breakdown[0].estimated_cost.currency is 'EUR': only USD amounts can be added up"},
      {"{" + kDate + "," + kActor + "," +
           breakdown(R"({"model":"claude-opus-4-6","estimated_cost":{"currency":"USD","amount":"ten"}})") + "}",
       "cc.json:1: 'model_breakdown[0].estimated_cost.amount' is not a decimal amount: 'ten'"},
      {"{" + kDate + "," + kActor + "," +
           breakdown(R"({"model":"claude-opus-4-6","estimated_cost":{"currency":"USD","amount":-3}})") + "}",
       "cc.json:1: model_breakdown[0].estimated_cost.amount is negative"},
      {"{" + kDate + "," + kActor + R"(,"core_metrics":{"num_sessions":"5"}})",
       "cc.json:1: 'core_metrics.num_sessions' must be a number, not a string"},
      {"{" + kDate + "," + kActor + R"(,"model_breakdown":{"model":"x"}})",
       "cc.json:1: 'model_breakdown' must be an array, not an object"},
      {"{" + kDate + "," + kActor + "," + breakdown(R"({"tokens":{"input":1}})") + "}",
       "cc.json:1: model_breakdown[0] has no 'model'"},
      {"{" + kDate + "," + kActor + R"(,"tool_actions":{"edit_tool":{"accepted":true}}})",
       "cc.json:1: 'tool_actions.edit_tool.accepted' must be a number, not a boolean"},
      {"{" + kDate + R"(,"actor":"u@x.com"})", "cc.json:1: 'actor' must be an object, not a string"},
      {"42", "cc.json:1: expected a JSON object, found a number"},
      {R"({"name":"not an export"})",
       "cc.json:1: record matches no known export schema (no 'actor', 'core_metrics' or 'model_breakdown'; "
       "buckets need 'results'); use --format"},
  };
  for (const auto& c : cases) {
    INFO(c.record);
    const auto ds = read_text(page(c.record), "cc.json");
    CHECK(ds.report().records_read == 1);
    CHECK(ds.report().accepted == 0);
    CHECK(only_rejection(ds) == c.message);
    CHECK(ds.rows().empty());  // nothing of a rejected record is kept
  }
}

TEST_CASE("claude code: --format reads records whose keys alone are not decisive", "[ingest][claude_code][malformed]") {
  const auto ds = read_text(page("{" + kDate + "}"), "cc.json", ExportFormat::claude_code);
  CHECK(only_rejection(ds) == "cc.json:1: missing 'actor'");
}

TEST_CASE("claude code: a bad record among good ones only rejects itself", "[ingest][claude_code][malformed]") {
  const std::string good = "{" + kDate + "," + kActor + "," +
                           breakdown(R"({"model":"claude-opus-4-6","estimated_cost":{"currency":"USD","amount":7}})") + "}";
  const std::string bad = "{" + kDate + R"(,"actor":{"type":"api_actor","api_key_name":"k"},)" +
                          breakdown(R"({"model":"claude-opus-4-6","tokens":{"input":"many"}})") + "}";
  const auto ds = read_text("{\"data\":[" + good + "," + bad + "]}", "mix.json");
  CHECK(only_rejection(ds) == "mix.json:2: 'model_breakdown[0].tokens.input' must be a number, not a string");
  CHECK(ds.report().accepted == 1);
  CHECK(totals(ds).cost == 70'000);
}

TEST_CASE("claude code: JSON Lines reject bad lines by line number and go on", "[ingest][claude_code][malformed]") {
  const std::string good = "{" + kDate + "," + kActor + "}";
  const std::string text = good + "\n\n{\"date\": \"2025-09-02T00:00:00Z\", \"actor\": {\n" +
                           "{" + R"("date":"2025-09-03T00:00:00Z","actor":{"type":"api_actor","api_key_name":"k"}})" + "\r\n";
  const auto ds = read_text(text, "cc.jsonl");
  check_accounting(ds.report());
  CHECK(ds.report().records_read == 3);
  CHECK(ds.report().accepted == 2);
  REQUIRE(ds.report().rejections.size() == 1);
  CHECK(ds.report().rejections[0].str().starts_with("cc.jsonl:3: "));
  CHECK(ds.report().rejections[0].message.find("JSON") != std::string::npos);
}

TEST_CASE("claude code: a truncated page document is an input error with its location", "[ingest][claude_code][malformed]") {
  const std::string text = "{\n  \"data\": [\n    {" + kDate + "," + kActor + "},\n    {\"date\": \"2025-09-0";
  const std::string msg = input_error(text, "cut.json");
  CHECK(msg.starts_with("cut.json"));
  CHECK(msg.find("invalid JSON") != std::string::npos);
}

TEST_CASE("claude code: --format for a CSV file is refused up front", "[ingest][claude_code][malformed]") {
  CHECK(input_error("a,b\n1,2\n", "x.csv", ExportFormat::claude_code) ==
        "x.csv:1: --format claude-code expects JSON but the file starts like CSV");
}

TEST_CASE("claude code: JSON Lines of pages and bare records with the page key at any position", "[ingest][claude_code]") {
  // Each page line puts its "data" key after a padding field of a different length, so the
  // key meets every alignment of the reader's search for it; bare record lines between them,
  // half of which hold "data" as a string value, are records.
  std::string text;
  int records = 0;
  for (int pad = 0; pad < 40; ++pad) {
    const std::string day = "2025-09-" + std::string(pad % 28 < 9 ? "0" : "") + std::to_string(pad % 28 + 1);
    const std::string rec = "{\"date\":\"" + day + "T00:00:00Z\",\"actor\":{\"type\":\"user_actor\",\"email_address\":\"p" +
                            std::to_string(pad) + "@x\"}";
    text += "{\"pad\":\"" + std::string(static_cast<std::size_t>(pad), 'x') + "\",\"data\":[" + rec + "}],\"has_more\":false}\n";
    text += rec + ",\"terminal_type\":\"" + (pad % 2 ? "data" : "vscode") + "\"}\n";
    records += 2;
  }
  text += "{\"data\":[]}\n";  // shorter than one search step
  const auto ds = read_text(text, "pages.jsonl");
  check_accounting(ds.report());
  CHECK(ds.report().records_read == records);
  CHECK(ds.report().accepted == records);
}
