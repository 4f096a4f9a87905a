// Monte Carlo runs (sim/run.hpp) and their reports (sim/report.hpp). The run itself, the
// bands and summary.json are the C++ code the CLI uses, so Python and CLI agree to the bit.
#include <pybind11/stl.h>

#include <atomic>
#include <memory>
#include <optional>
#include <sstream>

#include "bindings.hpp"
#include "convert.hpp"
#include "goodhart/sim/simulator.hpp"

#include "goodhart/sim/report.hpp"
#include "goodhart/sim/run.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace goodhart::bindings {

namespace {

// Shared with a Python thread that polls it while the run holds no GIL.
struct ProgressCounter {
  std::atomic<std::int64_t> value{0};
};

// A finished run plus what Python reads from it. Figures and daily series are packed once
// into contiguous [replicate x figure] and [replicate x metric x day] blocks so numpy can view
// them without copying on every access; person columns are viewed in place.
struct RunHandle {
  sim::RunResult run;
  nlohmann::json summary;  // summary.json, as the CLI writes it
  std::vector<std::vector<double>> figures;
  std::vector<std::vector<double>> daily;

  std::size_t index(const std::string& variant) const {
    for (std::size_t i = 0; i < run.variants.size(); ++i)
      if (run.variants[i].name == variant) return i;
    std::string names;
    for (const auto& v : run.variants) names += (names.empty() ? "" : ", ") + v.name;
    throw py::value_error("no variant '" + variant + "' in this run (ran: " + names + ")");
  }
};

sim::RunOptions options(std::optional<int> replicates, std::optional<std::uint64_t> seed,
                        int threads, ProgressCounter* progress) {
  sim::RunOptions o;
  o.replicates = replicates;
  o.seed = seed;
  o.threads = threads;
  o.progress = progress ? &progress->value : nullptr;
  return o;
}

std::shared_ptr<RunHandle> run(const sim::ScenarioDocument& doc,
                               const std::vector<std::string>& variants,
                               std::optional<int> replicates, std::optional<std::uint64_t> seed,
                               int threads, ProgressCounter* progress) {
  auto h = std::make_shared<RunHandle>();
  py::gil_scoped_release nogil;
  h->run = sim::run_scenario(doc, variants, options(replicates, seed, threads, progress));
  const auto checks = sim::check_targets(doc.build().targets, h->run);
  h->summary = sim::summary_json(h->run, checks);
  for (const auto& v : h->run.variants) {
    const std::size_t nf = v.figure_names.size();
    const std::size_t nm = sim::daily_metric_names().size();
    const std::size_t nd = static_cast<std::size_t>(h->run.days);
    auto& f = h->figures.emplace_back();
    auto& d = h->daily.emplace_back();
    f.reserve(v.replicates.size() * nf);
    d.reserve(v.replicates.size() * nm * nd);
    for (const auto& r : v.replicates) {
      f.insert(f.end(), r.figures.begin(), r.figures.end());
      for (const auto& series : r.daily) d.insert(d.end(), series.begin(), series.end());
    }
  }
  return h;
}

template <class T>
py::array column(const std::vector<T>& v, py::handle owner) {
  return readonly_view(v.data(), {static_cast<py::ssize_t>(v.size())}, owner);
}

}  // namespace

