// Shared by the fuzz targets: the invariants every target asserts (an input error names the
// input; money adds up) and the shipped pricing catalog. A violated invariant aborts, so
// libFuzzer and the corpus replay report it like a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/pricing.hpp"

namespace goodhart::fuzz {

[[noreturn]] inline void violated(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Every user-facing error must say which input it is about: each diagnostic names a file and
// what() starts with one. With `only_this_file`, that file is the input itself (a scenario may
// instead name the pricing catalog it points to).
inline void check_input_error(const engine::InputError& e, const std::string& name,
                              bool only_this_file = true) {
  const std::string what = e.what();
  if (e.diagnostics().empty()) violated("an input error carries no diagnostic", what);
  for (const auto& d : e.diagnostics()) {
    if (d.where.file.empty()) violated("a diagnostic has no file", d.str());
    if (only_this_file && d.where.file != name) violated("a diagnostic names another file", d.str());
    if (d.message.empty()) violated("a diagnostic has no message", d.str());
  }
  if (what.rfind(e.diagnostics().front().where.file, 0) != 0)
    violated("an input error does not start with its file", what);
}

inline const engine::PricingCatalog& shipped_catalog() {
  static const engine::PricingCatalog c =
      engine::PricingCatalog::load_file(std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml");
  return c;
}

}  // namespace goodhart::fuzz
