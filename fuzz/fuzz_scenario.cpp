// Scenario loader and validator: any bytes either build a Scenario or raise an InputError
// whose diagnostics name a file, never another exception, a crash or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "goodhart/sim/limits.hpp"
#include "goodhart/sim/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Beside the shipped scenarios, so `catalog: pricing/2026-08.yaml` in the corpus resolves.
  static const std::string name = std::string(GOODHART_SOURCE_DIR) + "/scenarios/fuzz-input.yaml";
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = goodhart::sim::ScenarioDocument::from_string(text, name);
    const goodhart::sim::Scenario s = doc.build();
    for (const auto& v : doc.variant_names()) (void)doc.with_variant(v).build();
    // The up-front size check must work on anything the loader accepts.
    (void)goodhart::sim::check_run_size(s, s.monte_carlo.replicates, 0, std::uint64_t{1} << 34);
  } catch (const goodhart::engine::InputError& e) {
    goodhart::fuzz::check_input_error(e, name, /*only_this_file=*/false);
  }
  return 0;
}
