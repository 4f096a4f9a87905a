// Scenario documents (sim/scenario_loader.hpp): load, read and override by dotted path, and
// the typed scenario's descriptive parts (meta, horizon, targets) for reports.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "convert.hpp"

#include "goodhart/engine/schema.hpp"
#include "goodhart/sim/scenario_loader.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace goodhart::bindings {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

// The schema default of a value the document leaves unset, so `get` answers with what a run
// will use. Elements of named lists must exist (asked of the document, which raises the
// loader's own "no cohort named ..." error); their names may contain dots.
std::optional<std::string> schema_default(const sim::ScenarioDocument& doc,
                                          const std::string& path) {
  using engine::SchemaType;
  const std::vector<std::string> seg = split_path(path);
  const engine::SchemaNode* s = &sim::scenario_schema();
  std::string done;
  for (std::size_t i = 0; i < seg.size();) {
    const engine::SchemaNode* c = s->child(seg[i]);
    if (c == nullptr) return std::nullopt;
    done += (done.empty() ? "" : ".") + seg[i];
    ++i;
    if (i == seg.size()) return c->default_text;
    if (c->type == SchemaType::object_list || c->type == SchemaType::object_map) {
      std::size_t j = i + 1;
      while (j < seg.size() && c->child(seg[j]) == nullptr) ++j;
      if (j >= seg.size()) return std::nullopt;
      std::string name = seg[i];
      for (std::size_t k = i + 1; k < j; ++k) name += "." + seg[k];
      done += "." + name;
      doc.get(done);  // throws when the element does not exist
      i = j;
    }
    s = c;
  }
  return std::nullopt;
}

py::dict describe(const sim::Scenario& s) {
  py::list targets;
  for (const auto& t : s.targets) {
    py::dict d("name"_a = t.name, "metric"_a = t.metric,
               "variant"_a = t.variant.empty() ? std::string("base") : t.variant,
               "tolerance"_a = t.tolerance, "source"_a = t.source);
    d["value"] = t.value ? py::object(py::float_(*t.value)) : py::none();
    d["min"] = t.min ? py::object(py::float_(*t.min)) : py::none();
    d["max"] = t.max ? py::object(py::float_(*t.max)) : py::none();
    targets.append(d);
  }
  py::list variants;
  for (const auto& v : s.variants)
    variants.append(py::dict("name"_a = v.name, "description"_a = v.description));
  py::list cohorts;
  for (const auto& c : s.cohorts)
    cohorts.append(py::dict("name"_a = c.name, "headcount"_a = c.headcount,
                            "seat_share"_a = c.seat_share, "model"_a = c.model));
  return py::dict(
      "file"_a = s.file,
      "meta"_a = py::dict("name"_a = s.meta.name, "description"_a = s.meta.description,
                          "sources"_a = s.meta.sources),
      "horizon"_a = py::dict("start"_a = s.horizon.start.iso(), "days"_a = s.horizon.days),
      "monte_carlo"_a = py::dict("replicates"_a = s.monte_carlo.replicates,
                                 "seed"_a = s.monte_carlo.seed),
      "pricing"_a = s.pricing_ref, "employees"_a = s.employees(), "cohorts"_a = cohorts,
      "targets"_a = targets, "variants"_a = variants);
}

}  // namespace

void bind_scenario(py::module_& m) {
  using sim::ScenarioDocument;
  py::class_<ScenarioDocument>(m, "ScenarioDocument")
      .def_static("load_file", &ScenarioDocument::load_file, "path"_a,
                  py::call_guard<py::gil_scoped_release>())
      .def_static("from_string", &ScenarioDocument::from_string, "yaml"_a, "name"_a)
      .def("copy", [](const ScenarioDocument& d) { return ScenarioDocument(d); })
      .def("set_from_string", &ScenarioDocument::set_from_string, "path"_a, "yaml_value"_a)
      .def("get", [](const ScenarioDocument& d, const std::string& path) {
        // Read from a deep copy: ScenarioDocument::get currently rewrites the document's root
        // (the first get leaves the root pointing at the mapping it walked through), and a
        // read must never change what a later run simulates.
        try {
          const ScenarioDocument copy(d);
          return yaml_to_python(copy.get(path));
        } catch (const engine::InputError&) {
          const ScenarioDocument copy(d);
          if (auto text = schema_default(copy, path)) return yaml_to_python(YAML::Load(*text));
          throw;
        }
      }, "path"_a, "The value at a dotted path, or the schema default when the file omits it.")
      .def("to_python", [](const ScenarioDocument& d) { return yaml_to_python(d.root()); })
      .def("variant_names", &ScenarioDocument::variant_names)
      .def("with_variant", &ScenarioDocument::with_variant, "name"_a)
      .def_property_readonly("variant", &ScenarioDocument::variant)
      .def_property_readonly("file", &ScenarioDocument::file)
      // Validates everything (raises ValueError listing every problem) and describes it.
      .def("describe", [](const ScenarioDocument& d) {
        sim::Scenario s;
        {
          py::gil_scoped_release nogil;
          s = d.build();
        }
        return describe(s);
      });
  m.def("validate_scenario_file", [](const std::string& path) {
    std::vector<std::string> out;
    for (const auto& diag : sim::validate_scenario_file(path)) out.push_back(diag.str());
    return out;
  }, "path"_a, "Every problem of the base scenario and of each variant, as file:line:col lines.");
}

}  // namespace goodhart::bindings
