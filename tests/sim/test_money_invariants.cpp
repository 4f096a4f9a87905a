// Money is conserved exactly, in micro-dollars, in every shipped scenario and each of its
// variants: total = sum by purpose = sum by cohort = sum of the --events records, and the
// events read back through the canonical CSV reader give the same total and the same people.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <numeric>
#include <sstream>

#include "goodhart/engine/canonical_csv.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/sim/scenario_loader.hpp"
#include "goodhart/sim/simulator.hpp"

using namespace goodhart;
using namespace goodhart::sim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = GOODHART_SOURCE_DIR;

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kSource + "/scenarios"))
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The document shrunk to about `people` employees (cohorts keep their proportions, none
// vanishes) and to 14 days, or to the last timeline event if that is later.
void shrink(ScenarioDocument& doc, std::int64_t people) {
  const Scenario s = doc.build();
  const std::int64_t total = std::max<std::int64_t>(1, s.employees());
  for (const auto& c : s.cohorts) {
    const std::int64_t h = c.headcount == 0 ? 0 : std::max<std::int64_t>(1, c.headcount * people / total);
    doc.set_from_string("cohorts." + c.name + ".headcount", std::to_string(h));
  }
  int days = 14;
  for (const auto& ev : s.timeline) days = std::max(days, ev.day);
  doc.set_from_string("horizon.days", std::to_string(days));
  doc.set_from_string("monte_carlo.replicates", "1");
}

}  // namespace

TEST_CASE("money invariants: every shipped scenario and variant conserves money to the micro-dollar", "[money][scenarios]") {
  const auto files = shipped_scenarios();
  REQUIRE(files.size() >= 5);
  const auto catalog = engine::PricingCatalog::load_file(kSource + "/scenarios/pricing/2026-08.yaml");
  for (const auto& file : files) {
    const auto base = ScenarioDocument::load_file(file);
    std::vector<std::string> variants{"base"};
    for (const auto& v : base.variant_names()) variants.push_back(v);
    for (const auto& v : variants) {
      INFO(file << " variant " << v);
      ScenarioDocument doc = v == "base" ? base : base.with_variant(v);
      shrink(doc, 300);
      const Scenario s = doc.build();
      engine::MicroUsd events_total = 0;
      std::map<std::string, engine::MicroUsd> events_by_person, events_by_model;
      std::ostringstream csv;
      engine::CanonicalCsvWriter writer(csv);
      const ReplicateResult r = simulate_replicate(
          s, s.monte_carlo.seed, 0, 1, true,
          [&](const engine::UsageRecord& rec) {
            REQUIRE(rec.cost);
            CHECK(*rec.cost >= 0);
            events_total += *rec.cost;
            events_by_person[rec.person] += *rec.cost;
            events_by_model[rec.model] += *rec.cost;
            writer.write(rec);
          },
          nullptr);
      const engine::MicroUsd total = r.spend_micro_total;
      CHECK(total >= 0);
      CHECK(std::accumulate(r.spend_micro_by_purpose.begin(), r.spend_micro_by_purpose.end(), engine::MicroUsd{0}) == total);
      CHECK(std::accumulate(r.spend_micro_by_cohort.begin(), r.spend_micro_by_cohort.end(), engine::MicroUsd{0}) == total);
      CHECK(events_total == total);
      engine::MicroUsd by_model = 0;
      for (const auto& [m, c] : events_by_model) by_model += c;
      CHECK(by_model == total);
      // The spend figure is the ledger's, not a floating-point sum of its own.
      const auto& names = figure_names();
      const auto spend_fig = std::find(names.begin(), names.end(), "spend_usd") - names.begin();
      CHECK(r.figures[static_cast<std::size_t>(spend_fig)] == static_cast<double>(total) / 1e6);

      // The events as a user gets them (canonical CSV) read back to the same money.
      engine::Ingestor ing(catalog);
      ing.read_string(csv.str(), "events.csv");
      const auto ds = ing.finish();
      CHECK(ds.report().rejected == 0);
      engine::MicroUsd read_total = 0;
      std::map<std::string, engine::MicroUsd> read_by_person;
      for (const auto& row : ds.rows()) {
        read_total += row.cost;
        read_by_person[ds.people()[row.person].name] += row.cost;
      }
      CHECK(read_total == total);
      CHECK(read_by_person == events_by_person);
    }
  }
}
