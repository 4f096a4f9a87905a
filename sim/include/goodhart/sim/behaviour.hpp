// How people respond to incentives (MODEL.md section 5): the exact KKT best response to
// linear schemes, and the tournament (leaderboard) best response and equilibrium.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <span>

namespace goodhart::sim {

using Effort = Eigen::Vector3d;  // (real work, usage gaming, outcome-KPI gaming)
using CostMatrix = Eigen::Matrix3d;

// argmax_e  g'e - 1/2 (e-e0)' C (e-e0)  subject to e >= 0 and e_k = 0 where !allowed[k].
// Solved exactly by enumerating active sets and checking the KKT conditions (C is
// symmetric positive definite, so exactly one KKT point exists).
Effort best_response_linear(const Effort& e0, const CostMatrix& c, const Effort& g,
                            const std::array<bool, 3>& allowed = {true, true, true});

// Largest-utility extra metric d >= 0 for  P * Phi((d - gap) / sigma) - c d^2 / 2: the
// tournament problem in metric units (gap = forecast cutoff minus metric at no extra effort).
// Not concave: compares its local maxima (at most two) with giving up (d = 0).
double tournament_best_response(double prize, double sigma, double gap, double cost);

// Symmetric equilibrium effort of a homogeneous tournament with top share q:
// P * phi(Phi^-1(1 - q)) / (c * sigma) (Lazear-Rosen).
double tournament_equilibrium_effort(double prize, double top_share, double cost, double sigma);

double normal_cdf(double x);
double normal_pdf(double x);
double normal_quantile(double p);
// u + prize * normal_cdf(z), bit for bit, for u >= 0: the CDF is skipped where the term is
// below half a unit in u's last place (how a decision adds up its prize tiers).
double add_prize(double u, double prize, double z);

// One prize of a leaderboard: `prize` for a ranked metric at or above `cutoff`, forecast with
// Gaussian uncertainty `sigma` (a board can pay its top share and, on top, its first places).
struct PrizeTier {
  double cutoff = 0.0;
  double sigma = 0.0;
  double prize = 0.0;
};

// A person's choice on a leaderboard, when effort moves the ranked metric at `metric_per_effort`
// per day over `effort_days` days and other schemes already reward `g_linear`.
// Efforts follow the cost-efficient path e(w) = best_response_linear(e0, C, g_linear + w a);
// the person picks the w that maximises sum_t P_t Phi((base + days a'e(w) - cutoff_t)/sigma_t)
// - days cost. The candidates are giving up and each tier's own tournament optimum (exact for
// one tier; for several, exact when their cutoffs lie several sigma apart). At most 4 tiers
// that pay (std::invalid_argument beyond).
struct LeaderboardChoice {
  Effort effort;
  double metric_gain = 0.0;  // a'(e - e_linear) per day
};
// A board's tiers as everyone ranked on one day faces them, with what depends on the tiers
// alone worked out once: the tiers that pay (a prize and an uncertainty above zero, at most 4:
// std::invalid_argument beyond), their largest and their total marginal prize, whether their
// cutoffs lie several sigma apart, and ln P - ln sigma of each.
class LeaderboardTiers {
 public:
  static constexpr std::size_t kMaxTiers = 4;
  explicit LeaderboardTiers(std::span<const PrizeTier> tiers);
  std::span<const PrizeTier> paying() const { return {tiers_.data(), n_}; }
  double largest_marginal() const { return w_max_; }  // max over tiers of P phi(0) / sigma
  double total_marginal() const { return w_all_; }    // the sum of the same
  bool separated() const { return separated_; }
  double log_ratio(std::size_t t) const { return log_p_over_s_[t]; }  // ln P - ln sigma

 private:
  std::array<PrizeTier, kMaxTiers> tiers_{};
  std::array<double, kMaxTiers> log_p_over_s_{};
  std::size_t n_ = 0;
  double w_max_ = 0.0, w_all_ = 0.0;
  bool separated_ = true;
};
LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& metric_per_effort,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double effort_days, const LeaderboardTiers& tiers);
LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& metric_per_effort,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double effort_days, std::span<const PrizeTier> tiers);
// The one-tier board.
LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& metric_per_effort,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double effort_days, double cutoff, double sigma,
                                            double prize);

}  // namespace goodhart::sim
