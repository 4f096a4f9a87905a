// Identity map CSV (identity,person,team,cohort): loads or raises an InputError naming the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "goodhart/engine/ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "map.csv";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto map = goodhart::engine::IdentityMap::from_string(text, name);
    (void)map.find("someone@example.com");
  } catch (const goodhart::engine::InputError& e) {
    goodhart::fuzz::check_input_error(e, name);
  }
  return 0;
}
