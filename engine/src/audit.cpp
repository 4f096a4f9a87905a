// The audit's computations. Ranks are within a person's cohort (roles differ in what
// outcomes they can show); every threshold is an AuditOptions field, stated in docs/formats.md.
#include "goodhart/engine/audit.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <array>

#include "goodhart/engine/stats.hpp"

namespace goodhart::engine {

std::optional<double> UsageStats::cost_per_pr() const {
  if (outcomes.pull_requests <= 0) return std::nullopt;
  return micro_to_usd(spend) / static_cast<double>(outcomes.pull_requests);
}
std::optional<double> UsageStats::cost_per_commit() const {
  if (outcomes.commits <= 0) return std::nullopt;
  return micro_to_usd(spend) / static_cast<double>(outcomes.commits);
}
std::optional<double> UsageStats::cost_per_accepted_edit() const {
  if (outcomes.edits_accepted <= 0) return std::nullopt;
  return micro_to_usd(spend) / static_cast<double>(outcomes.edits_accepted);
}
std::optional<double> UsageStats::acceptance_rate() const {
  const auto n = outcomes.edits_accepted + outcomes.edits_rejected;
  if (n <= 0) return std::nullopt;
  return static_cast<double>(outcomes.edits_accepted) / static_cast<double>(n);
}

bool is_group_identity(const std::string& name) { return !name.empty() && name.front() == '('; }

namespace {

void add_row(UsageStats& s, const DayUsage& r) {
  s.spend += r.cost;
  s.unpriced_tokens += r.unpriced_tokens;
  s.tokens += r.tokens;
  s.outcomes += r.outcomes;
  s.requests += r.requests;
  s.failed_requests += r.failed_requests;
  s.gaming_tokens_truth += r.gaming_tokens_truth;
}

Date period_start(Date d, AuditPeriod p) {
  switch (p) {
    case AuditPeriod::day: return d;
    case AuditPeriod::week: return d.week_start();
    case AuditPeriod::month: return Date::from_ymd(d.year(), d.month(), 1);
  }
  return d;
}

Date next_month(Date d) {
  return d.month() == 12 ? Date::from_ymd(d.year() + 1, 1, 1) : Date::from_ymd(d.year(), d.month() + 1, 1);
}

Date period_end(Date start, AuditPeriod p) {
  switch (p) {
    case AuditPeriod::day: return start + 1;
    case AuditPeriod::week: return start + 7;
    case AuditPeriod::month: return next_month(start);
  }
  return start + 1;
}

std::string period_label(Date start, AuditPeriod p) {
  return p == AuditPeriod::month ? start.iso().substr(0, 7) : start.iso();
}

// Mid-rank percentile in (0,1): the top of n gets 1 - 0.5/n, ties share their mean.
std::vector<double> percentiles(const std::vector<double>& x) {
  std::vector<double> r = average_ranks(x);
  const double n = static_cast<double>(x.size());
  for (double& v : r) v = (v - 0.5) / n;
  return r;
}

double usd(MicroUsd m) { return micro_to_usd(m); }

std::string pct_text(double share) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f %%", 100.0 * share);
  return b;
}

std::string usd_text(double v) {
  char b[48];
  if (std::fabs(v) >= 100) std::snprintf(b, sizeof b, "$%.0f", v);
  else std::snprintf(b, sizeof b, "$%.2f", v);
  return b;
}

std::string ordinal(long n) {
  const long t = n % 100;
  const char* suffix = (t >= 11 && t <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

// "top 3 %" for rank 1 of 40: the smallest whole percentage that contains the rank.
int top_percent(std::size_t rank, std::size_t n) {
  return std::max(1, static_cast<int>(std::ceil(100.0 * static_cast<double>(rank) / static_cast<double>(n))));
}

struct OutcomeMeasure {
  const char* name;  // plural, for reasons
  std::int64_t (*get)(const UsageStats&);
};
const OutcomeMeasure kMeasures[] = {
    {"PRs", [](const UsageStats& s) { return s.outcomes.pull_requests; }},
    {"commits", [](const UsageStats& s) { return s.outcomes.commits; }},
    {"accepted edits", [](const UsageStats& s) { return s.outcomes.edits_accepted; }},
    {"lines added", [](const UsageStats& s) { return s.outcomes.lines_added; }},
};

// Outcome score of each member: the mean percentile over the measures anyone in the group
// has, so no unit or weight has to be chosen between PRs, commits and edits.
std::optional<std::vector<double>> outcome_scores(const std::vector<const UsageStats*>& members) {
  std::vector<double> score(members.size(), 0.0);
  int used = 0;
  for (const auto& m : kMeasures) {
    std::vector<double> v(members.size());
    bool any = false;
    for (std::size_t i = 0; i < members.size(); ++i) {
      v[i] = static_cast<double>(m.get(*members[i]));
      any = any || v[i] > 0;
    }
    if (!any) continue;
    const auto p = percentiles(v);
    for (std::size_t i = 0; i < members.size(); ++i) score[i] += p[i];
    ++used;
  }
  if (used == 0) return std::nullopt;
  for (double& s : score) s /= used;
  return score;
}

struct PersonDay {
  std::int32_t day;
  MicroUsd spend;
  std::uint64_t tokens;
  std::int64_t requests, failed, sessions;
};

// Sorted values of one group, for ranks by binary search rather than a scan per person.
struct SortedColumn {
  std::vector<double> v;
  void finish() { std::sort(v.begin(), v.end()); }
  std::size_t greater(double x) const { return static_cast<std::size_t>(v.end() - std::upper_bound(v.begin(), v.end(), x)); }
  std::size_t less(double x) const { return static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), x) - v.begin()); }
  std::size_t equal(double x) const {
    return static_cast<std::size_t>(std::upper_bound(v.begin(), v.end(), x) - std::lower_bound(v.begin(), v.end(), x));
  }
};

}  // namespace

