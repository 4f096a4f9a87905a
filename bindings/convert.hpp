// Conversions shared by the binding files: YAML trees to Python objects, and read-only numpy
// views over C++ vectors whose owner (a Python object) keeps the memory alive.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <yaml-cpp/yaml.h>

#include <vector>

namespace goodhart::bindings {

// Plain scalars become int / float / bool / None by the YAML 1.2 core schema; quoted ones stay
// strings, so `"1"` in a file reads back as "1", as the loader itself sees it.
pybind11::object yaml_to_python(const YAML::Node& node);

// A read-only array over `data`; `owner` must keep `data` alive for as long as the array lives.
template <class T>
pybind11::array readonly_view(const T* data, std::vector<pybind11::ssize_t> shape,
                              pybind11::handle owner) {
  pybind11::array a(pybind11::dtype::of<T>(), std::move(shape), {}, data, owner);
  // Writes through a view would silently change the result the summary was computed from.
  a.attr("flags").attr("writeable") = false;
  return a;
}

}  // namespace goodhart::bindings
