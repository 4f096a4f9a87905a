// Claude Code Analytics records (usage_report/claude_code): one actor on one UTC day with
// core metrics, tool decisions and a per-model breakdown whose cost is in cents.
#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

namespace {

struct ModelEntry {
  std::string model;
  TokenCounts tokens;
  std::optional<MicroUsd> cost;
};

struct Scratch {
  std::vector<ModelEntry> models;
  std::size_t used = 0;
  UsageRecord rec;
  std::vector<Ingestor::Impl::Prepared> prepared;
  std::string identity, terminal, customer, organization;
};

std::int64_t to_i64(std::uint64_t v, std::string_view field) {
  if (v > static_cast<std::uint64_t>(INT64_MAX)) fail("'" + std::string(field) + "' is too large");
  return static_cast<std::int64_t>(v);
}

}  // namespace

void claude_code_record(Ingestor::Impl& ing, od::object obj, const UnitMeta&) {
  thread_local Scratch s;
  s.used = 0;
  s.identity.clear();
  s.terminal.clear();
  s.customer.clear();
  s.organization.clear();
  std::optional<Date> day;
  bool have_actor = false;
  int remote = 2;  // unknown
  Outcomes out;

  for_fields(obj, "record", [&](std::string_view k, od::value v) {
    if (k == "date") {
      day = json_date(v, "date");
    } else if (k == "actor") {
      have_actor = true;
      std::string_view type, email, key_name;
      for_fields(as_object(v, "actor"), "actor", [&](std::string_view ak, od::value av) {
        if (ak == "type") type = json_string(av, "actor.type");
        else if (ak == "email_address") email = json_string(av, "actor.email_address");
        else if (ak == "api_key_name") key_name = json_string(av, "actor.api_key_name");
      });
      // The actor's type says which identity it carries; fall back to whichever is present.
      if (type == "api_actor") s.identity = !key_name.empty() ? key_name : email;
      else s.identity = !email.empty() ? email : key_name;
      if (s.identity.empty())
        fail("actor has neither 'email_address' nor 'api_key_name'" +
             (type.empty() ? std::string() : " (type '" + std::string(type) + "')"));
    } else if (k == "core_metrics") {
      for_fields(as_object(v, "core_metrics"), "core_metrics", [&](std::string_view ck, od::value cv) {
        if (ck == "num_sessions") out.sessions = to_i64(json_count(cv, "core_metrics.num_sessions"), ck);
        else if (ck == "commits_by_claude_code") out.commits = to_i64(json_count(cv, "core_metrics.commits_by_claude_code"), ck);
        else if (ck == "pull_requests_by_claude_code") out.pull_requests = to_i64(json_count(cv, "core_metrics.pull_requests_by_claude_code"), ck);
        else if (ck == "lines_of_code") {
          od::json_type t{};
          check(cv.type().get(t), "core_metrics.lines_of_code");
          if (t == od::json_type::null) return;
          for_fields(as_object(cv, "core_metrics.lines_of_code"), "core_metrics.lines_of_code",
                     [&](std::string_view lk, od::value lv) {
                       if (lk == "added") out.lines_added = to_i64(json_count(lv, "core_metrics.lines_of_code.added"), lk);
                       else if (lk == "removed") out.lines_removed = to_i64(json_count(lv, "core_metrics.lines_of_code.removed"), lk);
                     });
        }
      });
    } else if (k == "tool_actions") {
      // An open map: every tool's decisions count as edits accepted or rejected.
      for_fields(as_object(v, "tool_actions"), "tool_actions", [&](std::string_view tool, od::value tv) {
        const Field where("tool_actions.", tool);
        od::json_type t{};
        check(tv.type().get(t), where);
        if (t == od::json_type::null) return;
        for_fields(as_object(tv, where), where, [&](std::string_view dk, od::value dv) {
          if (dk == "accepted") out.edits_accepted += to_i64(json_count(dv, Field("tool_actions.", tool, ".accepted")), dk);
          else if (dk == "rejected") out.edits_rejected += to_i64(json_count(dv, Field("tool_actions.", tool, ".rejected")), dk);
        });
      });
    } else if (k == "model_breakdown") {
      od::json_type t{};
      check(v.type().get(t), "model_breakdown");
      if (t == od::json_type::null) return;
      if (t != od::json_type::array)
        fail("'model_breakdown' must be an array, not " + std::string(json_type_name(t)));
      od::array arr;
      check(v.get_array().get(arr), "model_breakdown");
      long long i = 0;
      for (auto el : arr) {
        const long long at = i++;
        const Field where("model_breakdown", at);
        auto here = [at](std::string_view b, std::string_view c = {}) { return Field("model_breakdown", at, b, c); };
        od::value ev;
        check(el.get(ev), where);
        if (s.used == s.models.size()) s.models.emplace_back();
        ModelEntry& m = s.models[s.used++];
        m.model.clear();
        m.tokens = {};
        m.cost.reset();
        bool have_model = false;
        for_fields(as_object(ev, where), where, [&](std::string_view mk, od::value mv) {
          if (mk == "model") {
            m.model = json_string(mv, here(".model"));
            have_model = true;
          } else if (mk == "tokens") {
            od::json_type tt{};
            check(mv.type().get(tt), here(".tokens"));
            if (tt == od::json_type::null) return;
            for_fields(as_object(mv, here(".tokens")), here(".tokens"), [&](std::string_view tk, od::value tv) {
              if (tk == "input") m.tokens[TokenType::input] = json_count(tv, here(".tokens", ".input"));
              else if (tk == "output") m.tokens[TokenType::output] = json_count(tv, here(".tokens", ".output"));
              else if (tk == "cache_read") m.tokens[TokenType::cache_read] = json_count(tv, here(".tokens", ".cache_read"));
              // The analytics API does not split cache writes by lifetime: the default
              // 5-minute one is assumed when pricing.
              else if (tk == "cache_creation") m.tokens[TokenType::cache_write_5m] = json_count(tv, here(".tokens", ".cache_creation"));
            });
          } else if (mk == "estimated_cost") {
            od::json_type ct{};
            check(mv.type().get(ct), here(".estimated_cost"));
            if (ct == od::json_type::null) return;
            std::optional<MicroUsd> amount;
            std::string_view currency = "USD";
            for_fields(as_object(mv, here(".estimated_cost")), here(".estimated_cost"),
                       [&](std::string_view ek, od::value ev2) {
                         if (ek == "currency") currency = json_string(ev2, here(".estimated_cost", ".currency"));
                         else if (ek == "amount") {
                           od::json_type amount_type{};
                           check(ev2.type().get(amount_type), here(".estimated_cost", ".amount"));
                           if (amount_type != od::json_type::null)
                             amount = json_amount(ev2, kMicroPerCent, here(".estimated_cost", ".amount"));
                         }
                       });
            if (!equals_ci(currency, "USD"))
              fail(here(".estimated_cost", ".currency").str() + " is '" + std::string(currency) +
                   "': only USD amounts can be added up");
            if (amount && *amount < 0) fail(here(".estimated_cost", ".amount").str() + " is negative");
            m.cost = amount;
          }
        });
        if (!have_model || m.model.empty()) fail(where.str() + " has no 'model'");
      }
    } else if (k == "terminal_type") {
      s.terminal = json_string(v, "terminal_type");
    } else if (k == "customer_type") {
      s.customer = json_string(v, "customer_type");
    } else if (k == "organization_id") {
      s.organization = json_string(v, "organization_id");
    } else if (k == "is_remote") {
      remote = json_bool(v, "is_remote") ? 1 : 0;
    }
  });
  if (!day) fail("missing 'date'");
  if (!have_actor) fail("missing 'actor'");

  // Every piece is checked before the duplicate key is taken and anything is added, so a
  // rejected record leaves no trace.
  UsageRecord& rec = s.rec;
  rec.day = *day;
  rec.person = s.identity;
  rec.team.clear();
  rec.cohort.clear();
  rec.requests = rec.failed_requests = 0;
  rec.gaming_tokens_truth.reset();
  auto piece = [&](std::size_t i) {  // 0: the actor-day's outcomes; i > 0: model i - 1
    if (i == 0) {
      rec.model.clear();
      rec.tokens = {};
      rec.cost.reset();
      rec.outcomes = out;
    } else {
      rec.model = s.models[i - 1].model;
      rec.tokens = s.models[i - 1].tokens;
      rec.cost = s.models[i - 1].cost;
      rec.outcomes = {};
    }
  };
  s.prepared.clear();
  Ingestor::Impl::Prepared sum;
  for (std::size_t i = 0; i <= s.used; ++i) {
    piece(i);
    s.prepared.push_back(ing.prepare(rec, {}, &sum));
    sum.tokens += s.prepared.back().tokens;
    sum.counts += s.prepared.back().counts;
    sum.cost += s.prepared.back().cost;
  }
  // Local and remote rows of one actor-day are separate records, not duplicates.
  ing.check_duplicate(KeyHash(static_cast<int>(ExportFormat::claude_code))
                          .add(s.identity)
                          .add(std::int64_t{day->days})
                          .add(s.terminal)
                          .add(s.customer)
                          .add(s.organization)
                          .add(std::int64_t{remote})
                          .value());
  for (std::size_t i = 0; i <= s.used; ++i) {
    piece(i);
    ing.apply(rec, s.prepared[i]);
  }
}

}  // namespace goodhart::engine::detail
