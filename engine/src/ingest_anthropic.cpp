// Anthropic Admin API reports: usage_report/messages results (tokens by type, grouped by
// account, key, workspace or model; priced from the catalog) and cost_report results
// (decimal strings in cents, organisation level).
#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

namespace {
// The grouping fields, in a fixed order: they identify a result within its bucket.
struct Grouping {
  std::string_view account_id, api_key_id, service_account_id, workspace_id, model, service_tier,
      context_window, inference_geo, cost_type, description, token_type, currency;
  bool take(std::string_view k, od::value v) {
    std::string_view* slot = nullptr;
    if (k == "account_id") slot = &account_id;
    else if (k == "api_key_id") slot = &api_key_id;
    else if (k == "service_account_id") slot = &service_account_id;
    else if (k == "workspace_id") slot = &workspace_id;
    else if (k == "model") slot = &model;
    else if (k == "service_tier") slot = &service_tier;
    else if (k == "context_window") slot = &context_window;
    else if (k == "inference_geo") slot = &inference_geo;
    else if (k == "cost_type") slot = &cost_type;
    else if (k == "description") slot = &description;
    else if (k == "token_type") slot = &token_type;
    else if (k == "currency") slot = &currency;
    if (!slot) return false;
    *slot = json_string(v, k);
    return true;
  }
  KeyHash key(ExportFormat f, std::string_view bucket) const {
    KeyHash h(static_cast<int>(f));
    h.add(bucket);
    for (auto s : {account_id, api_key_id, service_account_id, workspace_id, model, service_tier,
                   context_window, inference_geo, cost_type, description, token_type})
      h.add(s);
    return h;
  }
};
}  // namespace

void anthropic_usage_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta) {
  thread_local UsageRecord rec;
  Grouping g;
  TokenCounts tokens;
  for_fields(obj, "result", [&](std::string_view k, od::value v) {
    if (g.take(k, v)) return;
    if (k == "uncached_input_tokens") tokens[TokenType::input] = json_count(v, k);
    else if (k == "cache_read_input_tokens") tokens[TokenType::cache_read] = json_count(v, k);
    else if (k == "output_tokens") tokens[TokenType::output] = json_count(v, k);
    else if (k == "cache_creation") {
      od::json_type t{};
      check(v.type().get(t), "cache_creation");
      if (t == od::json_type::null) return;
      for_fields(as_object(v, "cache_creation"), "cache_creation", [&](std::string_view ck, od::value cv) {
        if (ck == "ephemeral_5m_input_tokens") tokens[TokenType::cache_write_5m] = json_count(cv, "cache_creation.ephemeral_5m_input_tokens");
        else if (ck == "ephemeral_1h_input_tokens") tokens[TokenType::cache_write_1h] = json_count(cv, "cache_creation.ephemeral_1h_input_tokens");
      });
    }
  });
  // Without a grouping by account or key, usage belongs to the organisation as a whole.
  std::string_view identity = !g.account_id.empty()           ? g.account_id
                              : !g.api_key_id.empty()         ? g.api_key_id
                              : !g.service_account_id.empty() ? g.service_account_id
                              : !g.workspace_id.empty()       ? g.workspace_id
                                                              : std::string_view("(organization)");
  const bool batch = equals_ci(g.service_tier, "batch");
  const bool us_only = equals_ci(g.inference_geo, "us");
  rec.day = *meta.bucket_day;
  rec.person = identity;
  rec.team.clear();
  rec.cohort.clear();
  rec.model = g.model;
  rec.tokens = tokens;
  rec.cost.reset();
  // Checked before the duplicate key is taken, so a rejected record leaves no trace.
  const auto prepared = ing.prepare(rec, ing.modifiers(batch, us_only));
  ing.check_duplicate(g.key(ExportFormat::anthropic_usage, meta.bucket_start).value());
  ing.apply(rec, prepared);
}

void anthropic_cost_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta) {
  Grouping g;
  std::optional<MicroUsd> amount;
  for_fields(obj, "result", [&](std::string_view k, od::value v) {
    if (g.take(k, v)) return;
    if (k == "amount") {
      od::json_type t{};
      check(v.type().get(t), "amount");
      if (t != od::json_type::null) amount = json_amount(v, kMicroPerCent, "amount");
    }
  });
  if (!amount) fail("missing 'amount'");
  if (!g.currency.empty() && !equals_ci(g.currency, "USD"))
    fail("currency is '" + std::string(g.currency) + "': only USD amounts can be added up");
  ing.check_org_cost(*amount);  // before the duplicate key is taken
  ing.check_duplicate(g.key(ExportFormat::anthropic_cost, meta.bucket_start).value());
  const std::string_view item = !g.model.empty()       ? g.model
                                : !g.description.empty() ? g.description
                                : !g.cost_type.empty()   ? g.cost_type
                                                         : std::string_view("(unspecified)");
  ing.emit_org_cost(*meta.bucket_day, ExportFormat::anthropic_cost, item, g.workspace_id, *amount);
}

}  // namespace goodhart::engine::detail
