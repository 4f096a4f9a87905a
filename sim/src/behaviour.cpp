#include "goodhart/sim/behaviour.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace goodhart::sim {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }

double normal_quantile(double p) {
  // Acklam's rational approximation refined by one Halley step (|error| < 1e-12).
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double plow = 0.02425;
  double x;
  if (p < plow) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

Effort best_response_linear(const Effort& e0, const CostMatrix& c, const Effort& g,
                            const std::array<bool, 3>& allowed) {
  const Effort ce0 = c * e0;
  constexpr double tol = 1e-12;
  Effort best = Effort::Zero();
  double best_obj = -std::numeric_limits<double>::infinity();
  int allowed_mask = 0;
  for (int k = 0; k < 3; ++k)
    if (allowed[k]) allowed_mask |= 1 << k;
  // Free sets from largest to smallest: the interior solution is the common case.
  for (int pop = 3; pop >= 0; --pop) {
    for (int free = allowed_mask; ; free = (free - 1) & allowed_mask) {
      if (__builtin_popcount(free) == pop) {
        Effort e = Effort::Zero();
        std::array<int, 3> idx{};
        int n = 0;
        for (int k = 0; k < 3; ++k)
          if (free & (1 << k)) idx[n++] = k;
        if (n > 0) {
          // Fixed maximum sizes: no heap allocation in a solver called per person.
          Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 3, 3> cff(n, n);
          Eigen::Matrix<double, Eigen::Dynamic, 1, 0, 3, 1> rhs(n);
          for (int i = 0; i < n; ++i) {
            rhs(i) = g(idx[i]) + ce0(idx[i]);
            for (int j = 0; j < n; ++j) cff(i, j) = c(idx[i], idx[j]);
          }
          const Eigen::Matrix<double, Eigen::Dynamic, 1, 0, 3, 1> ef = cff.ldlt().solve(rhs);
          for (int i = 0; i < n; ++i) e(idx[i]) = ef(i);
        }
        bool ok = (e.array() >= -tol).all();
        if (ok) {
          const Effort mu = c * (e - e0) - g;
          for (int k = 0; k < 3; ++k)
            if (allowed[k] && !(free & (1 << k)) && mu(k) < -tol) ok = false;
        }
        if (ok) return e.cwiseMax(0.0);
        // Numerical safety net: keep the best feasible point in case no set passes exactly.
        const Effort ep = e.cwiseMax(0.0);
        const double obj = g.dot(ep) - 0.5 * (ep - e0).dot(c * (ep - e0));
        if (obj > best_obj) {
          best_obj = obj;
          best = ep;
        }
      }
      if (free == 0) break;
    }
  }
  return best;
}

double tournament_best_response(double prize, double sigma, double gap, double cost) {
  if (!(prize > 0.0) || !(sigma > 0.0) || !(cost > 0.0)) return 0.0;
  auto f = [&](double d) { return prize * normal_cdf((d - gap) / sigma) - 0.5 * cost * d * d; };
  auto df = [&](double d) { return prize * normal_pdf((d - gap) / sigma) / sigma - cost * d; };
  // Beyond d_max the marginal prize can no longer pay the marginal cost.
  const double d_max = prize * normal_pdf(0.0) / (sigma * cost);
  // f' is a Gaussian bump minus a line: at most three roots, all within the bump's reach or
  // where the line crosses its tails. A coarse uniform grid plus a fine one over the bump
  // brackets every sign change.
  std::array<double, 64> grid;
  std::size_t m = 0;
  for (int i = 0; i <= 24; ++i) grid[m++] = d_max * i / 24.0;
  for (int k = -19; k <= 19; ++k) {
    const double d = gap + sigma * k / 4.0;
    if (d > 0.0 && d < d_max) grid[m++] = d;
  }
  std::sort(grid.begin(), grid.begin() + m);
  double best_d = 0.0, best_f = f(0.0);
  double df_prev = df(grid[0]);
  for (std::size_t i = 1; i < m; ++i) {
    double lo = grid[i - 1], hi = grid[i];
    const double df_hi = df(hi);
    const bool crossing = df_prev > 0.0 && df_hi <= 0.0;
    df_prev = df_hi;
    if (!crossing) continue;
    for (int it = 0; it < 52; ++it) {
      const double mid = 0.5 * (lo + hi);
      (df(mid) > 0.0 ? lo : hi) = mid;
    }
    const double d = 0.5 * (lo + hi);
    if (f(d) > best_f) {
      best_f = f(d);
      best_d = d;
    }
  }
  return best_d;
}

double tournament_equilibrium_effort(double prize, double top_share, double cost, double sigma) {
  return prize * normal_pdf(normal_quantile(1.0 - top_share)) / (cost * sigma);
}

LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& a,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double days, double cutoff, double sigma,
                                            double prize) {
  const Effort e_lin = best_response_linear(e0, c, g_linear, allowed);
  LeaderboardChoice none{e_lin, 0.0};
  if (!(prize > 0.0) || !(sigma > 0.0) || !(days > 0.0)) return none;
  auto effort_at = [&](double w) { return best_response_linear(e0, c, g_linear + w * a, allowed); };
  auto utility = [&](const Effort& e) {
    const double metric = base_metric + days * a.dot(e);
    return prize * normal_cdf((metric - cutoff) / sigma) +
           days * (g_linear.dot(e) - 0.5 * (e - e0).dot(c * (e - e0)));
  };
  const double w_max = prize * normal_pdf(0.0) / sigma;
  // Along the path the metric rises linearly in w while the active set is fixed, with
  // cost of extra metric d equal to d^2 / (2 s): the one-dimensional tournament problem.
  const double w1 = w_max * 1e-3;
  const Effort e1 = effort_at(w1);
  const double s = days * a.dot(e1 - e_lin) / w1;  // extra window metric per unit w
  double best_w = 0.0;
  double best_u = utility(e_lin);
  if (s > 0.0) {
    const double gap = cutoff - (base_metric + days * a.dot(e_lin));
    const double d = tournament_best_response(prize, sigma, gap, 1.0 / s);
    const double w = d / s;
    const double u = utility(effort_at(w));
    if (u > best_u) {
      best_u = u;
      best_w = w;
    }
  }
  // A coarse scan guards against active-set changes along the path; needed only when the
  // set of efforts at zero differs between the start of the path and the chosen point.
  const Effort e_best = effort_at(best_w);
  bool same_set = true;
  for (int k = 0; k < 3; ++k) same_set = same_set && ((e1(k) > 0.0) == (e_best(k) > 0.0));
  for (int i = 1; i <= 32 && !same_set; ++i) {
    const double w = w_max * i / 32.0;
    const double u = utility(effort_at(w));
    if (u > best_u + 1e-12) {
      best_u = u;
      best_w = w;
    }
  }
  const Effort e = effort_at(best_w);
  return LeaderboardChoice{e, a.dot(e - e_lin)};
}

}  // namespace goodhart::sim