AuditResult run_audit(const UsageDataset& data, const AuditOptions& opt) {
  AuditResult res;
  res.options = opt;
  const auto& people = data.people();
  const std::size_t np = people.size();
  res.people.resize(np);
  for (std::uint32_t i = 0; i < np; ++i) res.people[i].person = i;
  for (const auto& l : data.org_costs()) res.org_cost_lines += l.cost;
  if (data.empty()) {
    res.notes.push_back("no usage records: nothing to audit");
    return res;
  }

  // Periods covering the data.
  const Date first = data.first_day(), last = data.last_day();
  for (Date s = period_start(first, opt.period); s <= last; s = period_end(s, opt.period))
    res.periods.push_back(PeriodInfo{s, period_end(s, opt.period), period_label(s, opt.period)});
  auto period_of = [&](Date d) {
    const Date s = period_start(d, opt.period);
    auto it = std::lower_bound(res.periods.begin(), res.periods.end(), s,
                               [](const PeriodInfo& p, Date v) { return p.start < v; });
    return static_cast<int>(it - res.periods.begin());
  };

  // Aggregation: rows are sorted by (day, person, model), so a person-day is contiguous.
  // Person-, team- and model-periods are found through integer keys, never strings.
  std::vector<std::string> team_names;
  std::vector<std::uint32_t> team_of(np);
  {
    std::map<std::string, std::uint32_t> ids;
    for (std::size_t p = 0; p < np; ++p) {
      const std::string t = people[p].team.empty() ? "(no team)" : people[p].team;
      auto [it, inserted] = ids.emplace(t, static_cast<std::uint32_t>(team_names.size()));
      if (inserted) team_names.push_back(t);
      team_of[p] = it->second;
    }
  }
  std::unordered_map<std::uint64_t, std::size_t> pp_index, tp_index, mp_index;
  std::vector<GroupPeriodRow> teams, models;
  auto key = [](std::uint32_t id, int per) { return (static_cast<std::uint64_t>(id) << 32) | static_cast<std::uint32_t>(per); };
  std::vector<std::vector<PersonDay>> days(np);
  const auto& rows = data.rows();
  int per = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const DayUsage& r = rows[i];
    if (i == 0 || rows[i - 1].day != r.day) per = period_of(r.day);
    const bool new_person_day = i == 0 || rows[i - 1].day != r.day || rows[i - 1].person != r.person;
    auto [pi, p_new] = pp_index.try_emplace(key(r.person, per), res.person_periods.size());
    if (p_new) res.person_periods.push_back(PersonPeriodRow{r.person, per, {}});
    UsageStats& ps = res.person_periods[pi->second].stats;
    add_row(ps, r);
    PersonSummary& sum = res.people[r.person];
    add_row(sum.stats, r);
    if (r.day.weekday() >= 5) sum.weekend_spend += r.cost;
    auto [ti, t_new] = tp_index.try_emplace(key(team_of[r.person], per), teams.size());
    if (t_new) teams.push_back(GroupPeriodRow{team_names[team_of[r.person]], per, 0, {}});
    UsageStats& ts = teams[ti->second].stats;
    add_row(ts, r);
    auto [mi, m_new] = mp_index.try_emplace(key(r.model, per), models.size());
    if (m_new) {
      const std::string& m = data.models()[r.model];
      models.push_back(GroupPeriodRow{m.empty() ? "(none)" : m, per, 0, {}});
    }
    add_row(models[mi->second].stats, r);
    add_row(res.total, r);
    if (new_person_day) {
      ++ps.active_days;
      ++sum.stats.active_days;
      ++ts.active_days;
      days[r.person].push_back(PersonDay{r.day.days, 0, 0, 0, 0, 0});
    }
    PersonDay& pd = days[r.person].back();
    pd.spend += r.cost;
    pd.tokens += r.tokens.total();
    pd.requests += r.requests;
    pd.failed += r.failed_requests;
    pd.sessions += r.outcomes.sessions;
  }
  {
    std::unordered_map<std::uint64_t, std::size_t> pm_index;
    for (const DayUsage& r : rows) {
      auto [it, inserted] = pm_index.try_emplace(key(r.person, static_cast<int>(r.model)), res.person_models.size());
      if (inserted) res.person_models.push_back(PersonModelRow{r.person, r.model, 0, 0, {}});
      PersonModelRow& pm = res.person_models[it->second];
      pm.spend += r.cost;
      pm.unpriced_tokens += r.unpriced_tokens;
      pm.tokens += r.tokens;
    }
    std::sort(res.person_models.begin(), res.person_models.end(),
              [](const auto& a, const auto& b) { return std::tie(a.person, a.model) < std::tie(b.person, b.model); });
  }
  // A team-period's people: one per person-period of its members.
  for (const auto& row : res.person_periods) ++teams[tp_index.at(key(team_of[row.person], row.period))].people;
  res.team_periods = std::move(teams);
  res.model_periods = std::move(models);
  std::stable_sort(res.person_periods.begin(), res.person_periods.end(),
                   [](const auto& a, const auto& b) { return std::tie(a.period, a.person) < std::tie(b.period, b.person); });
  std::stable_sort(res.team_periods.begin(), res.team_periods.end(),
                   [](const auto& a, const auto& b) { return std::tie(a.period, a.name) < std::tie(b.period, b.name); });
  std::stable_sort(res.model_periods.begin(), res.model_periods.end(),
                   [](const auto& a, const auto& b) { return std::tie(a.period, a.name) < std::tie(b.period, b.name); });

  // Anomaly days against each person's own trailing EWMA baseline. Flagged days are kept
  // out of the baseline, so a runaway loop stays flagged for as long as it runs, until it
  // has lasted anomaly_absorb_after_days and is taken as the new normal.
  const double alpha = Ewma::alpha_from_halflife(opt.anomaly.halflife_days);
  for (std::uint32_t p = 0; p < np; ++p) {
    if (is_group_identity(people[p].name) || days[p].empty() || !opt.anomaly.enabled) continue;
    // Idle days are zero-spend days of the baseline; they are never flagged (min_usd >= 0),
    // so a gap only ends a run and decays the baseline. Gaps past kStepGap days are decayed in
    // closed form: a person idle for years (or a stray far-off date) costs nothing.
    constexpr std::int32_t kStepGap = 31;
    Ewma base(alpha);
    int run = 0;
    std::int32_t prev = days[p].front().day - 1;
    for (const PersonDay& cell : days[p]) {
      const std::int32_t d = cell.day;
      if (const std::int32_t gap = d - prev - 1; gap > 0) {
        run = 0;
        if (gap > kStepGap) base.update_zeros(gap);
        else
          for (std::int32_t i = 0; i < gap; ++i) base.update(0.0);
      }
      prev = d;
      const double x = usd(cell.spend);
      const double mean = base.mean(), sd = base.sd();
      const bool flag = base.count() >= opt.anomaly.warmup_days && x > opt.anomaly.min_usd &&
                        x > mean + opt.anomaly.z * sd && x > opt.anomaly.ratio * mean;
      if (flag) {
        ++run;
        AnomalyDay a;
        a.person = p;
        a.day = Date{d};
        a.spend = cell.spend;
        a.baseline_usd = mean;
        a.baseline_sd_usd = sd;
        a.run_length = run;
        std::vector<std::string> hints;
        if (cell.requests > 0 && cell.failed * 10 >= cell.requests * 3)
          hints.push_back(pct_text(static_cast<double>(cell.failed) / static_cast<double>(cell.requests)) +
                          " of requests failed (retry storm?)");
        if (Date{d}.weekday() >= 5) hints.push_back("on a weekend");
        if (cell.sessions == 0 && cell.spend > 0) hints.push_back("no sessions recorded (background agent?)");
        if (run > 1) hints.push_back("day " + std::to_string(run) + " of a run (runaway loop?)");
        for (std::size_t h = 0; h < hints.size(); ++h) a.hint += (h ? "; " : "") + hints[h];
        res.anomalies.push_back(a);
        ++res.people[p].anomaly_days;
        res.people[p].anomaly_spend += cell.spend;
        res.people[p].anomaly_tokens += cell.tokens;
        if (run >= opt.anomaly_absorb_after_days) base.update(x);
      } else {
        run = 0;
        base.update(x);
      }
    }
  }
  std::stable_sort(res.anomalies.begin(), res.anomalies.end(), [](const AnomalyDay& a, const AnomalyDay& b) {
    return std::tie(a.day.days, a.person) < std::tie(b.day.days, b.person);
  });

  // Ranking groups: cohorts large enough to rank within, everyone else against everyone.
  std::vector<std::uint32_t> ranked;
  for (std::uint32_t p = 0; p < np; ++p) {
    const auto& s = res.people[p].stats;
    if (!is_group_identity(people[p].name) && (s.spend > 0 || s.tokens.total() > 0)) {
      ranked.push_back(p);
      res.people[p].ranked = true;
    }
  }
  std::map<std::string, std::vector<std::uint32_t>> groups;
  for (auto p : ranked) groups[people[p].cohort].push_back(p);
  std::map<std::string, std::vector<std::uint32_t>> ranking;
  for (auto& [cohort, members] : groups) {
    if (!cohort.empty() && members.size() >= opt.min_cohort_size) ranking[cohort] = members;
  }
  {
    bool leftovers = false;
    for (auto p : ranked)
      leftovers = leftovers || !ranking.count(people[p].cohort) || people[p].cohort.empty();
    if (leftovers) ranking["everyone"] = ranked;
  }
  bool any_outcomes = false;
  for (auto& [gname, members] : ranking) {
    std::vector<const UsageStats*> st;
    std::vector<double> spend, tokens;
    for (auto p : members) {
      const PersonSummary& ps_ = res.people[p];
      st.push_back(&ps_.stats);
      spend.push_back(static_cast<double>(ps_.stats.spend - ps_.anomaly_spend));
      tokens.push_back(static_cast<double>(ps_.stats.tokens.total() - ps_.anomaly_tokens));
    }
    const auto ps = percentiles(spend), pt = percentiles(tokens);
    const auto outcome = outcome_scores(st);
    any_outcomes = any_outcomes || outcome.has_value();
    for (std::size_t i = 0; i < members.size(); ++i) {
      PersonSummary& s = res.people[members[i]];
      // "everyone" only ranks the people no cohort group took.
      if (gname == "everyone" && ranking.count(people[members[i]].cohort) && !people[members[i]].cohort.empty()) continue;
      s.ranking_group = gname;
      // Spend and tokens both measure usage; their mean is robust to unpriced models.
      s.usage_percentile = (ps[i] + pt[i]) / 2.0;
      s.outcome_percentile = outcome ? (*outcome)[i] : 0.5;
    }
  }
  if (!any_outcomes)
    res.notes.push_back("no outcomes (PRs, commits, edits, lines) in the data: rank divergence needs "
                        "Claude Code Analytics or canonical CSV with outcomes; no suspects listed");

  // Suspects and their reasons. Every comparison set is built once, so reasons cost a
  // binary search per person, not a scan of the cohort.
  auto usage_spend = [&](std::uint32_t q) { return static_cast<double>(res.people[q].stats.spend - res.people[q].anomaly_spend); };
  auto usage_tokens = [&](std::uint32_t q) {
    return static_cast<double>(res.people[q].stats.tokens.total() - res.people[q].anomaly_tokens);
  };
  struct GroupColumns {
    SortedColumn spend, tokens;
    std::array<SortedColumn, std::size(kMeasures)> per_dollar;
    std::array<bool, std::size(kMeasures)> any{};
    double weekend_median = 0;
  };
  std::map<std::string, GroupColumns> columns;
  for (auto& [gname, members] : ranking) {
    GroupColumns& g = columns[gname];
    std::vector<double> weekend;
    for (auto q : members) {
      const auto& qs = res.people[q].stats;
      g.spend.v.push_back(usage_spend(q));
      g.tokens.v.push_back(usage_tokens(q));
      for (std::size_t m = 0; m < std::size(kMeasures); ++m) {
        g.any[m] = g.any[m] || kMeasures[m].get(qs) > 0;
        if (qs.spend > 0) g.per_dollar[m].v.push_back(static_cast<double>(kMeasures[m].get(qs)) / usd(qs.spend));
      }
      if (qs.spend > 0) weekend.push_back(static_cast<double>(res.people[q].weekend_spend) / static_cast<double>(qs.spend));
    }
    g.spend.finish();
    g.tokens.finish();
    for (auto& c : g.per_dollar) c.finish();
    g.weekend_median = weekend.empty() ? 0.0 : median(weekend);
  }
  std::map<std::string, std::vector<double>> team_acceptance_v, team_cost_per_pr_v;
  for (auto p : ranked) {
    const auto& s = res.people[p];
    const std::string team = people[p].team.empty() ? s.ranking_group : people[p].team;
    if (s.stats.outcomes.edits_accepted + s.stats.outcomes.edits_rejected >= opt.min_decisions)
      team_acceptance_v[team].push_back(*s.stats.acceptance_rate());
    if (auto c = s.stats.cost_per_pr()) team_cost_per_pr_v[team].push_back(*c);
  }
  std::map<std::string, double> team_acceptance, team_cost_per_pr;  // medians of teams of 3 or more
  for (auto& [t, v] : team_acceptance_v)
    if (v.size() >= 3) team_acceptance[t] = median(v);
  for (auto& [t, v] : team_cost_per_pr_v)
    if (v.size() >= 3) team_cost_per_pr[t] = median(v);
  // Cohort medians of acceptance, over people with enough decisions to have a rate.
  std::map<std::string, double> group_acceptance;
  for (auto& [gname, members] : ranking) {
    std::vector<double> rates;
    for (auto q : members) {
      const auto& o = res.people[q].stats.outcomes;
      if (o.edits_accepted + o.edits_rejected >= opt.min_decisions) rates.push_back(*res.people[q].stats.acceptance_rate());
    }
    if (rates.size() >= 3) group_acceptance[gname] = median(rates);
  }
  for (auto p : ranked) {
    const PersonSummary& s = res.people[p];
    if (!any_outcomes || s.ranking_group.empty()) continue;
    const double gap = s.usage_percentile - s.outcome_percentile;
    const bool volume = s.usage_percentile >= opt.min_usage_percentile && gap >= opt.min_gap;
    bool quality = false;
    double shortfall = 0, z = 0;
    const auto decisions = s.stats.outcomes.edits_accepted + s.stats.outcomes.edits_rejected;
    if (auto it = group_acceptance.find(s.ranking_group);
        it != group_acceptance.end() && decisions >= opt.min_decisions && it->second > 0 && it->second < 1) {
      const double med = it->second, n = static_cast<double>(decisions);
      shortfall = med - *s.stats.acceptance_rate();
      // Binomial z of the accepted count against the cohort's median rate: a few rejected
      // edits on a light day are noise, hundreds are not.
      z = (static_cast<double>(s.stats.outcomes.edits_accepted) - med * n) / std::sqrt(n * med * (1 - med));
      quality = s.usage_percentile >= opt.quality_min_usage_percentile && shortfall >= opt.acceptance_gap &&
                z <= -opt.acceptance_z;
    }
    if (!volume && !quality) continue;
    Suspect sus{p, gap + std::max(shortfall, 0.0), s.usage_percentile, s.outcome_percentile, volume, quality, {}};
    const GroupColumns& g = columns[s.ranking_group];
    const std::size_t n = g.spend.v.size();
    const std::string group_text = s.ranking_group;
    const std::size_t spend_rank = 1 + g.spend.greater(usage_spend(p));
    const std::size_t token_rank = 1 + g.tokens.greater(usage_tokens(p));
    sus.reasons.push_back("top " + std::to_string(top_percent(spend_rank, n)) + " % of spend (rank " +
                          std::to_string(spend_rank) + " of " + std::to_string(n) + " in " + group_text +
                          (s.anomaly_spend > 0 ? ", anomaly days left out)" : ")"));
    if (token_rank < spend_rank)
      sus.reasons.push_back("top " + std::to_string(top_percent(token_rank, n)) + " % of tokens");
    sus.reasons.push_back("outcomes at the " + ordinal(std::lround(100 * s.outcome_percentile)) +
                          " percentile of " + group_text);
    if (quality) {
      char z_text[32];
      std::snprintf(z_text, sizeof z_text, "%.1f", z);
      sus.reasons.push_back("acceptance rate " + pct_text(*s.stats.acceptance_rate()) + " vs " + group_text +
                            " median " + pct_text(group_acceptance[s.ranking_group]) + " over " +
                            std::to_string(decisions) + " edit decisions (z = " + z_text + ")");
    }
    bool any_outcome = false;
    for (const auto& m : kMeasures) any_outcome = any_outcome || m.get(s.stats) > 0;
    if (!any_outcome) sus.reasons.push_back("no PRs, commits, accepted edits or lines recorded");
    else if (s.stats.spend > 0) {
      // The worst outcome-per-dollar measure leads; the others that are also in the bottom
      // quarter follow in brackets, so one line says it.
      std::vector<std::pair<int, std::string>> low;
      for (std::size_t m = 0; m < std::size(kMeasures); ++m) {
        const double mine = static_cast<double>(kMeasures[m].get(s.stats)) / usd(s.stats.spend);
        const auto& col = g.per_dollar[m];
        // Mid-rank from the bottom, so a tie among many zeros is not called "bottom 3 %".
        const int bottom = top_percent(col.less(mine) + (col.equal(mine) + 1) / 2, col.v.size());
        if (g.any[m] && bottom <= 25) low.emplace_back(bottom, kMeasures[m].name);
      }
      std::stable_sort(low.begin(), low.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      if (!low.empty()) {
        std::string text = "bottom " + std::to_string(low[0].first) + " % of " + low[0].second + " per dollar";
        for (std::size_t k = 1; k < low.size(); ++k)
          text += (k == 1 ? " (" : ", ") + low[k].second + " " + std::to_string(low[k].first) + " %";
        if (low.size() > 1) text += ")";
        sus.reasons.push_back(text);
      }
    }
    const std::string team = people[p].team.empty() ? s.ranking_group : people[p].team;
    // The team's median is context when the cohort test did not already speak to acceptance.
    if (auto rate = s.stats.acceptance_rate(); rate && !quality && decisions >= opt.min_decisions && !people[p].team.empty()) {
      if (auto it = team_acceptance.find(team); it != team_acceptance.end() && *rate < it->second - 0.15)
        sus.reasons.push_back("acceptance rate " + pct_text(*rate) + " vs team median " + pct_text(it->second));
    }
    if (auto c = s.stats.cost_per_pr()) {
      if (auto it = team_cost_per_pr.find(team); it != team_cost_per_pr.end() && *c > 3 * it->second)
        sus.reasons.push_back(usd_text(*c) + " per PR vs team median " + usd_text(it->second));
    }
    if (s.stats.spend > 0) {
      const double wk = static_cast<double>(s.weekend_spend) / static_cast<double>(s.stats.spend);
      if (wk >= 0.25 && wk - g.weekend_median >= 0.2)
        sus.reasons.push_back(pct_text(wk) + " of spend on weekends vs median " + pct_text(g.weekend_median));
    }
    if (s.anomaly_days > 0)
      sus.reasons.push_back(std::to_string(s.anomaly_days) + " anomaly day" + (s.anomaly_days > 1 ? "s" : "") +
                            " against own baseline");
    res.suspects.push_back(std::move(sus));
  }
  std::stable_sort(res.suspects.begin(), res.suspects.end(), [&](const Suspect& a, const Suspect& b) {
    if (a.score != b.score) return a.score > b.score;
    return res.people[a.person].stats.spend > res.people[b.person].stats.spend;
  });

  // Usage-outcome rank correlation per period, across people active in it.
  {
    std::vector<std::vector<const PersonPeriodRow*>> by_period(res.periods.size());
    for (const auto& r : res.person_periods)
      if (!is_group_identity(people[r.person].name) && r.stats.spend > 0) by_period[static_cast<std::size_t>(r.period)].push_back(&r);
    std::vector<double> xs, ys;
    for (std::size_t k = 0; k < by_period.size(); ++k) {
      CorrelationPoint c;
      c.period = static_cast<int>(k);
      c.people = static_cast<int>(by_period[k].size());
      if (by_period[k].size() >= 5) {
        std::vector<double> spend, prs;
        std::vector<const UsageStats*> st;
        for (auto* r : by_period[k]) {
          spend.push_back(static_cast<double>(r->stats.spend));
          prs.push_back(static_cast<double>(r->stats.outcomes.pull_requests));
          st.push_back(&r->stats);
        }
        if (auto sc = outcome_scores(st)) c.rho_outcomes = spearman(spend, *sc);
        c.rho_prs = spearman(spend, prs);
      }
      if (c.rho_outcomes) {
        xs.push_back(static_cast<double>(k));
        ys.push_back(*c.rho_outcomes);
      }
      res.correlation.push_back(c);
    }
    if (xs.size() >= 3)
      if (auto f = fit_line(xs, ys)) res.correlation_trend = f->slope;
  }

  // Bunching just above an adoption quota, per person-week.
  if (opt.quota) {
    BunchingResult b;
    b.quota = *opt.quota;
    b.metric = opt.quota_metric;
    b.estimator =
        "person-weeks (ISO weeks wholly inside the data, people with any usage) binned by log usage in bins of "
        "width x1.1 from quota/1.1^10 to quota*1.1^10; a quadratic in the bin index is fitted by least squares "
        "to the counts outside the window [quota/1.21, 1.1*quota), i.e. excluding the bunching bin and the two "
        "bins below it that bunchers leave; expected = the fit at the bunching bin [quota, 1.1*quota); "
        "z = (observed - expected) / sqrt(expected)";
    std::map<std::pair<std::uint32_t, std::int32_t>, double> weekly;
    const Date w0 = first.weekday() == 0 ? first : first.week_start() + 7;
    const Date w_end = (last + 1).week_start();  // weeks starting before this are complete
    std::set<std::uint32_t> active;
    for (const auto& r : rows) {
      if (is_group_identity(people[r.person].name)) continue;
      active.insert(r.person);
      if (r.day < w0 || r.day >= w_end) continue;
      weekly[{r.person, r.day.week_start().days}] +=
          opt.quota_metric == QuotaMetric::tokens ? static_cast<double>(r.tokens.total()) : usd(r.cost);
    }
    const int weeks = std::max(0, (w_end - w0) / 7);
    b.person_weeks = static_cast<std::int64_t>(active.size()) * weeks;
    constexpr int K = 10;
    const double step = std::log(1.1);
    b.bin_counts.assign(2 * K, 0);
    for (int k = -K; k < K; ++k) b.bin_lower.push_back(b.quota * std::exp(step * k));
    for (const auto& [key, v] : weekly) {
      if (v <= 0) continue;
      // Bin index by comparing with the exact edges, so values on an edge fall upwards.
      const double f = std::floor(std::log(v / b.quota) / step + 1e-12);
      if (f < -K || f >= K) continue;
      const int k = static_cast<int>(f);
      ++b.bin_counts[static_cast<std::size_t>(k + K)];
    }
    b.observed = b.bin_counts[K];
    std::int64_t fit_n = 0;
    for (int k = -K; k < K; ++k)
      if (k < -2 || k > 0) fit_n += b.bin_counts[static_cast<std::size_t>(k + K)];
    if (fit_n < 30) {
      b.note = "too few person-weeks near the quota (" + std::to_string(fit_n) + " outside the window) to fit a density";
    } else {
      Eigen::MatrixXd A(2 * K - 3, 3);
      Eigen::VectorXd y(2 * K - 3);
      int row = 0;
      for (int k = -K; k < K; ++k) {
        if (k >= -2 && k <= 0) continue;
        A(row, 0) = 1;
        A(row, 1) = k;
        A(row, 2) = static_cast<double>(k) * k;
        y(row) = static_cast<double>(b.bin_counts[static_cast<std::size_t>(k + K)]);
        ++row;
      }
      const Eigen::Vector3d c = A.colPivHouseholderQr().solve(y);
      auto fitted = [&](int k) { return std::max(0.0, c(0) + c(1) * k + c(2) * k * k); };
      b.expected = fitted(0);
      b.missing_below = fitted(-1) + fitted(-2) - static_cast<double>(b.bin_counts[K - 1] + b.bin_counts[K - 2]);
      const double denom = std::max(b.expected, 1.0);
      b.excess_ratio = (static_cast<double>(b.observed) - b.expected) / denom;
      b.z = (static_cast<double>(b.observed) - b.expected) / std::sqrt(denom);
    }
    res.bunching = b;
  }

  // Budget burn and exhaustion forecast by bootstrap of recent days (workdays drawn from
  // workdays, weekends from weekends, so the weekly rhythm is kept).
  if (opt.budget) {
    BudgetForecast f;
    f.budget = *opt.budget;
    f.period = opt.budget_period;
    f.as_of = last;
    f.period_start = opt.budget_period == AuditBudgetPeriod::month ? Date::from_ymd(last.year(), last.month(), 1)
                                                              : Date::from_ymd(last.year(), 1, 1);
    f.period_end = opt.budget_period == AuditBudgetPeriod::month ? next_month(f.period_start)
                                                            : Date::from_ymd(last.year() + 1, 1, 1);
    std::map<std::int32_t, MicroUsd> daily;
    for (const auto& r : rows) daily[r.day.days] += r.cost;
    MicroUsd cum = 0;
    for (std::int32_t d = f.period_start.days; d <= last.days; ++d) {
      auto it = daily.find(d);
      cum += it == daily.end() ? 0 : it->second;
      if (!f.exhausted_on && cum >= f.budget) f.exhausted_on = Date{d};
    }
    f.spent = cum;
    const std::int32_t from = std::max(first.days, last.days - opt.forecast_window_days + 1);
    std::vector<double> work, weekend;
    for (std::int32_t d = from; d <= last.days; ++d) {
      auto it = daily.find(d);
      const double v = it == daily.end() ? 0.0 : usd(it->second);
      (Date{d}.weekday() >= 5 ? weekend : work).push_back(v);
    }
    std::vector<double> all = work;
    all.insert(all.end(), weekend.begin(), weekend.end());
    f.recent_daily_usd = mean(all);
    const int remaining = f.period_end - (last + 1);
    double expected_rest = 0;
    for (int i = 0; i < remaining; ++i) {
      const bool we = (last + 1 + i).weekday() >= 5;
      const auto& pool = (we ? weekend : work).empty() ? all : (we ? weekend : work);
      expected_rest += mean(pool);
    }
    f.projected_period_usd = usd(f.spent) + expected_rest;
    f.method = "bootstrap of the last " + std::to_string(last.days - from + 1) +
               " days' total spend (" + std::to_string(opt.bootstrap_paths) +
               " paths, workdays resampled from workdays and weekends from weekends), seed " +
               std::to_string(opt.seed);
    if (f.exhausted_on) {
      f.probability_exhausted = 1.0;
    } else if (remaining > 0 && !all.empty()) {
      SplitMix64 rng(opt.seed);
      std::vector<double> when;  // day offsets of exhaustion; +inf when not within the period
      int hits = 0;
      const double left = usd(f.budget - f.spent);
      for (int path = 0; path < opt.bootstrap_paths; ++path) {
        double c = 0;
        double at = INFINITY;
        for (int i = 0; i < remaining; ++i) {
          const bool we = (last + 1 + i).weekday() >= 5;
          const auto& pool = (we ? weekend : work).empty() ? all : (we ? weekend : work);
          c += pool[rng.below(pool.size())];
          if (c >= left) {
            at = i;
            ++hits;
            break;
          }
        }
        when.push_back(at);
      }
      f.probability_exhausted = static_cast<double>(hits) / opt.bootstrap_paths;
      std::sort(when.begin(), when.end());
      auto q = [&](double p) -> std::optional<Date> {
        const double v = when[static_cast<std::size_t>(std::min<double>(when.size() - 1, std::floor(p * (when.size() - 1) + 0.5)))];
        if (!std::isfinite(v)) return std::nullopt;
        return last + 1 + static_cast<int>(v);
      };
      f.exhaustion_p5 = q(0.05);
      f.exhaustion_p50 = q(0.5);
      f.exhaustion_p95 = q(0.95);
    }
    res.budget = f;
  }

  // Detector scoring against simulated ground truth.
  if (opt.truth) {
    TruthScore t;
    t.threshold = opt.truth_threshold;
    std::set<std::uint32_t> flagged;
    for (const auto& s : res.suspects) flagged.insert(s.person);
    for (auto p : ranked) {
      const auto& st = res.people[p].stats;
      const bool gamer = st.tokens.total() > 0 &&
                         static_cast<double>(st.gaming_tokens_truth) > opt.truth_threshold * static_cast<double>(st.tokens.total());
      t.gamers += gamer;
      if (gamer && flagged.count(p)) ++t.true_positives;
      if (gamer && !flagged.count(p)) t.missed.push_back(p);
      if (!gamer && flagged.count(p)) t.false_alarms.push_back(p);
    }
    t.suspects = static_cast<int>(flagged.size());
    if (t.suspects > 0) t.precision = static_cast<double>(t.true_positives) / t.suspects;
    if (t.gamers > 0) t.recall = static_cast<double>(t.true_positives) / t.gamers;
    res.truth = t;
  }

  if (res.total.unpriced_tokens > 0)
    res.notes.push_back(std::to_string(res.total.unpriced_tokens) +
                        " tokens on models the pricing catalog lacks are not in any spend figure");
  if (res.org_cost_lines != 0)
    res.notes.push_back("cost reports (organisation level, " + format_usd(res.org_cost_lines) +
                        ") are kept apart from per-person spend");
  return res;
}

}  // namespace goodhart::engine
