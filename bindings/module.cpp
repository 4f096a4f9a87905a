// goodhart._core: the Python face of the engine and simulator. Converts types and releases
// the GIL around long calls; every number is computed by the C++ libraries.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "goodhart/engine/error.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "goodhart C++ core (engine and simulator); use the `goodhart` package instead.";
  m.attr("__version__") = GOODHART_VERSION;

  // Bad scenario files, overrides and exports are the user's to fix, so they surface as
  // ValueError with the same "file:line:col: message" lines the CLI prints.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const goodhart::engine::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  goodhart::bindings::bind_behaviour(m);
  goodhart::bindings::bind_scenario(m);
  goodhart::bindings::bind_run(m);
  goodhart::bindings::bind_audit(m);
  goodhart::bindings::bind_sweep(m);
}
