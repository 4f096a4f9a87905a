// OpenAI organisation APIs: usage/completions results (input_tokens include cached ones;
// priced from the catalog) and costs results (amount.value in dollars, organisation level).
#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

void openai_usage_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta) {
  thread_local UsageRecord rec;
  std::string_view project_id, user_id, api_key_id, model, service_tier;
  bool batch = false;
  std::uint64_t input = 0, output = 0, cached = 0, cache_write = 0, requests = 0;
  std::optional<std::uint64_t> uncached;
  for_fields(obj, "result", [&](std::string_view k, od::value v) {
    if (k == "input_tokens") input = json_count(v, k);
    else if (k == "output_tokens") output = json_count(v, k);
    else if (k == "input_cached_tokens") cached = json_count(v, k);
    else if (k == "input_uncached_tokens") {
      od::json_type t{};
      check(v.type().get(t), k);
      if (t != od::json_type::null) uncached = json_count(v, k);
    } else if (k == "input_cache_write_tokens") cache_write = json_count(v, k);
    else if (k == "num_model_requests") requests = json_count(v, k);
    else if (k == "project_id") project_id = json_string(v, k);
    else if (k == "user_id") user_id = json_string(v, k);
    else if (k == "api_key_id") api_key_id = json_string(v, k);
    else if (k == "model") model = json_string(v, k);
    else if (k == "service_tier") service_tier = json_string(v, k);
    else if (k == "batch") batch = json_bool(v, k);
  });
  // input_tokens counts every prompt token once, cached or not.
  if (!uncached) {
    if (cached + cache_write > input)
      fail("input_cached_tokens + input_cache_write_tokens (" + std::to_string(cached + cache_write) +
           ") exceed input_tokens (" + std::to_string(input) + "), which include them");
    uncached = input - cached - cache_write;
  }
  const std::string_view identity = !user_id.empty()      ? user_id
                                    : !api_key_id.empty() ? api_key_id
                                    : !project_id.empty() ? project_id
                                                          : std::string_view("(organization)");
  rec.day = *meta.bucket_day;
  rec.person = identity;
  rec.team.clear();
  rec.cohort.clear();
  rec.model = model;
  rec.tokens = {};
  rec.tokens[TokenType::input] = *uncached;
  rec.tokens[TokenType::cache_read] = cached;
  rec.tokens[TokenType::cache_write_5m] = cache_write;
  rec.tokens[TokenType::output] = output;
  rec.cost.reset();
  rec.requests = static_cast<std::int64_t>(requests);
  // Checked before the duplicate key is taken, so a rejected record leaves no trace.
  const auto prepared = ing.prepare(rec, ing.modifiers(batch, false));
  ing.check_duplicate(KeyHash(static_cast<int>(ExportFormat::openai_usage))
                          .add(meta.bucket_start)
                          .add(project_id)
                          .add(user_id)
                          .add(api_key_id)
                          .add(model)
                          .add(service_tier)
                          .add(std::int64_t{batch})
                          .value());
  ing.apply(rec, prepared);
}

void openai_costs_result(Ingestor::Impl& ing, od::object obj, const UnitMeta& meta) {
  std::string_view line_item, project_id, currency = "usd";
  std::optional<MicroUsd> value;
  bool have_amount = false;
  for_fields(obj, "result", [&](std::string_view k, od::value v) {
    if (k == "line_item") line_item = json_string(v, k);
    else if (k == "project_id") project_id = json_string(v, k);
    else if (k == "amount") {
      have_amount = true;
      od::json_type t{};
      check(v.type().get(t), "amount");
      if (t != od::json_type::object) fail("'amount' must be an object {value, currency}, not " + std::string(json_type_name(t)));
      od::object a;
      check(v.get_object().get(a), "amount");
      for_fields(a, "amount", [&](std::string_view ak, od::value av) {
        if (ak == "value") {
          od::json_type vt{};
          check(av.type().get(vt), "amount.value");
          if (vt != od::json_type::null) value = json_amount(av, kMicroPerUsd, "amount.value");
        } else if (ak == "currency") {
          currency = json_string(av, "amount.currency");
        }
      });
    }
  });
  if (!have_amount) fail("missing 'amount'");
  if (!value) fail("missing 'amount.value'");
  if (!equals_ci(currency, "usd"))
    fail("amount.currency is '" + std::string(currency) + "': only USD amounts can be added up");
  ing.check_org_cost(*value);  // before the duplicate key is taken
  ing.check_duplicate(KeyHash(static_cast<int>(ExportFormat::openai_costs))
                          .add(meta.bucket_start)
                          .add(line_item)
                          .add(project_id)
                          .value());
  ing.emit_org_cost(*meta.bucket_day, ExportFormat::openai_costs,
                    line_item.empty() ? std::string_view("(unspecified)") : line_item, project_id, *value);
}

}  // namespace goodhart::engine::detail
