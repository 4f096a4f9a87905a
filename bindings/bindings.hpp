// Registration functions of the _core module, one per area, so each area's binding file
// stays independent of the others.
#pragma once

#include <pybind11/pybind11.h>

namespace goodhart::bindings {

void bind_behaviour(pybind11::module_& m);
void bind_scenario(pybind11::module_& m);
void bind_run(pybind11::module_& m);
void bind_audit(pybind11::module_& m);
void bind_sweep(pybind11::module_& m);

}  // namespace goodhart::bindings
