// Incentive primitives (sim/behaviour.hpp) for exploring a scheme before simulating it.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "goodhart/sim/behaviour.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace goodhart::bindings {

void bind_behaviour(py::module_& m) {
  using sim::CostMatrix;
  using sim::Effort;

  m.def("best_response_linear", &sim::best_response_linear, "e0"_a, "cost"_a, "g"_a,
        "allowed"_a = std::array<bool, 3>{true, true, true},
        "Exact KKT best response to a linear scheme: argmax g'e - (e-e0)'C(e-e0)/2 over e >= 0.");
  m.def("tournament_best_response", &sim::tournament_best_response, "prize"_a, "sigma"_a, "gap"_a,
        "cost"_a, "Utility-maximising extra metric for P*Phi((d-gap)/sigma) - c*d^2/2, d >= 0.");
  m.def("tournament_equilibrium_effort", &sim::tournament_equilibrium_effort, "prize"_a,
        "top_share"_a, "cost"_a, "sigma"_a,
        "Symmetric Lazear-Rosen equilibrium effort P*phi(Phi^-1(1-q))/(c*sigma).");
  m.def(
      "leaderboard_best_response",
      [](const Effort& e0, const CostMatrix& c, const Effort& g_linear, const Effort& a,
         const std::array<bool, 3>& allowed, double base_metric, double effort_days,
         const std::vector<std::array<double, 3>>& tiers) {
        std::vector<sim::PrizeTier> t;
        for (const auto& [cutoff, sigma, prize] : tiers) t.push_back({cutoff, sigma, prize});
        const auto r = sim::leaderboard_best_response(e0, c, g_linear, a, allowed, base_metric,
                                                      effort_days, t);
        return py::make_tuple(Effort(r.effort), r.metric_gain);
      },
      "e0"_a, "cost"_a, "g_linear"_a, "metric_per_effort"_a, "allowed"_a, "base_metric"_a,
      "effort_days"_a, "tiers"_a,
      "A person's leaderboard choice given prize tiers (cutoff, sigma, prize): (effort, extra "
      "ranked metric per day).");
  m.def("normal_cdf", &sim::normal_cdf, "x"_a);
  m.def("normal_pdf", &sim::normal_pdf, "x"_a);
  m.def("normal_quantile", &sim::normal_quantile, "p"_a);
}

}  // namespace goodhart::bindings
