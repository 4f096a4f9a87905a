#include "exports.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <vector>

#include "goodhart/engine/error.hpp"

namespace po = boost::program_options;

namespace goodhart::cli {

namespace {
std::string default_pricing() {
  if (const char* env = std::getenv("GOODHART_PRICING"); env && *env) return env;
  return std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml";
}
}  // namespace

void add_export_options(po::options_description& visible, po::options_description& hidden) {
  visible.add_options()
      ("map", po::value<std::string>(), "identity map CSV: identity,person,team,cohort")
      ("input-format", po::value<std::string>(), "input export format, instead of detecting it")
      ("pricing", po::value<std::string>(), "pricing catalog (default $GOODHART_PRICING or the shipped 2026-08 one)")
      ("strict", "exit 2 when any record is rejected");
  hidden.add_options()("inputs", po::value<std::vector<std::string>>(), "export files");
}

engine::UsageDataset read_exports(const po::variables_map& vm, engine::IngestOptions ingest, const std::string& command) {
  if (vm.count("input-format")) {
    ingest.format = engine::parse_format_name(vm["input-format"].as<std::string>());
    if (!ingest.format) throw po::error("unknown --input-format '" + vm["input-format"].as<std::string>() + "'");
  }
  const auto catalog = engine::PricingCatalog::load_file(
      vm.count("pricing") ? vm["pricing"].as<std::string>() : default_pricing());
  std::optional<engine::IdentityMap> map;
  if (vm.count("map")) {
    map = engine::IdentityMap::load_file(vm["map"].as<std::string>());
    ingest.identities = &*map;
  }
  auto data = engine::ingest_paths(vm["inputs"].as<std::vector<std::string>>(), catalog, ingest);
  const auto& report = data.report();
  if (report.records_read > 0 && report.accepted == 0) {
    print_rejections(std::cerr, report);
    throw engine::InputError(engine::Location{report.files.empty() ? "-" : report.files.front().file},
                             "no record could be read; nothing to " + command);
  }
  return data;
}

void print_rejections(std::ostream& err, const engine::IngestReport& r) {
  if (r.rejected == 0) return;
  err << "goodhart: " << r.rejected << " of " << r.records_read << " records rejected";
  if (r.duplicates) err << " (" << r.duplicates << " duplicates)";
  err << "\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(r.rejections.size(), 5); ++i)
    err << "  " << r.rejections[i].str() << "\n";
}

bool refused_by_strict(const po::variables_map& vm, const engine::IngestReport& report, const std::string& command) {
  if (!vm.count("strict") || report.rejected == 0) return false;
  print_rejections(std::cerr, report);
  std::cerr << "goodhart " << command << ": --strict and records were rejected; nothing written\n";
  return true;
}

}  // namespace goodhart::cli
