// Pricing catalog: any bytes either load a catalog or raise an InputError naming the file;
// a loaded catalog finds each of its models by name and prices a large day exactly — a
// cost that does not fit in 64-bit micro-dollars must never come back wrapped.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "fuzz_common.hpp"
#include "goodhart/engine/pricing.hpp"
#include "goodhart/engine/yaml_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goodhart::engine;
  const std::string name = "pricing.yaml";
  const std::string text(reinterpret_cast<const char*>(data), size);
  PricingCatalog cat;
  try {
    cat = PricingCatalog::from_yaml(load_yaml_string(text, name), name);
  } catch (const InputError& e) {
    goodhart::fuzz::check_input_error(e, name);
    return 0;
  }
  // A heavy user's day: a billion tokens of every type.
  TokenCounts day;
  for (auto& n : day.n) n = 1'000'000'000;
  for (const auto& [model, price] : cat.models()) {
    if (cat.find(model) == nullptr) goodhart::fuzz::violated("a catalog model is not found by its name", model);
    for (int pct : {100, cat.batch_percent(), cat.us_inference_percent()}) {
      // The exact value, computed independently of PricingCatalog::cost.
      Int128 pico = 0;
      bool fits = true;
      for (int t = 0; t < kTokenTypes; ++t) {
        if (price.micro_usd_per_mtok[t] < 0) goodhart::fuzz::violated("a negative price was accepted", model);
        pico += static_cast<Int128>(day.n[t]) * price.micro_usd_per_mtok[t];
      }
      if (pct < 0) goodhart::fuzz::violated("a negative price percentage was accepted", text);
      const Int128 exact = (pico * pct + 50'000'000) / 100'000'000;
      fits = exact <= std::numeric_limits<MicroUsd>::max();
      if (!fits) goodhart::fuzz::violated("a catalog price makes an ordinary day's cost overflow 64-bit micro-dollars", model);
      if (PricingCatalog::cost(price, day, PriceModifiers{pct}) != static_cast<MicroUsd>(exact))
        goodhart::fuzz::violated("PricingCatalog::cost differs from the exact cost", model);
    }
  }
  return 0;
}