void bind_run(py::module_& m) {
  py::class_<ProgressCounter>(m, "ProgressCounter")
      .def(py::init<>())
      .def_property_readonly("value", [](const ProgressCounter& p) { return p.value.load(); });
  m.attr("figure_names") = sim::figure_names();
  m.attr("daily_metric_names") = sim::daily_metric_names();

  m.def("planned_employee_days",
        [](const sim::ScenarioDocument& doc, const std::vector<std::string>& variants,
           std::optional<int> replicates, std::optional<std::uint64_t> seed, int threads) {
          return sim::planned_employee_days(doc, variants,
                                            options(replicates, seed, threads, nullptr));
        },
        "doc"_a, "variants"_a, "replicates"_a, "seed"_a, "threads"_a);
  m.def("run", &run, "doc"_a, "variants"_a, "replicates"_a, "seed"_a, "threads"_a,
        "progress"_a = nullptr,
        "Runs the base and variants (empty = all) without the GIL; progress counts employee-days.");

  py::class_<RunHandle, std::shared_ptr<RunHandle>>(m, "RunHandle")
      .def_property_readonly("scenario_file", [](const RunHandle& h) { return h.run.scenario_file; })
      .def_property_readonly("scenario_name", [](const RunHandle& h) { return h.run.scenario_name; })
      .def_property_readonly("seed", [](const RunHandle& h) { return h.run.seed; })
      .def_property_readonly("replicates", [](const RunHandle& h) { return h.run.replicates; })
      .def_property_readonly("threads", [](const RunHandle& h) { return h.run.threads; })
      .def_property_readonly("employees", [](const RunHandle& h) { return h.run.employees; })
      .def_property_readonly("licensed_seats", [](const RunHandle& h) { return h.run.licensed; })
      .def_property_readonly("days", [](const RunHandle& h) { return h.run.days; })
      .def_property_readonly("start", [](const RunHandle& h) { return h.run.start.iso(); })
      .def_property_readonly("elapsed_seconds",
                             [](const RunHandle& h) { return h.run.elapsed_seconds; })
      .def_property_readonly("variant_names", [](const RunHandle& h) {
        std::vector<std::string> out;
        for (const auto& v : h.run.variants) out.push_back(v.name);
        return out;
      })
      .def("figure_names", [](const RunHandle& h, const std::string& variant) {
        return h.run.variants[h.index(variant)].figure_names;
      })
      .def("summary_json", [](const RunHandle& h, int indent) { return sim::dump_json(h.summary, indent); },
           "indent"_a = -1, "summary.json text; indent=2 is byte-identical to `goodhart run --out`.")
      .def("daily_csv", [](const RunHandle& h) {
        std::ostringstream os;
        sim::write_daily_csv(os, h.run);
        return os.str();
      })
      .def("people_csv", [](const RunHandle& h) {
        std::ostringstream os;
        sim::write_people_csv(os, h.run);
        return os.str();
      })
      .def("table", [](const RunHandle& h) {
        return sim::format_table(h.run, {});
      })
      .def("figures", [](py::object self, const std::string& variant) {
        const auto& h = self.cast<const RunHandle&>();
        const std::size_t i = h.index(variant);
        const auto& v = h.run.variants[i];
        return readonly_view(h.figures[i].data(),
                             {static_cast<py::ssize_t>(v.replicates.size()),
                              static_cast<py::ssize_t>(v.figure_names.size())}, self);
      }, "variant"_a, "[replicate x figure] view, no copy.")
      .def("daily", [](py::object self, const std::string& variant) {
        const auto& h = self.cast<const RunHandle&>();
        const std::size_t i = h.index(variant);
        return readonly_view(h.daily[i].data(),
                             {static_cast<py::ssize_t>(h.run.variants[i].replicates.size()),
                              static_cast<py::ssize_t>(sim::daily_metric_names().size()),
                              static_cast<py::ssize_t>(h.run.days)}, self);
      }, "variant"_a, "[replicate x metric x day] view, no copy; NaN where undefined.")
      .def("people", [](py::object self, const std::string& variant) {
        const auto& h = self.cast<const RunHandle&>();
        const auto& v = h.run.variants[h.index(variant)];
        py::dict out;
        if (v.replicates.empty()) return out;
        const sim::People& p = v.replicates[0].people;
        out["cohort_names"] = p.cohort_names;
        out["cohort"] = column(p.cohort, self);
        out["team"] = column(p.team, self);
        out["effort_real"] = column(p.effort_real, self);
        out["effort_usage_gaming"] = column(p.effort_usage_gaming, self);
        out["effort_kpi_gaming"] = column(p.effort_kpi_gaming, self);
        for (int k = 0; k < engine::kPurposes; ++k)
          out[py::str(std::string("tokens_") + engine::kPurposeNames[k])] =
              column(p.tokens[k], self);
        out["spend_usd"] = column(p.spend_usd, self);
        out["value_usd"] = column(p.value_usd, self);
        out["rewarded_metric"] = column(p.rewarded_metric, self);
        out["pull_requests"] = column(p.pull_requests, self);
        out["commits"] = column(p.commits, self);
        out["edits_accepted"] = column(p.edits_accepted, self);
        out["edits_rejected"] = column(p.edits_rejected, self);
        out["active_days"] = column(p.active_days, self);
        out["aware"] = column(p.aware, self);
        out["capped_days"] = column(p.capped_days, self);
        return out;
      }, "variant"_a, "Replicate 0's person columns as views, no copy.");
}

}  // namespace goodhart::bindings
