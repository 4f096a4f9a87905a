// Money is conserved exactly by every reader and by the audit: on every test export and the
// shipped sample, total = sum by person = sum by model = sum by person-period = sum by
// model-period = sum by team-period, in micro-dollars; tokens likewise.
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>

#include "goodhart/engine/audit.hpp"
#include "test_ingest_util.hpp"

using namespace goodhart::engine;
using namespace goodhart::engine::test;

namespace {

struct Input {
  std::vector<std::string> paths;
  std::string map;  // identity map, optional
};

std::vector<Input> inputs() {
  const std::string samples = std::string(GOODHART_SOURCE_DIR) + "/scenarios/samples/claude-code-2026-06";
  return {
      {{data("claude_code/page1.json"), data("claude_code/page2.json"), data("claude_code/records.jsonl")}, ""},
      {{data("anthropic/usage_page.json")}, ""},
      {{data("anthropic/cost_page.json")}, ""},
      {{data("openai/usage_page.json")}, ""},
      {{data("openai/costs_page.json")}, ""},
      {{data("litellm/spend_logs.csv")}, data("map.csv")},
      {{data("litellm/daily_user_spend.csv")}, ""},
      {{data("canonical/sample.csv")}, ""},
      {{samples + "/pages"}, samples + "/map.csv"},
      // Everything at once: readers share people, models and days.
      {{data("claude_code/page1.json"), data("claude_code/page2.json"), data("claude_code/records.jsonl"),
        data("anthropic/usage_page.json"), data("anthropic/cost_page.json"), data("openai/usage_page.json"),
        data("openai/costs_page.json"), data("litellm/spend_logs.csv"), data("litellm/daily_user_spend.csv"),
        data("canonical/sample.csv")},
       ""},
  };
}

}  // namespace

TEST_CASE("money invariants: every reader and the audit add up to the micro-dollar", "[money][ingest][audit]") {
  for (const auto& in : inputs()) {
    INFO(in.paths.front());
    std::optional<IdentityMap> map;
    IngestOptions opt;
    if (!in.map.empty()) {
      map = IdentityMap::load_file(in.map);
      opt.identities = &*map;
    }
    const UsageDataset ds = read_files(in.paths, opt);
    check_accounting(ds.report());
    REQUIRE(ds.report().accepted > 0);

    MicroUsd total = 0;
    std::uint64_t tokens = 0;
    std::vector<MicroUsd> by_person(ds.people().size()), by_model(ds.models().size());
    for (const auto& r : ds.rows()) {
      CHECK(r.cost >= 0);
      total += r.cost;
      tokens += r.tokens.total();
      by_person[r.person] += r.cost;
      by_model[r.model] += r.cost;
    }
    MicroUsd org = 0;
    for (const auto& l : ds.org_costs()) org += l.cost;
    CHECK(std::accumulate(by_person.begin(), by_person.end(), MicroUsd{0}) == total);
    CHECK(std::accumulate(by_model.begin(), by_model.end(), MicroUsd{0}) == total);

    for (const auto period : {AuditPeriod::day, AuditPeriod::week, AuditPeriod::month}) {
      AuditOptions o;
      o.period = period;
      const AuditResult res = run_audit(ds, o);
      CHECK(res.total.spend == total);
      CHECK(res.total.tokens.total() == tokens);
      CHECK(res.org_cost_lines == org);
      MicroUsd people = 0, person_periods = 0, model_periods = 0, team_periods = 0;
      REQUIRE(res.people.size() == ds.people().size());
      for (std::size_t p = 0; p < res.people.size(); ++p) {
        CHECK(res.people[p].stats.spend == by_person[res.people[p].person]);
        people += res.people[p].stats.spend;
      }
      for (const auto& row : res.person_periods) person_periods += row.stats.spend;
      for (const auto& row : res.model_periods) model_periods += row.stats.spend;
      for (const auto& row : res.team_periods) team_periods += row.stats.spend;
      CHECK(people == total);
      CHECK(person_periods == total);
      CHECK(model_periods == total);
      CHECK(team_periods == total);
    }
  }
}
