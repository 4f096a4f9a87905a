#include "goodhart/sim/behaviour.hpp"

#include <algorithm>
#include <array>
#include <bit>
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

namespace {

// f'(d) = P phi((d - gap)/sigma)/sigma - c d of the tournament problem at n points, the
// same expression as normal_pdf gives, evaluated in passes: the divisions and products of
// all points first (independent, so they vectorise), then exp, then the rest.
struct Slope {
  double prize, sigma, gap, cost;
  double operator()(double d) const { return prize * normal_pdf((d - gap) / sigma) / sigma - cost * d; }
  void operator()(const double* d, double* out, int n) const {
    static const double k = std::sqrt(2.0 * std::numbers::pi);  // as in normal_pdf
    for (int i = 0; i < n; ++i) {
      const double x = (d[i] - gap) / sigma;
      out[i] = -0.5 * x * x;
    }
    for (int i = 0; i < n; ++i) out[i] = std::exp(out[i]);
    for (int i = 0; i < n; ++i) out[i] = prize * (out[i] / k) / sigma - cost * d[i];
  }
};

// The bisection of the tournament problem: 52 halvings of [lo, hi], keeping the half where
// f' changes sign (f'(lo) > 0). Evaluated one after another, each f' waits for the previous
// one (exp's latency dominates). The same midpoints and decisions are found faster: the
// root is predicted from the latest values on either side (secant), the midpoints the
// bisection visits if the prediction holds are evaluated together (independent evaluations
// overlap in the pipeline), and the decisions are then taken in order from those values;
// at the first decision that differs from the prediction the rest of the batch is dropped.
// Every decision uses f' at the same midpoint as before, so the result is bit-for-bit that of
// the plain loop.
double bisect(const Slope& df, double lo, double hi, double f_lo, double f_hi) {
  constexpr int kBatch = 16;
  double a = lo, fa = f_lo, b = hi, fb = f_hi;  // latest points on either side of the root
  int it = 0, batch = kBatch;
  while (it < 52) {
    double root = a + fa * ((b - a) / (fa - fb));
    if (!(root >= lo && root <= hi)) root = 0.5 * (lo + hi);
    const int n = std::min(batch, 52 - it);
    std::array<double, kBatch> mid, val;
    // (Selections rather than branches: the decisions are coin flips to a branch predictor.)
    double plo = lo, phi = hi;
    for (int j = 0; j < n; ++j) {
      const double m = 0.5 * (plo + phi);
      const bool below = m < root;
      mid[j] = m;
      plo = below ? m : plo;
      phi = below ? phi : m;
    }
    df(mid.data(), val.data(), n);
    int j = 0;
    for (; j < n; ++j) {
      const double m = mid[j];  // == 0.5 * (lo + hi) while the predictions hold
      const double v = val[j];
      const bool pos = v > 0.0;
      lo = pos ? m : lo;
      hi = pos ? hi : m;
      a = pos ? m : a;
      fa = pos ? v : fa;
      b = pos ? b : m;
      fb = pos ? fb : v;
      ++it;
      if (pos != (m < root)) break;
    }
    // Close to the root predictions fail more often: smaller batches waste less.
    batch = j < n ? std::max(4, batch / 2) : kBatch;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double tournament_best_response(double prize, double sigma, double gap, double cost) {
  if (!(prize > 0.0) || !(sigma > 0.0) || !(cost > 0.0)) return 0.0;
  auto f = [&](double d) { return prize * normal_cdf((d - gap) / sigma) - 0.5 * cost * d * d; };
  const Slope df{prize, sigma, gap, cost};
  // Beyond d_max the marginal prize can no longer pay the marginal cost.
  const double d_max = prize * normal_pdf(0.0) / (sigma * cost);
  // f' is a Gaussian bump minus a line: at most three roots, all within the bump's reach or
  // where the line crosses its tails. A coarse uniform grid plus a fine one over the bump
  // brackets every sign change.
  std::array<double, 25> coarse;
  std::array<double, 39> fine;
  std::size_t m_fine = 0;
  for (int i = 0; i <= 24; ++i) coarse[i] = d_max * i / 24.0;
  for (int k = -19; k <= 19; ++k) {
    const double d = gap + sigma * k / 4.0;
    if (d > 0.0 && d < d_max) fine[m_fine++] = d;
  }
  // Both parts are ascending: merging them is sorting them (the fine points are > 0, so no
  // signed zeros meet; with d_max not finite the order is left to std::sort).
  std::array<double, 64> grid;
  const std::size_t m = coarse.size() + m_fine;
  if (std::isfinite(d_max)) {
    std::merge(coarse.begin(), coarse.end(), fine.begin(), fine.begin() + m_fine, grid.begin());
  } else {
    std::copy(coarse.begin(), coarse.end(), grid.begin());
    std::copy(fine.begin(), fine.begin() + m_fine, grid.begin() + coarse.size());
    std::sort(grid.begin(), grid.begin() + m);
  }
  std::array<double, 64> val;  // f' on the grid: independent evaluations, done together
  df(grid.data(), val.data(), static_cast<int>(m));
  double best_d = 0.0, best_f = f(0.0);
  for (std::size_t i = 1; i < m; ++i) {
    // A sign change: f' > 0 at the lower point and f' <= 0 at the upper one.
    if (!(val[i - 1] > 0.0 && val[i] <= 0.0)) continue;
    const double d = bisect(df, grid[i - 1], grid[i], val[i - 1], val[i]);
    const double fd = f(d);
    if (fd > best_f) {
      best_f = fd;
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
  // effort_at is a pure function of w: the effort at best_w is kept rather than solved again.
  Effort e_best_w;
  bool have_e_best_w = false;
  if (s > 0.0) {
    const double gap = cutoff - (base_metric + days * a.dot(e_lin));
    const double d = tournament_best_response(prize, sigma, gap, 1.0 / s);
    const double w = d / s;
    const Effort e_w = effort_at(w);
    const double u = utility(e_w);
    if (u > best_u) {
      best_u = u;
      best_w = w;
      e_best_w = e_w;
      have_e_best_w = true;
    }
  }
  auto effort_at_best = [&] {
    if (have_e_best_w) return e_best_w;
    // best_w is still 0: effort_at(0) solves for g_linear + 0 a, which is e_lin's problem
    // whenever adding 0 a leaves g_linear's bits unchanged (it can flip a -0 to +0).
    const Effort g0 = g_linear + best_w * a;
    bool same = true;
    for (int k = 0; k < 3; ++k) same = same && std::bit_cast<std::uint64_t>(g0(k)) == std::bit_cast<std::uint64_t>(g_linear(k));
    return same ? e_lin : effort_at(best_w);
  };
  // A coarse scan guards against active-set changes along the path; needed only when the
  // set of efforts at zero differs between the start of the path and the chosen point.
  Effort e = effort_at_best();
  bool same_set = true;
  for (int k = 0; k < 3; ++k) same_set = same_set && ((e1(k) > 0.0) == (e(k) > 0.0));
  for (int i = 1; i <= 32 && !same_set; ++i) {
    const double w = w_max * i / 32.0;
    const Effort e_w = effort_at(w);
    const double u = utility(e_w);
    if (u > best_u + 1e-12) {
      best_u = u;
      best_w = w;
      e = e_w;
    }
  }
  return LeaderboardChoice{e, a.dot(e - e_lin)};
}

}  // namespace goodhart::sim
