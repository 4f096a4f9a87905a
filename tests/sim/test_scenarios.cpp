// The shipped scenarios land on the public figures they are built on, at the shipped seed
// and replicate count and for three other seeds (no lucky seed).
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "goodhart/sim/report.hpp"
#include "goodhart/sim/run.hpp"

using namespace goodhart::sim;

namespace {

void check_scenario(const std::string& name) {
  const auto doc = ScenarioDocument::load_file(std::string(GOODHART_SOURCE_DIR) + "/scenarios/" +
                                               name + ".yaml");
  const Scenario base = doc.build();
  REQUIRE_FALSE(base.targets.empty());
  std::vector<std::string> variants{"base"};
  for (const auto& t : base.targets)
    if (!t.variant.empty() && t.variant != "base" &&
        std::find(variants.begin(), variants.end(), t.variant) == variants.end())
      variants.push_back(t.variant);
  for (const std::uint64_t seed : {base.monte_carlo.seed, std::uint64_t{1}, std::uint64_t{2},
                                   std::uint64_t{3}}) {
    RunOptions o;
    o.seed = seed;
    o.threads = 2;
    const RunResult run = run_scenario(doc, variants, o);
    for (const TargetCheck& c : check_targets(base.targets, run)) {
      INFO(name << " seed " << seed << ": " << c.target.name << " = " << c.observed << ", expected "
                << c.expectation);
      CHECK(c.met);
    }
  }
}

}  // namespace

TEST_CASE("scenario targets: kirorank", "[scenarios]") { check_scenario("kirorank"); }
TEST_CASE("scenario targets: claudeonomics", "[scenarios]") { check_scenario("claudeonomics"); }
TEST_CASE("scenario targets: uber_budget", "[scenarios]") { check_scenario("uber_budget"); }
TEST_CASE("scenario targets: uncapped_500m", "[scenarios]") { check_scenario("uncapped_500m"); }
TEST_CASE("scenario targets: healthy_baseline", "[scenarios]") { check_scenario("healthy_baseline"); }

TEST_CASE("every shipped scenario has a targets test") {
  std::set<std::string> shipped;
  for (const auto& e : std::filesystem::directory_iterator(std::string(GOODHART_SOURCE_DIR) + "/scenarios"))
    if (e.path().extension() == ".yaml") shipped.insert(e.path().stem().string());
  CHECK(shipped == std::set<std::string>{"kirorank", "claudeonomics", "uber_budget",
                                         "uncapped_500m", "healthy_baseline"});
}
