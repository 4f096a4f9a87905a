// Rendering of an audit: JSON (everything), CSV tables, and a table for humans. Money is
// written exactly (micro-dollars, or dollars with six decimals) wherever a file keeps it.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "goodhart/engine/audit.hpp"
#include "goodhart/engine/canonical_csv.hpp"
#include "goodhart/engine/output.hpp"

namespace goodhart::engine {

namespace {

using json = nlohmann::ordered_json;  // keys in the order written, for readers

const char* period_name(AuditPeriod p) {
  switch (p) {
    case AuditPeriod::day: return "day";
    case AuditPeriod::week: return "week";
    case AuditPeriod::month: return "month";
  }
  return "week";
}

json opt_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json opt_date(const std::optional<Date>& d) { return d ? json(d->iso()) : json(nullptr); }

json stats_json(const UsageStats& s) {
  json t;
  for (int i = 0; i < kTokenTypes; ++i) t[kTokenTypeNames[static_cast<std::size_t>(i)]] = s.tokens.n[static_cast<std::size_t>(i)];
  t["total"] = s.tokens.total();
  return json{{"spend_usd", micro_to_usd(s.spend)},
              {"spend_micro_usd", s.spend},
              {"tokens", t},
              {"unpriced_tokens", s.unpriced_tokens},
              {"sessions", s.outcomes.sessions},
              {"commits", s.outcomes.commits},
              {"pull_requests", s.outcomes.pull_requests},
              {"lines_added", s.outcomes.lines_added},
              {"lines_removed", s.outcomes.lines_removed},
              {"edits_accepted", s.outcomes.edits_accepted},
              {"edits_rejected", s.outcomes.edits_rejected},
              {"requests", s.requests},
              {"failed_requests", s.failed_requests},
              {"active_days", s.active_days},
              {"cost_per_pr_usd", opt_json(s.cost_per_pr())},
              {"cost_per_commit_usd", opt_json(s.cost_per_commit())},
              {"cost_per_accepted_edit_usd", opt_json(s.cost_per_accepted_edit())},
              {"acceptance_rate", opt_json(s.acceptance_rate())}};
}

const char* kStatsColumns =
    "spend_usd,input_tokens,output_tokens,cache_read_tokens,cache_write_5m_tokens,cache_write_1h_tokens,"
    "total_tokens,unpriced_tokens,sessions,commits,pull_requests,lines_added,lines_removed,edits_accepted,"
    "edits_rejected,requests,failed_requests,active_days,cost_per_pr_usd,cost_per_commit_usd,"
    "cost_per_accepted_edit_usd,acceptance_rate";

std::string num(const std::optional<double>& v) {
  if (!v) return "";
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", *v);
  return b;
}

void stats_csv(std::ostream& o, const UsageStats& s) {
  o << format_micro_usd(s.spend);
  for (auto v : s.tokens.n) o << ',' << v;
  o << ',' << s.tokens.total() << ',' << s.unpriced_tokens << ',' << s.outcomes.sessions << ','
    << s.outcomes.commits << ',' << s.outcomes.pull_requests << ',' << s.outcomes.lines_added << ','
    << s.outcomes.lines_removed << ',' << s.outcomes.edits_accepted << ',' << s.outcomes.edits_rejected << ','
    << s.requests << ',' << s.failed_requests << ',' << s.active_days << ',' << num(s.cost_per_pr()) << ','
    << num(s.cost_per_commit()) << ',' << num(s.cost_per_accepted_edit()) << ',' << num(s.acceptance_rate());
}

std::string csv_field(std::string_view f) {
  std::ostringstream o;
  write_csv_field(o, f);
  return o.str();
}

std::string tokens_text(std::uint64_t t) {
  char b[32];
  const double v = static_cast<double>(t);
  if (v >= 1e12) std::snprintf(b, sizeof b, "%.1fT", v / 1e12);
  else if (v >= 1e9) std::snprintf(b, sizeof b, "%.1fB", v / 1e9);
  else if (v >= 1e6) std::snprintf(b, sizeof b, "%.1fM", v / 1e6);
  else if (v >= 1e4) std::snprintf(b, sizeof b, "%.0fk", v / 1e3);
  else std::snprintf(b, sizeof b, "%llu", static_cast<unsigned long long>(t));
  return b;
}

std::string money(const std::optional<double>& v) {
  if (!v) return "-";
  char b[32];
  std::snprintf(b, sizeof b, *v >= 100 ? "$%.0f" : "$%.2f", *v);
  return b;
}

std::string pct(const std::optional<double>& v) {
  if (!v) return "-";
  char b[16];
  std::snprintf(b, sizeof b, "%.0f%%", 100 * *v);
  return b;
}

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string pad(std::string s, std::size_t w, bool right = false) {
  // Width in UTF-8 code points, so names with accents line up.
  std::size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  if (cps > w) {
    std::size_t keep = 0, seen = 0;
    while (keep < s.size() && seen < w - 1) {
      ++keep;
      while (keep < s.size() && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80) ++keep;
      ++seen;
    }
    s = s.substr(0, keep) + "~";
    cps = w;
  }
  const std::string fill(w - cps, ' ');
  return right ? fill + s : s + fill;
}

std::map<std::string, std::pair<UsageStats, int>> team_totals(const AuditResult& r, const UsageDataset& d) {
  std::map<std::string, std::pair<UsageStats, int>> out;
  for (const auto& p : r.people) {
    if (p.stats.spend == 0 && p.stats.tokens.total() == 0 && p.stats.active_days == 0) continue;
    const auto& info = d.people()[p.person];
    auto& t = out[info.team.empty() ? "(no team)" : info.team];
    UsageStats& s = t.first;
    s.spend += p.stats.spend;
    s.unpriced_tokens += p.stats.unpriced_tokens;
    s.tokens += p.stats.tokens;
    s.outcomes += p.stats.outcomes;
    s.requests += p.stats.requests;
    s.failed_requests += p.stats.failed_requests;
    s.active_days += p.stats.active_days;
    ++t.second;
  }
  return out;
}

json ingest_json(const IngestReport& r) {
  json files = json::array();
  for (const auto& f : r.files)
    files.push_back({{"file", f.file},
                     {"format", f.format ? json(std::string(format_name(*f.format))) : json(nullptr)},
                     {"records_read", f.records_read},
                     {"accepted", f.accepted},
                     {"rejected", f.rejected},
                     {"duplicates", f.duplicates},
                     {"bytes", f.bytes}});
  json rej = json::array();
  for (const auto& d : r.rejections) rej.push_back({{"where", d.where.str()}, {"reason", d.message}});
  json unknown = json::object();
  for (const auto& [m, u] : r.unknown_models) unknown[m] = {{"records", u.records}, {"tokens", u.tokens}};
  return json{{"records_read", r.records_read},
              {"accepted", r.accepted},
              {"rejected", r.rejected},
              {"duplicates", r.duplicates},
              {"files", files},
              {"rejections", rej},
              {"rejections_not_listed", r.rejections_not_kept},
              {"unknown_models", unknown},
              {"unmapped_identities", r.unmapped_identities},
              {"unmapped_examples", r.unmapped_examples},
              {"notes", r.notes}};
}

}  // namespace

std::string audit_json(const AuditResult& r, const UsageDataset& d) {
  const auto& people = d.people();
  json j;
  j["goodhart_audit"] = 1;
  j["ingest"] = ingest_json(d.report());
  j["range"] = d.empty() ? json(nullptr)
                         : json{{"first_day", d.first_day().iso()},
                                {"last_day", d.last_day().iso()},
                                {"days", d.last_day() - d.first_day() + 1}};
  j["period"] = period_name(r.options.period);
  json periods = json::array();
  for (const auto& p : r.periods) periods.push_back({{"label", p.label}, {"start", p.start.iso()}, {"end", p.end.iso()}});
  j["periods"] = periods;
  j["totals"] = stats_json(r.total);
  j["org_cost_lines_usd"] = micro_to_usd(r.org_cost_lines);

  // Each person's models, from the rows sorted by person.
  std::vector<json> by_model(r.people.size(), json::array());
  for (const auto& pm : r.person_models) {
    json t;
    for (int i = 0; i < kTokenTypes; ++i) t[kTokenTypeNames[static_cast<std::size_t>(i)]] = pm.tokens.n[static_cast<std::size_t>(i)];
    by_model[pm.person].push_back({{"model", d.models()[pm.model].empty() ? "(none)" : d.models()[pm.model]},
                                   {"spend_usd", micro_to_usd(pm.spend)},
                                   {"tokens", t},
                                   {"unpriced_tokens", pm.unpriced_tokens}});
  }
  json pj = json::array();
  for (const auto& p : r.people) {
    json e = stats_json(p.stats);
    e["models"] = by_model[p.person];
    e["person"] = people[p.person].name;
    e["team"] = people[p.person].team;
    e["cohort"] = people[p.person].cohort;
    e["weekend_spend_usd"] = micro_to_usd(p.weekend_spend);
    e["anomaly_days"] = p.anomaly_days;
    e["ranked"] = p.ranked;
    e["ranking_group"] = p.ranking_group;
    e["usage_percentile"] = p.usage_percentile;
    e["outcome_percentile"] = p.outcome_percentile;
    pj.push_back(e);
  }
  j["people"] = pj;
  // Person-period rows can number millions: they are in people.csv, not here.
  for (const char* key : {"teams", "models"}) {
    const auto& rows = std::string(key) == "teams" ? r.team_periods : r.model_periods;
    json a = json::array();
    for (const auto& row : rows) {
      json e = stats_json(row.stats);
      e["period"] = r.periods[static_cast<std::size_t>(row.period)].label;
      e[std::string(key) == "teams" ? "team" : "model"] = row.name;
      if (std::string(key) == "teams") e["people"] = row.people;
      a.push_back(e);
    }
    j[key] = a;
  }
  json sj = json::array();
  for (std::size_t i = 0; i < r.suspects.size(); ++i) {
    const auto& s = r.suspects[i];
    sj.push_back({{"rank", i + 1},
                  {"person", people[s.person].name},
                  {"team", people[s.person].team},
                  {"cohort", people[s.person].cohort},
                  {"score", s.score},
                  {"usage_percentile", s.usage_percentile},
                  {"outcome_percentile", s.outcome_percentile},
                  {"volume_divergence", s.volume_divergence},
                  {"quality_divergence", s.quality_divergence},
                  {"spend_usd", micro_to_usd(r.people[s.person].stats.spend)},
                  {"reasons", s.reasons}});
  }
  j["suspects"] = sj;
  json cj = json::array();
  for (const auto& c : r.correlation)
    cj.push_back({{"period", r.periods[static_cast<std::size_t>(c.period)].label},
                  {"people", c.people},
                  {"rho_outcomes", opt_json(c.rho_outcomes)},
                  {"rho_prs", opt_json(c.rho_prs)}});
  j["correlation"] = {{"points", cj}, {"trend_per_period", opt_json(r.correlation_trend)}};
  if (r.bunching) {
    const auto& b = *r.bunching;
    j["bunching"] = {{"quota", b.quota},
                     {"metric", b.metric == QuotaMetric::tokens ? "tokens" : "usd"},
                     {"person_weeks", b.person_weeks},
                     {"observed", b.observed},
                     {"expected", b.expected},
                     {"excess_ratio", b.excess_ratio},
                     {"z", b.z},
                     {"missing_below", b.missing_below},
                     {"bin_lower", b.bin_lower},
                     {"bin_counts", b.bin_counts},
                     {"estimator", b.estimator},
                     {"note", b.note}};
  } else {
    j["bunching"] = nullptr;
  }
  json aj = json::array();
  for (const auto& a : r.anomalies)
    aj.push_back({{"person", people[a.person].name},
                  {"day", a.day.iso()},
                  {"spend_usd", micro_to_usd(a.spend)},
                  {"baseline_usd", a.baseline_usd},
                  {"baseline_sd_usd", a.baseline_sd_usd},
                  {"run_length", a.run_length},
                  {"hint", a.hint}});
  j["anomalies"] = aj;
  if (r.budget) {
    const auto& b = *r.budget;
    j["budget"] = {{"budget_usd", micro_to_usd(b.budget)},
                   {"period", b.period == AuditBudgetPeriod::month ? "month" : "year"},
                   {"period_start", b.period_start.iso()},
                   {"period_end", b.period_end.iso()},
                   {"as_of", b.as_of.iso()},
                   {"spent_usd", micro_to_usd(b.spent)},
                   {"share_spent", b.budget > 0 ? static_cast<double>(b.spent) / static_cast<double>(b.budget) : 0.0},
                   {"recent_daily_usd", b.recent_daily_usd},
                   {"projected_period_usd", b.projected_period_usd},
                   {"probability_exhausted", b.probability_exhausted},
                   {"exhausted_on", opt_date(b.exhausted_on)},
                   {"exhaustion_p5", opt_date(b.exhaustion_p5)},
                   {"exhaustion_p50", opt_date(b.exhaustion_p50)},
                   {"exhaustion_p95", opt_date(b.exhaustion_p95)},
                   {"method", b.method}};
  } else {
    j["budget"] = nullptr;
  }
  if (r.truth) {
    const auto& t = *r.truth;
    json missed = json::array(), alarms = json::array();
    for (auto p : t.missed) missed.push_back(people[p].name);
    for (auto p : t.false_alarms) alarms.push_back(people[p].name);
    j["truth"] = {{"gamer_threshold_share_of_tokens", t.threshold},
                  {"gamers", t.gamers},
                  {"suspects", t.suspects},
                  {"true_positives", t.true_positives},
                  {"precision", opt_json(t.precision)},
                  {"recall", opt_json(t.recall)},
                  {"missed", missed},
                  {"false_alarms", alarms}};
  } else {
    j["truth"] = nullptr;
  }
  j["notes"] = r.notes;
  // Names need not be UTF-8 (spreadsheet exports): invalid bytes render as U+FFFD.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

void write_person_period_csv(std::ostream& o, const AuditResult& r, const UsageDataset& d) {
  o << "period,person,team,cohort," << kStatsColumns << "\n";
  for (const auto& row : r.person_periods) {
    const auto& p = d.people()[row.person];
    o << r.periods[static_cast<std::size_t>(row.period)].label << ',' << csv_field(p.name) << ','
      << csv_field(p.team) << ',' << csv_field(p.cohort) << ',';
    stats_csv(o, row.stats);
    o << '\n';
  }
}

void write_audit_outputs(const std::filesystem::path& dir, const AuditResult& r, const UsageDataset& d) {
  // Everything is rendered before any file is touched, then each file is renamed into place.
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("audit.json", audit_json(r, d));
  {
    std::ostringstream o;
    write_person_period_csv(o, r, d);
    files.emplace_back("people.csv", o.str());
  }
  {
    std::ostringstream o;
    o << "person,model,spend_usd,input_tokens,output_tokens,cache_read_tokens,cache_write_5m_tokens,"
         "cache_write_1h_tokens,unpriced_tokens\n";
    for (const auto& pm : r.person_models) {
      o << csv_field(d.people()[pm.person].name) << ',' << csv_field(d.models()[pm.model]) << ','
        << format_micro_usd(pm.spend);
      for (auto v : pm.tokens.n) o << ',' << v;
      o << ',' << pm.unpriced_tokens << '\n';
    }
    files.emplace_back("person_models.csv", o.str());
  }
  for (const char* key : {"teams.csv", "models.csv"}) {
    const bool teams = std::string(key) == "teams.csv";
    std::ostringstream o;
    o << "period," << (teams ? "team,people," : "model,") << kStatsColumns << "\n";
    for (const auto& row : teams ? r.team_periods : r.model_periods) {
      o << r.periods[static_cast<std::size_t>(row.period)].label << ',' << csv_field(row.name) << ',';
      if (teams) o << row.people << ',';
      stats_csv(o, row.stats);
      o << '\n';
    }
    files.emplace_back(key, o.str());
  }
  {
    std::ostringstream o;
    o << "rank,person,team,cohort,score,usage_percentile,outcome_percentile,spend_usd,reasons\n";
    for (std::size_t i = 0; i < r.suspects.size(); ++i) {
      const auto& s = r.suspects[i];
      const auto& p = d.people()[s.person];
      std::string reasons;
      for (std::size_t k = 0; k < s.reasons.size(); ++k) reasons += (k ? "; " : "") + s.reasons[k];
      o << i + 1 << ',' << csv_field(p.name) << ',' << csv_field(p.team) << ',' << csv_field(p.cohort) << ','
        << fixed(s.score, 4) << ',' << fixed(s.usage_percentile, 4) << ',' << fixed(s.outcome_percentile, 4) << ','
        << format_micro_usd(r.people[s.person].stats.spend) << ',' << csv_field(reasons) << '\n';
    }
    files.emplace_back("suspects.csv", o.str());
  }
  {
    std::ostringstream o;
    o << "period,people,rho_outcomes,rho_prs\n";
    for (const auto& c : r.correlation)
      o << r.periods[static_cast<std::size_t>(c.period)].label << ',' << c.people << ',' << num(c.rho_outcomes) << ','
        << num(c.rho_prs) << '\n';
    files.emplace_back("correlation.csv", o.str());
  }
  {
    std::ostringstream o;
    o << "day,person,spend_usd,baseline_usd,baseline_sd_usd,run_length,hint\n";
    for (const auto& a : r.anomalies)
      o << a.day.iso() << ',' << csv_field(d.people()[a.person].name) << ',' << format_micro_usd(a.spend) << ','
        << fixed(a.baseline_usd, 6) << ',' << fixed(a.baseline_sd_usd, 6) << ',' << a.run_length << ','
        << csv_field(a.hint) << '\n';
    files.emplace_back("anomalies.csv", o.str());
  }
  std::filesystem::create_directories(dir);
  for (const auto& [name, content] : files) write_file_atomic(dir / name, content);
}

void write_audit_table(std::ostream& o, const AuditResult& r, const UsageDataset& d) {
  const auto& people = d.people();
  const auto& rep = d.report();
  o << "goodhart audit";
  if (!d.empty())
    o << " - " << d.first_day().iso() << " to " << d.last_day().iso() << " (" << (d.last_day() - d.first_day() + 1)
      << " days, " << r.periods.size() << " " << period_name(r.options.period) << (r.periods.size() == 1 ? "" : "s") << ")";
  o << "\n\n";
  o << "Input: " << rep.files.size() << " file" << (rep.files.size() == 1 ? "" : "s") << ", " << rep.records_read
    << " records read = " << rep.accepted << " accepted + " << rep.rejected << " rejected";
  if (rep.duplicates) o << " (" << rep.duplicates << " duplicates)";
  o << "\n";
  for (const auto& f : rep.files)
    o << "  " << f.file << ": " << (f.format ? std::string(format_name(*f.format)) : std::string("no records")) << ", "
      << f.records_read << " read, " << f.rejected << " rejected\n";
  const std::size_t show = std::min<std::size_t>(rep.rejections.size(), 10);
  for (std::size_t i = 0; i < show; ++i) o << "  rejected " << rep.rejections[i].str() << "\n";
  if (rep.rejected > static_cast<std::int64_t>(show))
    o << "  ... " << rep.rejected - static_cast<std::int64_t>(show) << " more rejections (all in audit.json with --out)\n";
  for (const auto& [m, u] : rep.unknown_models)
    o << "  model not in the pricing catalog: " << m << " (" << u.records << (u.records == 1 ? " record, " : " records, ") << tokens_text(u.tokens)
      << " tokens, not priced)\n";
  if (rep.unmapped_identities)
    o << "  " << rep.unmapped_identities << " identities not in the --map file (e.g. " << rep.unmapped_examples.front() << ")\n";
  for (const auto& n : rep.notes) o << "  note: " << n << "\n";
  if (d.empty()) return;

  const UsageStats& t = r.total;
  int ranked = 0;
  for (const auto& p : r.people) ranked += p.ranked;
  o << "\nTotal spend " << format_usd(t.spend) << " on " << tokens_text(t.tokens.total()) << " tokens (input "
    << tokens_text(t.tokens[TokenType::input]) << ", output " << tokens_text(t.tokens[TokenType::output]) << ", cache read "
    << tokens_text(t.tokens[TokenType::cache_read]) << ", cache write "
    << tokens_text(t.tokens[TokenType::cache_write_5m] + t.tokens[TokenType::cache_write_1h]) << ") by " << ranked
    << " people\n";
  o << "Outcomes: " << t.outcomes.sessions << " sessions, " << t.outcomes.pull_requests << " PRs, " << t.outcomes.commits
    << " commits, " << t.outcomes.edits_accepted << " accepted edits (acceptance " << pct(t.acceptance_rate()) << ")\n";
  o << "Unit costs: " << money(t.cost_per_pr()) << " per PR, " << money(t.cost_per_commit()) << " per commit, "
    << money(t.cost_per_accepted_edit()) << " per accepted edit\n";

  o << "\nTeams\n  " << pad("team", 20) << pad("people", 7, true) << pad("spend", 13, true) << pad("tokens", 9, true)
    << pad("PRs", 7, true) << pad("$/PR", 9, true) << pad("accept", 8, true) << "\n";
  for (const auto& [name, v] : team_totals(r, d))
    o << "  " << pad(name, 20) << pad(std::to_string(v.second), 7, true) << pad(format_usd(v.first.spend), 13, true)
      << pad(tokens_text(v.first.tokens.total()), 9, true) << pad(std::to_string(v.first.outcomes.pull_requests), 7, true)
      << pad(money(v.first.cost_per_pr()), 9, true) << pad(pct(v.first.acceptance_rate()), 8, true) << "\n";

  std::vector<std::uint32_t> order;
  for (const auto& p : r.people)
    if (p.stats.spend > 0 || p.stats.tokens.total() > 0) order.push_back(p.person);
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return r.people[a].stats.spend > r.people[b].stats.spend; });
  o << "\nTop spenders\n  " << pad("person", 28) << pad("team", 14) << pad("spend", 13, true) << pad("tokens", 9, true)
    << pad("PRs", 6, true) << pad("$/PR", 9, true) << pad("accept", 8, true) << pad("anom", 6, true) << "\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(order.size(), 10); ++i) {
    const auto& p = r.people[order[i]];
    o << "  " << pad(people[p.person].name, 28) << pad(people[p.person].team, 14) << pad(format_usd(p.stats.spend), 13, true)
      << pad(tokens_text(p.stats.tokens.total()), 9, true) << pad(std::to_string(p.stats.outcomes.pull_requests), 6, true)
      << pad(money(p.stats.cost_per_pr()), 9, true) << pad(pct(p.stats.acceptance_rate()), 8, true)
      << pad(std::to_string(p.anomaly_days), 6, true) << "\n";
  }

  o << "\nTokenmaxxing suspects: usage not backed by outcomes (usage percentile >= "
    << fixed(100 * r.options.min_usage_percentile, 0) << " and " << fixed(100 * r.options.min_gap, 0)
    << " points above outcomes, or edit acceptance " << fixed(100 * r.options.acceptance_gap, 0)
    << "+ points below the cohort median with z <= -" << fixed(r.options.acceptance_z, 0) << ")\n";
  if (r.suspects.empty()) o << "  none\n";
  for (std::size_t i = 0; i < r.suspects.size(); ++i) {
    const auto& s = r.suspects[i];
    o << "  " << i + 1 << ". " << people[s.person].name;
    if (!people[s.person].team.empty()) o << " (" << people[s.person].team << ")";
    o << ": usage percentile " << fixed(100 * s.usage_percentile, 0) << ", outcomes "
      << fixed(100 * s.outcome_percentile, 0) << ", spend " << format_usd(r.people[s.person].stats.spend) << "\n";
    for (const auto& reason : s.reasons) o << "       - " << reason << "\n";
  }

  o << "\nUsage-outcome rank correlation (Spearman, spend vs outcomes) per " << period_name(r.options.period) << "\n";
  for (const auto& c : r.correlation) {
    o << "  " << pad(r.periods[static_cast<std::size_t>(c.period)].label, 11) << " people " << pad(std::to_string(c.people), 5, true)
      << "  rho " << pad(c.rho_outcomes ? fixed(*c.rho_outcomes, 2) : "-", 6, true) << "  (PRs only "
      << (c.rho_prs ? fixed(*c.rho_prs, 2) : "-") << ")\n";
  }
  if (r.correlation_trend)
    o << "  trend " << (*r.correlation_trend >= 0 ? "+" : "") << fixed(*r.correlation_trend, 3) << " per "
      << period_name(r.options.period)
      << (*r.correlation_trend < -0.01 ? ": falling, usage is measuring work less and less\n" : "\n");

  if (r.bunching) {
    const auto& b = *r.bunching;
    o << "\nBunching above the quota of " << fixed(b.quota, 0) << (b.metric == QuotaMetric::tokens ? " tokens" : " USD")
      << " per week\n";
    if (!b.note.empty()) o << "  " << b.note << "\n";
    else
      o << "  " << b.observed << " of " << b.person_weeks << " person-weeks in [quota, 1.1 x quota); a smooth density expects "
        << fixed(b.expected, 1) << " (excess " << fixed(100 * b.excess_ratio, 0) << " %, z = " << fixed(b.z, 1) << ")\n";
  }

  o << "\nAnomaly days (own trailing EWMA baseline, half-life " << fixed(r.options.anomaly.halflife_days, 0) << " days): "
    << r.anomalies.size() << "\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(r.anomalies.size(), 15); ++i) {
    const auto& a = r.anomalies[i];
    o << "  " << a.day.iso() << "  " << pad(people[a.person].name, 28) << pad(format_usd(a.spend), 12, true)
      << "  baseline " << money(a.baseline_usd) << (a.hint.empty() ? "" : "  " + a.hint) << "\n";
  }
  if (r.anomalies.size() > 15) o << "  ... " << r.anomalies.size() - 15 << " more\n";

  if (r.budget) {
    const auto& b = *r.budget;
    o << "\nBudget " << format_usd(b.budget) << " per " << (b.period == AuditBudgetPeriod::month ? "month" : "year") << " ("
      << b.period_start.iso() << " to " << (b.period_end + -1).iso() << ")\n";
    o << "  spent " << format_usd(b.spent) << " ("
      << pct(b.budget > 0 ? std::optional<double>(static_cast<double>(b.spent) / static_cast<double>(b.budget)) : std::nullopt)
      << ") by " << b.as_of.iso() << "; recent rate " << money(b.recent_daily_usd) << " a day; projected "
      << money(b.projected_period_usd) << " for the period\n";
    if (b.exhausted_on) o << "  exhausted on " << b.exhausted_on->iso() << "\n";
    else {
      o << "  probability of running out within the period " << pct(b.probability_exhausted) << "\n";
      if (b.exhaustion_p50)
        o << "  exhaustion date " << b.exhaustion_p50->iso() << " (90 % interval "
          << (b.exhaustion_p5 ? b.exhaustion_p5->iso() : "?") << " to "
          << (b.exhaustion_p95 ? b.exhaustion_p95->iso() : "after the period") << ")\n";
    }
  }
  if (r.truth) {
    const auto& t = *r.truth;
    o << "\nDetector scoring against simulated truth (gamer: gaming > " << fixed(100 * t.threshold, 0)
      << " % of own tokens)\n  " << t.gamers << " gamers, " << t.suspects << " suspects, " << t.true_positives
      << " correct: precision " << pct(t.precision) << ", recall " << pct(t.recall) << "\n";
  }
  if (!r.notes.empty()) {
    o << "\nNotes\n";
    for (const auto& n : r.notes) o << "  " << n << "\n";
  }
}

}  // namespace goodhart::engine
