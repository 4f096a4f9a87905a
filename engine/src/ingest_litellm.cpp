// LiteLLM proxy exports: SpendLogs (one row per request, aggregated here to person-day-
// model; spend in dollars) and the Daily*Spend tables (one row per key-model-day).
#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

namespace {
void require_columns(Ingestor::Impl& ing, const CsvHeader& h, std::initializer_list<const char*> cols,
                     std::string_view what) {
  std::string missing;
  for (const char* c : cols)
    if (!h.has(c)) missing += (missing.empty() ? "" : ", ") + std::string(c);
  if (!missing.empty())
    throw InputError(Location{ing.file(), 1}, std::string(what) + " header lacks required column(s): " + missing);
}

std::string_view col(std::span<const std::string_view> f, int i) {
  return i >= 0 ? f[static_cast<std::size_t>(i)] : std::string_view();
}
}  // namespace

void read_litellm_spend_logs(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& h) {
  require_columns(ing, h, {"starttime", "model"}, "LiteLLM SpendLogs");
  const int c_req = h.index("request_id"), c_start = h.index("starttime"), c_model = h.index("model"),
            c_group = h.index("model_group"), c_user = h.index("user"), c_end_user = h.index("end_user"),
            c_key = h.index("api_key"), c_team = h.index("team_id"), c_spend = h.index("spend"),
            c_prompt = h.index("prompt_tokens"), c_completion = h.index("completion_tokens"),
            c_status = h.index("status"), c_session = h.index("session_id");
  UsageRecord rec;
  for_each_csv_row(ing, csv, h, [&](std::span<const std::string_view> f) {
    const std::string_view start = col(f, c_start);
    const auto day = parse_timestamp_date(start);
    if (!day) fail("startTime is not a timestamp: '" + std::string(start.substr(0, 40)) + "'");
    std::string_view identity = col(f, c_user);
    if (identity.empty()) identity = col(f, c_end_user);
    if (identity.empty()) identity = col(f, c_key);
    if (identity.empty()) identity = "(unattributed)";
    std::string_view model = col(f, c_model);
    if (model.empty()) model = col(f, c_group);
    rec.tokens = {};
    rec.tokens[TokenType::input] = csv_count(col(f, c_prompt), "prompt_tokens");
    rec.tokens[TokenType::output] = csv_count(col(f, c_completion), "completion_tokens");
    rec.cost = csv_amount(col(f, c_spend), kMicroPerUsd, "spend");
    if (rec.cost && *rec.cost < 0) fail("column 'spend' is negative");
    const std::string_view status = col(f, c_status);
    const bool failed = equals_ci(status, "failure") || equals_ci(status, "failed") || equals_ci(status, "error");
    rec.day = *day;
    rec.person = identity;
    rec.team = col(f, c_team);
    rec.cohort.clear();
    rec.model = model;
    rec.requests = 1;
    rec.failed_requests = failed ? 1 : 0;
    rec.outcomes = {};
    rec.outcomes.sessions = 1;  // at most; bounds are checked with it
    // Checked before the duplicate key and the session are taken, so a rejected record
    // leaves no trace. One request is one record; without a request id the whole row is
    // its identity.
    const auto prepared = ing.prepare(rec, {});
    KeyHash key(static_cast<int>(ExportFormat::litellm_spend_logs));
    if (!col(f, c_req).empty()) key.add(col(f, c_req));
    else
      for (auto v : f) key.add(v);
    ing.check_duplicate(key.value());
    rec.outcomes.sessions = ing.first_sight_of_session(identity, *day, col(f, c_session)) ? 1 : 0;
    ing.apply(rec, prepared);
  });
}

void read_litellm_daily(Ingestor::Impl& ing, CsvReader& csv, const CsvHeader& h) {
  require_columns(ing, h, {"date", "model"}, "LiteLLM daily spend");
  const int c_user = h.index("user_id"), c_end_user = h.index("end_user_id"), c_team = h.index("team_id"),
            c_org = h.index("organization_id"), c_tag = h.index("tag"), c_key = h.index("api_key"),
            c_date = h.index("date"), c_model = h.index("model"), c_group = h.index("model_group"),
            c_provider = h.index("custom_llm_provider"), c_tool = h.index("mcp_namespaced_tool_name"),
            c_prompt = h.index("prompt_tokens"), c_completion = h.index("completion_tokens"),
            c_read = h.index("cache_read_input_tokens"), c_creation = h.index("cache_creation_input_tokens"),
            c_spend = h.index("spend"), c_requests = h.index("api_requests"),
            c_failed = h.index("failed_requests");
  UsageRecord rec;
  std::string identity;
  for_each_csv_row(ing, csv, h, [&](std::span<const std::string_view> f) {
    const std::string_view date = col(f, c_date);
    const auto day = parse_date(date);
    if (!day) fail("date is not YYYY-MM-DD: '" + std::string(date.substr(0, 40)) + "'");
    // The user tables name people; team, organisation and tag tables only groups, which are
    // kept as pseudo-people in parentheses so they count in spend but not in rankings.
    if (!col(f, c_user).empty()) identity = col(f, c_user);
    else if (!col(f, c_end_user).empty()) identity = col(f, c_end_user);
    else if (!col(f, c_team).empty()) identity = "(team " + std::string(col(f, c_team)) + ")";
    else if (!col(f, c_org).empty()) identity = "(organization " + std::string(col(f, c_org)) + ")";
    else if (!col(f, c_tag).empty()) identity = "(tag " + std::string(col(f, c_tag)) + ")";
    else if (!col(f, c_key).empty()) identity = col(f, c_key);
    else identity = "(unattributed)";
    std::string_view model = col(f, c_model);
    if (model.empty()) model = col(f, c_group);
    const std::uint64_t prompt = csv_count(col(f, c_prompt), "prompt_tokens");
    const std::uint64_t read = csv_count(col(f, c_read), "cache_read_input_tokens");
    const std::uint64_t creation = csv_count(col(f, c_creation), "cache_creation_input_tokens");
    rec.tokens = {};
    // LiteLLM reports prompt_tokens the OpenAI way (cache reads and writes included); a row
    // where the parts exceed the whole must predate that, so prompt_tokens is taken as is.
    rec.tokens[TokenType::input] = prompt >= read + creation ? prompt - read - creation : prompt;
    rec.tokens[TokenType::cache_read] = read;
    rec.tokens[TokenType::cache_write_5m] = creation;
    rec.tokens[TokenType::output] = csv_count(col(f, c_completion), "completion_tokens");
    rec.cost = csv_amount(col(f, c_spend), kMicroPerUsd, "spend");
    if (rec.cost && *rec.cost < 0) fail("column 'spend' is negative");
    rec.requests = csv_int(col(f, c_requests), "api_requests");
    rec.failed_requests = csv_int(col(f, c_failed), "failed_requests");
    rec.day = *day;
    rec.person = identity;
    rec.team = c_user >= 0 || c_end_user >= 0 ? col(f, c_team) : std::string_view();
    rec.cohort.clear();
    rec.model = model;
    // Checked before the duplicate key is taken, so a rejected record leaves no trace. The
    // key is the table's own unique key: (identity, date, api_key, model, provider, tool).
    const auto prepared = ing.prepare(rec, {});
    ing.check_duplicate(KeyHash(static_cast<int>(ExportFormat::litellm_daily))
                            .add(identity)
                            .add(std::int64_t{day->days})
                            .add(col(f, c_key))
                            .add(model)
                            .add(col(f, c_provider))
                            .add(col(f, c_tool))
                            .value());
    ing.apply(rec, prepared);
  });
}

}  // namespace goodhart::engine::detail
