#include "convert.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace py = pybind11;

namespace goodhart::bindings {

namespace {

template <class T>
bool parse_whole(const std::string& s, T& out) {
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;  // YAML allows a leading '+', from_chars does not
  const auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

py::object scalar_to_python(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return py::str(s);  // quoted: a string whatever it looks like
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return py::none();
  if (s == "true" || s == "True" || s == "TRUE") return py::bool_(true);
  if (s == "false" || s == "False" || s == "FALSE") return py::bool_(false);
  long long i = 0;
  if (parse_whole(s, i)) return py::int_(i);
  double d = 0;
  if (parse_whole(s, d)) return py::float_(d);
  const double inf = std::numeric_limits<double>::infinity();
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return py::float_(inf);
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return py::float_(-inf);
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return py::float_(std::nan(""));
  return py::str(s);
}

}  // namespace

py::object yaml_to_python(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return scalar_to_python(node);
    case YAML::NodeType::Sequence: {
      py::list out;
      for (const auto& item : node) out.append(yaml_to_python(item));
      return out;
    }
    case YAML::NodeType::Map: {
      py::dict out;
      for (const auto& kv : node) out[py::str(kv.first.Scalar())] = yaml_to_python(kv.second);
      return out;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return py::none();
}

}  // namespace goodhart::bindings
