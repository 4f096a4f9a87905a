// Replay: requested spend per person-day is what the history shows; the Governor decides
// what it would have allowed, in time order, exactly as in a simulation.
#include "goodhart/engine/replay.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <sstream>

#include "goodhart/engine/canonical_csv.hpp"
#include "goodhart/engine/output.hpp"

namespace goodhart::engine {

namespace {

struct Cell {
  MicroUsd spend = 0;
  Outcomes outcomes;
};

bool held_back(const ReplayEvent& e) { return e.allowed < e.requested; }

const char* scope_name(AlertScope s) {
  switch (s) {
    case AlertScope::seat: return "seat";
    case AlertScope::team: return "team";
    case AlertScope::org: return "organisation";
  }
  return "organisation";
}
const char* kind_name(BudgetKind k) { return k == BudgetKind::cap ? "cap" : "budget"; }
const char* period_name(BudgetPeriod p) {
  switch (p) {
    case BudgetPeriod::day: return "day";
    case BudgetPeriod::month: return "month";
    case BudgetPeriod::year: return "year";
  }
  return "month";
}

}  // namespace

ReplayResult run_replay(const UsageDataset& data, const PolicyConfig& policy) {
  ReplayResult res;
  const auto& people = data.people();
  res.people.resize(people.size());
  for (std::uint32_t i = 0; i < people.size(); ++i) res.people[i].person = i;
  if (data.empty()) {
    res.notes.push_back("no usage records: nothing to replay");
    return res;
  }
  res.start = data.first_day();
  res.end = data.last_day();

  std::map<std::string, std::int32_t> team_ids;
  std::vector<std::int32_t> team_of(people.size());
  std::vector<std::string> team_names;
  for (std::size_t i = 0; i < people.size(); ++i) {
    const std::string t = people[i].team.empty() ? "(no team)" : people[i].team;
    auto [it, inserted] = team_ids.emplace(t, static_cast<std::int32_t>(team_names.size()));
    if (inserted) team_names.push_back(t);
    team_of[i] = it->second;
  }
  Governor gov(policy, team_of, static_cast<int>(team_names.size()), res.start);
  gov.record_seat_alerts = true;

  if (policy.model_approval.enabled)
    res.notes.push_back("model approval is not replayed: the history cannot say what work a cheaper "
                        "model would have done; caps, budgets, alerts and anomaly actions are");
  if (policy.settle_delay_hours > 0)
    res.notes.push_back("enforcement lag: spend in flight for " + std::to_string(policy.settle_delay_hours) +
                        " hours still passes after a cap trips");
  std::uint64_t unpriced = 0;

  // Rows are sorted by day then person: one sweep groups them into person-days.
  const auto& rows = data.rows();
  std::size_t i = 0;
  std::vector<std::pair<std::uint32_t, Cell>> today;
  for (int d = 0; res.start + d <= res.end; ++d) {
    const Date day = res.start + d;
    today.clear();
    for (; i < rows.size() && rows[i].day == day; ++i) {
      if (today.empty() || today.back().first != rows[i].person) today.emplace_back(rows[i].person, Cell{});
      today.back().second.spend += rows[i].cost;
      today.back().second.outcomes += rows[i].outcomes;
      unpriced += rows[i].unpriced_tokens;
    }
    gov.begin_day(d);
    ReplayDay rd;
    rd.day = day;
    for (const auto& [p, cell] : today) {
      const Decision dec = gov.decide(static_cast<std::int32_t>(p), cell.spend);
      gov.settle(static_cast<std::int32_t>(p), dec.allowed, dec);
      ReplayPerson& rp = res.people[p];
      rp.requested += cell.spend;
      rp.allowed += dec.allowed;
      rd.requested += cell.spend;
      rd.allowed += dec.allowed;
      res.outcomes_total += cell.outcomes;
      ReplayEvent e{p, day, cell.spend, dec.allowed, dec.capped, dec.anomaly, dec.stop_agents, cell.outcomes};
      if (dec.anomaly) ++rp.anomaly_days;
      if (held_back(e)) {
        ++rp.blocked_days;
        rp.outcomes_at_risk += cell.outcomes;
        res.outcomes_at_risk += cell.outcomes;
        ++res.blocked_person_days;
      }
      if (held_back(e) || dec.anomaly) res.events.push_back(e);
    }
    const DayReport rep = gov.end_day();
    rd.people_capped = rep.people_capped;
    rd.anomalies = rep.anomalies;
    rd.alerts = rep.alerts;
    res.requested += rd.requested;
    res.allowed += rd.allowed;
    res.days.push_back(rd);
  }
  for (const auto& ev : gov.alerts()) {
    ReplayAlert a{ev, {}};
    if (ev.scope == AlertScope::seat) a.subject = people[static_cast<std::size_t>(ev.id)].name;
    else if (ev.scope == AlertScope::team) a.subject = team_names[static_cast<std::size_t>(ev.id)];
    else a.subject = "organisation";
    res.alerts.push_back(a);
  }
  if (gov.org_exhausted_day() >= 0) res.org_exhausted = res.start + gov.org_exhausted_day();
  if (unpriced > 0)
    res.notes.push_back(std::to_string(unpriced) + " tokens on models the pricing catalog lacks carry no spend, "
                        "so no policy sees them");
  return res;
}

namespace {
using json = nlohmann::ordered_json;  // keys in the order written, for readers

json outcomes_json(const Outcomes& o) {
  return json{{"sessions", o.sessions},         {"commits", o.commits},
              {"pull_requests", o.pull_requests}, {"lines_added", o.lines_added},
              {"lines_removed", o.lines_removed}, {"edits_accepted", o.edits_accepted},
              {"edits_rejected", o.edits_rejected}};
}

std::string alert_text(const ReplayAlert& a) {
  char b[64];
  std::snprintf(b, sizeof b, "%.0f %%", 100 * a.event.threshold);
  return std::string(b) + " of the " + scope_name(a.event.scope) + " " + period_name(a.event.period) + " " +
         kind_name(a.event.kind) + " (" + format_usd(a.event.limit_micro_usd) + ")";
}

std::string outcomes_text(const Outcomes& o) {
  return std::to_string(o.pull_requests) + " PRs, " + std::to_string(o.commits) + " commits, " +
         std::to_string(o.edits_accepted) + " accepted edits, " + std::to_string(o.lines_added) + " lines added";
}

std::string csv(std::string_view s) {
  std::ostringstream o;
  write_csv_field(o, s);
  return o.str();
}
}  // namespace

std::string replay_json(const ReplayResult& r, const UsageDataset& d) {
  const auto& people = d.people();
  json j;
  j["goodhart_replay"] = 1;
  j["range"] = d.empty() ? json(nullptr) : json{{"first_day", r.start.iso()}, {"last_day", r.end.iso()}};
  j["ingest"] = {{"records_read", d.report().records_read},
                 {"accepted", d.report().accepted},
                 {"rejected", d.report().rejected},
                 {"duplicates", d.report().duplicates}};
  j["requested_usd"] = micro_to_usd(r.requested);
  j["allowed_usd"] = micro_to_usd(r.allowed);
  j["saved_usd"] = micro_to_usd(r.saved());
  j["requested_micro_usd"] = r.requested;
  j["allowed_micro_usd"] = r.allowed;
  j["saved_micro_usd"] = r.saved();
  j["blocked_person_days"] = r.blocked_person_days;
  j["outcomes_total"] = outcomes_json(r.outcomes_total);
  j["outcomes_at_risk"] = outcomes_json(r.outcomes_at_risk);
  j["org_exhausted_on"] = r.org_exhausted ? json(r.org_exhausted->iso()) : json(nullptr);
  json alerts = json::array();
  for (const auto& a : r.alerts)
    alerts.push_back({{"date", a.event.date.iso()},
                      {"scope", scope_name(a.event.scope)},
                      {"subject", a.subject},
                      {"kind", kind_name(a.event.kind)},
                      {"period", period_name(a.event.period)},
                      {"threshold", a.event.threshold},
                      {"limit_usd", micro_to_usd(a.event.limit_micro_usd)},
                      {"forecast_exhausted_on", a.event.forecast_exhausted_day >= 0
                                                    ? json((r.start + a.event.forecast_exhausted_day).iso())
                                                    : json(nullptr)}});
  j["alerts"] = alerts;
  json events = json::array();
  for (const auto& e : r.events)
    events.push_back({{"date", e.day.iso()},
                      {"person", people[e.person].name},
                      {"requested_usd", micro_to_usd(e.requested)},
                      {"allowed_usd", micro_to_usd(e.allowed)},
                      {"blocked_usd", micro_to_usd(e.requested - e.allowed)},
                      {"capped", e.capped},
                      {"anomaly", e.anomaly},
                      {"stop_agents", e.stop_agents},
                      {"outcomes", outcomes_json(e.outcomes)}});
  j["events"] = events;
  json pj = json::array();
  for (const auto& p : r.people) {
    if (p.requested == 0 && p.blocked_days == 0 && p.anomaly_days == 0) continue;
    pj.push_back({{"person", people[p.person].name},
                  {"team", people[p.person].team},
                  {"requested_usd", micro_to_usd(p.requested)},
                  {"allowed_usd", micro_to_usd(p.allowed)},
                  {"blocked_usd", micro_to_usd(p.requested - p.allowed)},
                  {"blocked_days", p.blocked_days},
                  {"anomaly_days", p.anomaly_days},
                  {"outcomes_at_risk", outcomes_json(p.outcomes_at_risk)}});
  }
  j["people"] = pj;
  json dj = json::array();
  for (const auto& day : r.days)
    dj.push_back({{"date", day.day.iso()},
                  {"requested_usd", micro_to_usd(day.requested)},
                  {"allowed_usd", micro_to_usd(day.allowed)},
                  {"people_capped", day.people_capped},
                  {"anomalies", day.anomalies},
                  {"alerts", day.alerts}});
  j["days"] = dj;
  j["notes"] = r.notes;
  // Names need not be UTF-8 (spreadsheet exports): invalid bytes render as U+FFFD.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

void write_replay_outputs(const std::filesystem::path& dir, const ReplayResult& r, const UsageDataset& d) {
  const auto& people = d.people();
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("replay.json", replay_json(r, d));
  {
    std::ostringstream o;
    o << "date,person,requested_usd,allowed_usd,blocked_usd,capped,anomaly,stop_agents,pull_requests,commits,"
         "edits_accepted,lines_added\n";
    for (const auto& e : r.events)
      o << e.day.iso() << ',' << csv(people[e.person].name) << ',' << format_micro_usd(e.requested) << ','
        << format_micro_usd(e.allowed) << ',' << format_micro_usd(e.requested - e.allowed) << ',' << e.capped << ','
        << e.anomaly << ',' << e.stop_agents << ',' << e.outcomes.pull_requests << ',' << e.outcomes.commits << ','
        << e.outcomes.edits_accepted << ',' << e.outcomes.lines_added << '\n';
    files.emplace_back("events.csv", o.str());
  }
  {
    std::ostringstream o;
    o << "date,scope,subject,kind,period,threshold,limit_usd,forecast_exhausted_on\n";
    for (const auto& a : r.alerts)
      o << a.event.date.iso() << ',' << scope_name(a.event.scope) << ',' << csv(a.subject) << ','
        << kind_name(a.event.kind) << ',' << period_name(a.event.period) << ',' << a.event.threshold << ','
        << format_micro_usd(a.event.limit_micro_usd) << ','
        << (a.event.forecast_exhausted_day >= 0 ? (r.start + a.event.forecast_exhausted_day).iso() : "") << '\n';
    files.emplace_back("alerts.csv", o.str());
  }
  {
    std::ostringstream o;
    o << "date,requested_usd,allowed_usd,people_capped,anomalies,alerts\n";
    for (const auto& day : r.days)
      o << day.day.iso() << ',' << format_micro_usd(day.requested) << ',' << format_micro_usd(day.allowed) << ','
        << day.people_capped << ',' << day.anomalies << ',' << day.alerts << '\n';
    files.emplace_back("days.csv", o.str());
  }
  {
    std::ostringstream o;
    o << "person,team,requested_usd,allowed_usd,blocked_usd,blocked_days,anomaly_days,prs_at_risk,commits_at_risk,"
         "accepted_edits_at_risk\n";
    for (const auto& p : r.people) {
      if (p.requested == 0 && p.blocked_days == 0) continue;
      o << csv(people[p.person].name) << ',' << csv(people[p.person].team) << ',' << format_micro_usd(p.requested)
        << ',' << format_micro_usd(p.allowed) << ',' << format_micro_usd(p.requested - p.allowed) << ','
        << p.blocked_days << ',' << p.anomaly_days << ',' << p.outcomes_at_risk.pull_requests << ','
        << p.outcomes_at_risk.commits << ',' << p.outcomes_at_risk.edits_accepted << '\n';
    }
    files.emplace_back("people.csv", o.str());
  }
  std::filesystem::create_directories(dir);
  for (const auto& [name, content] : files) write_file_atomic(dir / name, content);
}

void write_replay_table(std::ostream& o, const ReplayResult& r, const UsageDataset& d) {
  const auto& people = d.people();
  const auto& rep = d.report();
  o << "goodhart replay";
  if (!d.empty()) o << " - " << r.start.iso() << " to " << r.end.iso() << " (" << (r.end - r.start + 1) << " days)";
  o << "\n\nInput: " << rep.records_read << " records read = " << rep.accepted << " accepted + " << rep.rejected
    << " rejected";
  if (rep.duplicates) o << " (" << rep.duplicates << " duplicates)";
  o << "\n";
  for (std::size_t k = 0; k < std::min<std::size_t>(rep.rejections.size(), 10); ++k)
    o << "  rejected " << rep.rejections[k].str() << "\n";
  if (d.empty()) return;
  char share[32];
  std::snprintf(share, sizeof share, "%.1f %%", r.requested > 0 ? 100.0 * static_cast<double>(r.saved()) / static_cast<double>(r.requested) : 0.0);
  o << "\nActual spend " << format_usd(r.requested) << "; under the policy " << format_usd(r.allowed) << "; saved "
    << format_usd(r.saved()) << " (" << share << ")\n";
  o << "Spend held back on " << r.blocked_person_days << " person-days; outcomes recorded on those days (at risk): "
    << outcomes_text(r.outcomes_at_risk) << " of " << outcomes_text(r.outcomes_total) << "\n";
  if (r.org_exhausted) o << "Organisation limit reached on " << r.org_exhausted->iso() << "\n";

  std::vector<const ReplayPerson*> blocked;
  for (const auto& p : r.people)
    if (p.blocked_days > 0 || p.anomaly_days > 0) blocked.push_back(&p);
  std::stable_sort(blocked.begin(), blocked.end(), [](auto* a, auto* b) {
    return a->requested - a->allowed > b->requested - b->allowed;
  });
  o << "\nWho would have been held back (" << blocked.size() << (blocked.size() == 1 ? " person)\n" : " people)\n");
  for (std::size_t k = 0; k < std::min<std::size_t>(blocked.size(), 15); ++k) {
    const auto* p = blocked[k];
    o << "  " << people[p->person].name << ": " << format_usd(p->requested - p->allowed) << " blocked on "
      << p->blocked_days << " day" << (p->blocked_days == 1 ? "" : "s");
    if (p->anomaly_days) o << ", " << p->anomaly_days << " anomaly day" << (p->anomaly_days == 1 ? "" : "s");
    o << "; at risk: " << outcomes_text(p->outcomes_at_risk) << "\n";
  }
  if (blocked.size() > 15) o << "  ... " << blocked.size() - 15 << " more (events.csv with --out)\n";

  o << "\nAlerts (" << r.alerts.size() << ")\n";
  for (std::size_t k = 0; k < std::min<std::size_t>(r.alerts.size(), 20); ++k) {
    const auto& a = r.alerts[k];
    o << "  " << a.event.date.iso() << "  " << a.subject << ": " << alert_text(a);
    if (a.event.forecast_exhausted_day >= 0)
      o << ", exhaustion forecast " << (r.start + a.event.forecast_exhausted_day).iso();
    o << "\n";
  }
  if (r.alerts.size() > 20) o << "  ... " << r.alerts.size() - 20 << " more (alerts.csv with --out)\n";
  if (!r.notes.empty()) {
    o << "\nNotes\n";
    for (const auto& n : r.notes) o << "  " << n << "\n";
  }
}

}  // namespace goodhart::engine
