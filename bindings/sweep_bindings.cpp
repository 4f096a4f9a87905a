// Sweeps (sim/sweep.hpp) and the sensitivity maths (engine/sensitivity.hpp) for
// goodhart.sweep. Rows travel as plain tuples (picklable, for Dask) and go back into
// results files through the same C++ writer the CLI uses, so every path gives the same bytes.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "convert.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/sensitivity.hpp"
#include "goodhart/engine/yaml_util.hpp"
#include "goodhart/sim/sweep.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace goodhart::bindings {

void bind_sweep(py::module_& m);

namespace {

using SweepPtr = std::shared_ptr<sim::Sweep>;

struct SweepCounter {
  std::atomic<std::int64_t> value{0};
};

// (point, shard, (values...), variant, (p50...), (mean...), seed)
py::tuple row_to_tuple(const sim::SweepRow& r) {
  return py::make_tuple(r.point, r.shard, py::tuple(py::cast(r.values)), r.variant,
                        py::tuple(py::cast(r.p50)), py::tuple(py::cast(r.mean)), r.seed);
}

sim::SweepRow tuple_to_row(const py::handle& h) {
  const auto t = h.cast<py::tuple>();
  if (t.size() != 7) throw py::value_error("not a sweep row (expected a 7-tuple)");
  sim::SweepRow r;
  r.point = t[0].cast<std::size_t>();
  r.shard = t[1].cast<std::string>();
  r.values = t[2].cast<std::vector<std::string>>();
  r.variant = t[3].cast<std::string>();
  r.p50 = t[4].cast<std::vector<double>>();
  r.mean = t[5].cast<std::vector<double>>();
  r.seed = t[6].cast<std::uint64_t>();
  return r;
}

py::list rows_to_list(const std::vector<sim::SweepRow>& rows) {
  py::list out;
  for (const auto& r : rows) out.append(row_to_tuple(r));
  return out;
}

sim::Shard shard_of(const py::object& o) {
  if (o.is_none()) return {};
  if (py::isinstance<py::str>(o)) return sim::parse_shard(o.cast<std::string>());
  const auto t = o.cast<std::pair<std::size_t, std::size_t>>();
  return sim::parse_shard(std::to_string(t.first) + "/" + std::to_string(t.second));
}

py::object value_object(const std::string& text) {
  return yaml_to_python(engine::load_yaml_string(text, "value"));
}

py::array_t<double> design_array(const engine::UnitDesign& d) {
  py::array_t<double> a({static_cast<py::ssize_t>(d.rows), static_cast<py::ssize_t>(d.dims)});
  std::copy(d.u.begin(), d.u.end(), a.mutable_data());
  return a;
}

py::dict parameter_dict(const sim::SweepParameter& p) {
  py::dict d("name"_a = p.name, "path"_a = p.path);
  if (p.is_range()) {
    d["min"] = p.min;
    d["max"] = p.max;
    d["scale"] = p.log_scale ? "log" : "linear";
    d["integer"] = p.integer;
  } else {
    py::list vs;
    for (const auto& v : p.values) vs.append(value_object(v));
    d["values"] = vs;
  }
  return d;
}

}  // namespace

