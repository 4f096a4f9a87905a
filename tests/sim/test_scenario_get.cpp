// Reading a value by dotted path must leave the document as it was.
#include <catch2/catch.hpp>

#include "goodhart/sim/scenario_loader.hpp"

using namespace goodhart::sim;

TEST_CASE("get by dotted path does not change the document") {
  const auto doc = ScenarioDocument::load_file(std::string(GOODHART_SOURCE_DIR) +
                                               "/scenarios/kirorank.yaml");
  const std::string before = YAML::Dump(doc.root());
  CHECK(doc.get("cohorts.developers.headcount").as<int>() == 20000);
  CHECK(doc.get("incentives.kirorank.prize").as<double>() == 4.0);
  CHECK(doc.get("horizon.days").as<int>() == 56);
  CHECK(doc.get("cohorts.developers.headcount").as<int>() == 20000);
  CHECK(YAML::Dump(doc.root()) == before);
  CHECK(doc.build().employees() == 20000);
}