void bind_sweep(py::module_& m) {
  py::class_<SweepCounter>(m, "SweepCounter")
      .def(py::init<>())
      .def_property_readonly("value", [](const SweepCounter& c) { return c.value.load(); });

  py::class_<sim::Sweep, SweepPtr>(m, "Sweep")
      .def_static(
          "load_file",
          [](const std::string& path, std::optional<int> replicates) {
            return std::make_shared<sim::Sweep>(sim::load_sweep_file(path), replicates);
          },
          "path"_a, "replicates"_a = py::none())
      .def_static(
          "from_string",
          [](const std::string& yaml, const std::string& name, const std::string& base_dir,
             std::optional<int> replicates) {
            return std::make_shared<sim::Sweep>(sim::load_sweep_string(yaml, name, base_dir),
                                                replicates);
          },
          "yaml"_a, "name"_a, "base_dir"_a, "replicates"_a = py::none())
      .def("__len__", &sim::Sweep::size)
      .def_property_readonly("size", &sim::Sweep::size)
      .def_property_readonly("dims", &sim::Sweep::dims)
      .def_property_readonly("file", [](const sim::Sweep& s) { return s.definition().file; })
      .def_property_readonly("name", [](const sim::Sweep& s) { return s.definition().name; })
      .def_property_readonly("description",
                             [](const sim::Sweep& s) { return s.definition().description; })
      .def_property_readonly("scenario_file",
                             [](const sim::Sweep& s) { return s.definition().scenario_file; })
      .def_property_readonly(
          "design", [](const sim::Sweep& s) { return sim::design_name(s.definition().design); })
      .def_property_readonly("base_rows", [](const sim::Sweep& s) { return s.definition().points; })
      .def_property_readonly("replicates", &sim::Sweep::replicates)
      .def_property_readonly("seed", &sim::Sweep::seed)
      .def_property_readonly(
          "common_random_numbers",
          [](const sim::Sweep& s) { return s.definition().common_random_numbers; })
      .def_property_readonly("outputs", [](const sim::Sweep& s) { return s.definition().outputs; })
      .def_property_readonly("variants",
                             [](const sim::Sweep& s) { return s.definition().variants; })
      .def_property_readonly("parameters",
                             [](const sim::Sweep& s) {
                               py::list out;
                               for (const auto& p : s.definition().parameters)
                                 out.append(parameter_dict(p));
                               return out;
                             })
      .def_property_readonly("columns", &sim::Sweep::columns)
      .def_property_readonly("definition_hash", &sim::Sweep::definition_hash)
      .def("manifest_json", &sim::Sweep::manifest_json)
      .def("value_texts", &sim::Sweep::values, "point"_a)
      .def(
          "values",
          [](const sim::Sweep& s, std::size_t k) {
            py::list out;
            for (const auto& v : s.values(k)) out.append(value_object(v));
            return out;
          },
          "point"_a, "Parameter values of a point as Python objects.")
      .def("point_seed", &sim::Sweep::point_seed, "point"_a)
      .def(
          "pending",
          [](const sim::Sweep& s, const py::object& shard) {
            return sim::pending_points(s, shard_of(shard), nullptr);
          },
          "shard"_a = py::none())
      .def(
          "run_point",
          [](const sim::Sweep& s, std::size_t point, int threads, const py::object& shard) {
            if (point >= s.size())
              throw py::index_error("point " + std::to_string(point) + " of a sweep of " +
                                    std::to_string(s.size()));
            const sim::Shard sh = shard_of(shard);
            std::vector<sim::SweepRow> rows;
            {
              py::gil_scoped_release nogil;
              rows = s.run_point(point, threads, nullptr, sh);
            }
            return rows_to_list(rows);
          },
          "point"_a, "threads"_a = 1, "shard"_a = py::none(),
          "Runs one point (every variant) without the GIL; one row tuple per variant.")
      .def(
          "run",
          [](const sim::Sweep& s, const std::string& out_dir, const py::object& shard,
             int threads, SweepCounter* counter) {
            sim::SweepRunOptions o;
            o.out_dir = out_dir;
            o.shard = shard_of(shard);
            o.threads = threads;
            std::vector<sim::SweepRow> rows;
            o.on_rows = [&](const std::vector<sim::SweepRow>& r) {
              rows.insert(rows.end(), r.begin(), r.end());
            };
            if (counter) o.points_done = &counter->value;
            sim::SweepRunSummary sum;
            {
              py::gil_scoped_release nogil;
              sum = sim::run_sweep(s, o);
            }
            py::dict info("in_shard"_a = sum.in_shard, "resumed"_a = sum.resumed,
                          "ran"_a = sum.ran, "elapsed_seconds"_a = sum.elapsed_seconds);
            return py::make_tuple(rows_to_list(rows), info);
          },
          "out_dir"_a = "", "shard"_a = py::none(), "threads"_a = 1, "counter"_a = nullptr,
          "Runs this shard's pending points (checkpointed in out_dir when given) without the "
          "GIL; returns (rows run now, summary).")
      .def(
          "read_results",
          [](const sim::Sweep& s, const std::string& dir) {
            return rows_to_list(sim::read_sweep_results(s, dir));
          },
          "dir"_a, "Every complete row of DIR's results files, sorted by point and variant.");

  py::class_<sim::SweepCheckpoint, std::shared_ptr<sim::SweepCheckpoint>>(m, "SweepCheckpoint")
      .def(py::init([](const SweepPtr& s, const std::string& dir, const py::object& shard) {
             auto cp = std::shared_ptr<sim::SweepCheckpoint>(
                 new sim::SweepCheckpoint(*s, dir, shard_of(shard)),
                 [s](sim::SweepCheckpoint* p) { delete p; });  // keeps the sweep alive
             return cp;
           }),
           "sweep"_a, "dir"_a, "shard"_a = py::none())
      .def("done", &sim::SweepCheckpoint::done, "point"_a)
      .def_property_readonly("done_count", &sim::SweepCheckpoint::done_count)
      .def_property_readonly("file",
                             [](const sim::SweepCheckpoint& c) { return c.file().string(); })
      .def(
          "append",
          [](sim::SweepCheckpoint& c, const py::list& rows) {
            std::vector<sim::SweepRow> rs;
            for (const auto& r : rows) rs.push_back(tuple_to_row(r));
            py::gil_scoped_release nogil;
            c.append(rs);
          },
          "rows"_a, "Appends one point's rows as one write of complete lines, then fsync.");

  m.def("parse_shard", [](const std::string& t) {
    const auto s = sim::parse_shard(t);
    return std::make_pair(s.index, s.count);
  });
  m.def("results_file_name", [](std::size_t i, std::size_t n) {
    return sim::results_file_name(sim::Shard{i, n});
  });

  m.def(
      "sobol_jansen",
      [](py::array_t<double, py::array::c_style | py::array::forcecast> f, std::size_t dims,
         std::size_t bootstrap, double confidence, std::uint64_t seed) {
        if (f.ndim() != 1) throw py::value_error("outputs must be one-dimensional");
        if (dims == 0 || f.size() % static_cast<py::ssize_t>(dims + 2) != 0)
          throw py::value_error("Sobol' indices need n (d + 2) outputs from a Saltelli design, "
                                "in its order (A, B, AB_1 .. AB_d for each base row)");
        if (!(confidence > 0 && confidence < 1))
          throw py::value_error("confidence must be in (0, 1)");
        const std::span<const double> span(f.data(), static_cast<std::size_t>(f.size()));
        engine::SobolIndices s;
        {
          py::gil_scoped_release nogil;
          s = engine::sobol_jansen(span, dims, engine::SobolOptions{bootstrap, confidence, seed});
        }
        return py::dict("first"_a = s.first, "first_low"_a = s.first_low,
                        "first_high"_a = s.first_high, "total"_a = s.total,
                        "total_low"_a = s.total_low, "total_high"_a = s.total_high,
                        "variance"_a = s.variance, "rows_used"_a = s.rows_used);
      },
      "f"_a, "dims"_a, "bootstrap"_a = 1000, "confidence"_a = 0.95, "seed"_a = 1,
      "First-order and total Sobol' indices (Jansen) with percentile bootstrap intervals.");
  m.def(
      "tornado",
      [](py::array_t<double, py::array::c_style | py::array::forcecast> f, std::size_t dims) {
        if (f.ndim() != 1 || f.size() != static_cast<py::ssize_t>(engine::oat_rows(dims)))
          throw py::value_error("a tornado needs 1 + 2 d outputs (base, then low and high of "
                                "each parameter)");
        const std::span<const double> span(f.data(), static_cast<std::size_t>(f.size()));
        const auto bars = engine::tornado(span, dims);
        py::list out;
        for (const auto& b : bars)
          out.append(py::dict("parameter"_a = b.parameter, "base"_a = b.base,
                              "at_low"_a = b.at_low, "at_high"_a = b.at_high, "swing"_a = b.swing));
        return out;
      },
      "f"_a, "dims"_a);
  m.def(
      "sobol_points",
      [](std::size_t n, std::size_t dims, std::uint64_t first) {
        if (dims == 0 || dims > engine::SobolSequence::kMaxDims)
          throw py::value_error("dims must be in [1, " +
                                std::to_string(engine::SobolSequence::kMaxDims) + "]");
        return design_array(engine::sobol_points(n, dims, first));
      },
      "n"_a, "dims"_a, "first"_a = 0);
  m.def(
      "latin_hypercube",
      [](std::size_t n, std::size_t dims, std::uint64_t seed) {
        return design_array(engine::latin_hypercube(n, dims, seed));
      },
      "n"_a, "dims"_a, "seed"_a);
  m.def(
      "saltelli_design",
      [](std::size_t n, std::size_t dims) {
        if (dims == 0 || 2 * dims > engine::SobolSequence::kMaxDims)
          throw py::value_error("dims must be in [1, " +
                                std::to_string(engine::SobolSequence::kMaxDims / 2) + "]");
        return design_array(engine::saltelli_design(n, dims));
      },
      "n"_a, "dims"_a);
}

}  // namespace goodhart::bindings
