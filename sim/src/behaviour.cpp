#include "goodhart/sim/behaviour.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace goodhart::sim {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }

// Without the CDF when the term cannot change u's bits (the podium, for everyone far from the
// top): for z <= -1, P Phi(z) < P phi(z) < 0.4 P e^(-z^2/2); with P < 2^ep and u >= 2^(eu - 1)
// (their binary exponents) and z^2/2 >= (ep - eu + 57) ln 2, that is below 2^-56 u, less than
// half a unit in u's last place, and the computed term (the CDF is good to a few units) too.
double add_prize(double u, double prize, double z) {
  auto exponent = [](double x) {  // e with 2^(e-1) <= x < 2^e for a normal x > 0, else 0
    const auto biased = static_cast<int>(std::bit_cast<std::uint64_t>(x) >> 52);
    return biased >= 1 && biased < 2047 ? biased - 1022 : 0;
  };
  const int eu = exponent(u), ep = exponent(prize);
  if (z <= -1.0 && eu != 0 && ep != 0 && 0.5 * z * z >= (ep - eu + 57) * std::numbers::ln2) return u;
  return u + prize * normal_cdf(z);
}

namespace {
// phi(0), computed once: the decisions' scales use it per tier.
double normal_pdf0() {
  static const double v = normal_pdf(0.0);
  return v;
}
}  // namespace

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

namespace {

// The free sets of each allowed mask in the order the active-set search tries them: the
// most free efforts first, and among as many, the larger mask (the subsets of `mask` counted
// down from it, taken by decreasing popcount), each with its number of free efforts and
// their indices (the first `pop` entries of `idx`).
struct FreeSets {
  std::array<int, 8> free{}, pop{};
  std::array<std::array<int, 3>, 8> idx{};
  int n = 0;
};
constexpr std::array<FreeSets, 8> kFreeSets = [] {
  std::array<FreeSets, 8> table{};
  for (int mask = 0; mask < 8; ++mask)
    for (int pop = 3; pop >= 0; --pop)
      for (int free = mask;; free = (free - 1) & mask) {
        if (std::popcount(static_cast<unsigned>(free)) == pop) {
          FreeSets& t = table[mask];
          t.free[t.n] = free;
          t.pop[t.n] = pop;
          for (int k = 0, i = 0; k < 3; ++k)
            if (free & (1 << k)) t.idx[t.n][i++] = k;
          ++t.n;
        }
        if (free == 0) break;
      }
  return table;
}();
static_assert(kFreeSets[7].n == 8 && kFreeSets[7].free == std::array<int, 8>{7, 6, 5, 3, 4, 2, 1, 0});
static_assert(kFreeSets[1].n == 2 && kFreeSets[1].free[0] == 1 && kFreeSets[1].free[1] == 0);
static_assert(kFreeSets[7].pop[3] == 2 && kFreeSets[7].idx[3] == std::array<int, 3>{0, 1, 0});  // free set 3

// The exact KKT best response of a person (e0, C, allowed) to any linear reward g: the
// active sets are enumerated from the largest free set down, and the first whose solution
// is feasible with non-negative multipliers is the answer. A leaderboard asks one person for
// several g; the factorisation of each free block of C is kept for the next call (the
// solutions are those of a fresh factorisation, bit for bit).
class LinearResponse {
 public:
  LinearResponse(const Effort& e0, const CostMatrix& c, const std::array<bool, 3>& allowed)
      : e0_(e0), c_(c), ce0_(c * e0), allowed_(allowed) {
    for (int k = 0; k < 3; ++k)
      if (allowed[k]) mask_ |= 1 << k;
  }

  Effort operator()(const Effort& g) {
    constexpr double tol = 1e-12;
    Effort best = Effort::Zero();
    double best_obj = -std::numeric_limits<double>::infinity();
    // Free sets from largest to smallest: the interior solution is the common case.
    const FreeSets& sets = kFreeSets[mask_];
    for (int j = 0; j < sets.n; ++j) {
      const int free = sets.free[j], n = sets.pop[j];
      const std::array<int, 3>& idx = sets.idx[j];
      Effort e = Effort::Zero();
      if (n == 1) {
        // What Eigen's LDLT does for one unknown (D = c, and a pivot no larger than the
        // smallest normal number solves to 0), without its general machinery: the common
        // case of a person who knows no way to game, asked several times per decision.
        const int k = idx[0];
        const double c = c_(k, k);
        e(k) = std::abs(c) > std::numeric_limits<double>::min() ? (g(k) + ce0_(k)) / c : 0.0;
      } else if (n > 0) {
        Vec rhs(n);
        for (int i = 0; i < n; ++i) rhs(i) = g(idx[i]) + ce0_(idx[i]);
        const Vec ef = factor(free, idx, n).solve(rhs);
        for (int i = 0; i < n; ++i) e(idx[i]) = ef(i);
      }
      bool ok = (e.array() >= -tol).all();
      // The multipliers of the efforts held at zero (none when every allowed one is free).
      if (ok && free != mask_) {
        const Effort mu = c_ * (e - e0_) - g;
        for (int k = 0; k < 3; ++k)
          if (allowed_[k] && !(free & (1 << k)) && mu(k) < -tol) ok = false;
      }
      if (ok) return e.cwiseMax(0.0);
      // Numerical safety net: keep the best feasible point in case no set passes exactly.
      const Effort ep = e.cwiseMax(0.0);
      const double obj = g.dot(ep) - 0.5 * (ep - e0_).dot(c_ * (ep - e0_));
      if (obj > best_obj) {
        best_obj = obj;
        best = ep;
      }
    }
    return best;
  }

 private:
  // Fixed maximum sizes: no heap allocation in a solver called per person.
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 3, 3>;
  using Vec = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, 3, 1>;
  const Eigen::LDLT<Mat>& factor(int free, const std::array<int, 3>& idx, int n) {
    if (!(have_ & (1 << free))) {
      Mat cff(n, n);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) cff(i, j) = c_(idx[i], idx[j]);
      ldlt_[free].compute(cff);
      have_ |= 1 << free;
    }
    return ldlt_[free];
  }

  const Effort& e0_;
  const CostMatrix& c_;
  const Effort ce0_;
  const std::array<bool, 3> allowed_;
  int mask_ = 0;
  int have_ = 0;  // bit m: ldlt_[m] holds the factorisation of free set m
  std::array<Eigen::LDLT<Mat>, 8> ldlt_;
};

}  // namespace

Effort best_response_linear(const Effort& e0, const CostMatrix& c, const Effort& g,
                            const std::array<bool, 3>& allowed) {
  return LinearResponse(e0, c, allowed)(g);
}

namespace {

// The tournament problem's slope in logarithms. For d > 0,
//   f'(d) = P phi((d - gap)/sigma)/sigma - c d
// has the sign of h(d) = ln(P phi(z)/sigma) - ln(c d) = A - z^2/2 - ln d, with z = (d - gap)/sigma
// and A = ln(P / (sigma c sqrt(2 pi))) = ln d_max. Since h'(d) = -(d - gap)/sigma^2 - 1/d, h falls
// from +inf (d -> 0) to -inf (d -> inf) except between the roots d1 <= d2 of
// d^2 - gap d + sigma^2 = 0 (real when gap > 2 sigma), where it rises. Each of those (at most
// three) monotone stretches holds at most one root. The roots are sought in t = ln d, on
// H(t) = h(e^t): logarithms keep the far tails, where phi underflows, exact enough.
struct LogSlope {
  double a, sigma, gap;
  struct At {
    double d, z, H;  // d = e^t, z = (d - gap)/sigma, H(t)
  };
  At at(double t) const {
    const double d = std::exp(t);
    const double z = (d - gap) / sigma;
    return {d, z, a - 0.5 * z * z - t};
  }
  double H(double t) const { return at(t).H; }
  double h(double d) const {
    const double z = (d - gap) / sigma;
    return a - 0.5 * z * z - std::log(d);
  }
  double dh(double d) const { return -(d - gap) / (sigma * sigma) - 1.0 / d; }
};

// The root of H in [lo, hi] where H falls from H(lo) > 0 to H(hi) <= 0: Newton's method in t
// from `guess` (the midpoint when the guess is outside), safeguarded as in Numerical Recipes'
// rtsafe (each evaluation narrows the bracket; a step that would leave it, or that does not
// shrink to half the step before last, is a bisection) to within about 1e-9, then one Newton
// step on h in d for full relative precision in d. Returns d = e^t.
double falling_root(const LogSlope& s, double lo, double hi, double guess) {
  double t = guess > lo && guess < hi ? guess : 0.5 * (lo + hi);
  double dt = hi - lo, dt_old = dt;
  for (int it = 0; it < 400; ++it) {
    const auto [d, z, v] = s.at(t);
    if (v > 0.0) lo = t;
    else if (v < 0.0) hi = t;
    else break;
    const double slope = -z * d / s.sigma - 1.0;  // dH/dt = d h'(d)
    const double newton = t - v / slope;
    dt_old = dt;
    if (!(newton > lo && newton < hi) || !(std::abs(2.0 * v) <= std::abs(dt_old * slope))) {
      dt = 0.5 * (hi - lo);
      t = lo + dt;
    } else {
      dt = v / slope;
      t = newton;
    }
    // Near enough for the last step, which squares the relative error.
    if (std::abs(dt) <= 1e-9 * std::max(1.0, std::abs(t)) || !(t > lo && t < hi)) break;
  }
  double d = std::exp(std::clamp(t, lo, hi));
  if (d > 0.0 && std::isfinite(d)) {
    // The last step moves d by about 1e-9 of itself; the clamp only guards against a step
    // taken where h is too flat to trust.
    const double g = s.dh(d);
    if (g < 0.0) d = std::clamp(d - s.h(d) / g, d * (1.0 - 1e-6), d * (1.0 + 1e-6));
  }
  return d;
}

// The local maxima of the tournament problem P Phi((d - gap)/sigma) - c d^2/2 on d > 0 (at most
// two), in increasing order; none when the inputs make no problem. Without `lower`, the
// maximum short of a far cutoff's inflection (gap > 2 sigma: a tiny effort on the normal tail)
// is not sought.
struct LocalMaxima {
  std::array<double, 2> d{};
  int n = 0;
};
// ln P - ln sigma of a tier and ln c, as tournament_local_maxima uses them: a leaderboard
// decision, which weighs several tiers at one cost and needs ln P - ln sigma itself, passes
// them in.
struct TierLogs {
  double prize_over_sigma, cost;
};
double log_prize_over_sigma(double prize, double sigma) { return std::log(prize) - std::log(sigma); }

LocalMaxima tournament_local_maxima(double prize, double sigma, double gap, double cost, TierLogs logs,
                                    bool lower = true) {
  LocalMaxima m;
  if (!(prize > 0.0) || !(sigma > 0.0) || !(cost > 0.0)) return m;
  if (!std::isfinite(prize) || !std::isfinite(sigma) || !std::isfinite(cost) || !std::isfinite(gap))
    return m;
  // A = ln d_max: beyond d_max = P phi(0) / (sigma c) the marginal prize can no longer pay the
  // marginal cost (H(A) <= 0). Sums of logarithms: finite for any finite positive inputs.
  const double a = logs.prize_over_sigma - logs.cost - 0.5 * std::log(2.0 * std::numbers::pi);
  const LogSlope s{a, sigma, gap};
  auto keep = [&](double d) {
    if (d > 0.0 && std::isfinite(d)) m.d[static_cast<std::size_t>(m.n++)] = d;
  };
  // A point low enough that H > 0 there: on (0, D], (d - gap)^2 <= G, so H(t) >= a - G/(2 sigma^2)
  // - t, which is >= 1 at t = a - G/(2 sigma^2) - 1.
  auto low_end = [&](double upper_t, double G) {
    return std::min(upper_t, a - G / (2.0 * sigma * sigma)) - 1.0;
  };
  if (gap > 2.0 * sigma) {
    // H falls to t1, rises to t2, falls after: f has local maxima at the root before t1 (if
    // H(t1) <= 0) and at the root after t2 (if H(t2) > 0); the root between is a minimum.
    const double root = std::sqrt((gap - 2.0 * sigma) * (gap + 2.0 * sigma));
    const double d2 = 0.5 * (gap + root);
    const double t2 = std::log(d2);
    // H(t) = (a - z^2/2) - t is at most a - t as computed too (a - z^2/2 rounds to at most a):
    // where a <= t its sign needs no exponential.
    auto positive = [&](double t) { return a > t && s.H(t) > 0.0; };
    // Guesses: below t1, d is small against gap, so (d - gap)^2 ~ gap^2; beyond t2 the root
    // is where z^2/2 = a - ln d with ln d ~ ln d2.
    if (lower) {
      const double t1 = std::log(sigma * sigma / d2);  // d1 d2 = sigma^2
      if (!positive(t1)) keep(falling_root(s, low_end(t1, gap * gap), t1, a - gap * gap / (2.0 * sigma * sigma)));
    }
    if (positive(t2))
      keep(falling_root(s, t2, std::max(a, t2), std::log(gap + sigma * std::sqrt(2.0 * std::max(0.0, a - t2)))));
  } else {
    // H falls all the way: one root, below d_max.
    const double D = gap > 0.0 ? gap : 1.0;
    const double G = gap > 0.0 ? gap * gap : (1.0 - gap) * (1.0 - gap);
    const double lo = low_end(std::min(std::log(D), a), G);
    const double beyond = std::max(gap, sigma);  // a guess as beyond t2 above
    keep(falling_root(s, lo, std::max(a, lo),
                      std::log(std::max(gap, 0.0) + sigma * std::sqrt(2.0 * std::max(0.0, a - std::log(beyond))))));
  }
  return m;
}

// The local maxima of F(d) = sum_t P_t Phi((d - gap_t)/sigma_t) - d^2/(2 s) on d >= 0 for tiers
// whose cutoffs are close, where no single tier's maxima stand for F's: F' is sampled at 0,
// every sigma within 6 sigma of each cutoff and at d_max (where F' <= 0 surely), and in
// each interval over which it turns from positive to not, its root is found by Newton steps
// kept inside the shrinking bracket (a bisection when a step would leave it). Calls found(d)
// for each.
template <typename Found>
void joint_local_maxima(std::span<const PrizeTier> tiers, double metric_lin, double s, Found&& found) {
  auto slope_and_curvature = [&](double d) {
    double v = -d / s, dv = -1.0 / s;
    for (const PrizeTier& t : tiers) {
      const double z = (metric_lin + d - t.cutoff) / t.sigma;
      const double g = t.prize * normal_pdf(z) / t.sigma;
      v += g;
      dv -= g * z / t.sigma;
    }
    return std::pair{v, dv};
  };
  double d_max = 0.0;
  for (const PrizeTier& t : tiers) d_max += s * t.prize * normal_pdf0() / t.sigma;
  std::array<double, 4 * 13 + 2> at{};
  std::size_t n = 0;
  at[n++] = 0.0;
  at[n++] = d_max;
  for (const PrizeTier& t : tiers)
    for (int k = -6; k <= 6; ++k) {
      const double d = t.cutoff - metric_lin + k * t.sigma;
      if (d > 0.0 && d < d_max) at[n++] = d;
    }
  std::sort(at.begin(), at.begin() + static_cast<std::ptrdiff_t>(n));
  double lo = at[0], v_lo = slope_and_curvature(lo).first;
  for (std::size_t i = 1; i < n; ++i) {
    const double hi = at[i], v_hi = slope_and_curvature(hi).first;
    if (v_lo > 0.0 && !(v_hi > 0.0)) {
      // From where the chord between the samples crosses zero: for a root on the far tail of
      // every tier (the common case, bracketed by 0 and d_max) that is nearly the root itself.
      double a = lo, b = hi, d = lo + (hi - lo) * (v_lo / (v_lo - v_hi));
      if (!(d > lo && d < hi)) d = 0.5 * (lo + hi);
      for (int it = 0; it < 200; ++it) {
        const auto [v, dv] = slope_and_curvature(d);
        (v > 0.0 ? a : b) = d;
        const double newton = d - v / dv;
        const double next = dv < 0.0 && newton > a && newton < b ? newton : 0.5 * (a + b);
        if (std::abs(next - d) <= 1e-13 * std::max(d, 1e-300) || b - a <= 1e-13 * b) {
          d = next;
          break;
        }
        d = next;
      }
      found(d);
    }
    lo = hi;
    v_lo = v_hi;
  }
}

// The tournament problem given f(0) = P Phi(-gap/sigma), which a leaderboard decision has
// already computed as the utility of no extra effort: the best of giving up and the local maxima.
// `log_p_over_s` is log_prize_over_sigma(prize, sigma).
double tournament_solve(double prize, double sigma, double gap, double cost, double f0, double log_p_over_s) {
  const LocalMaxima m = tournament_local_maxima(prize, sigma, gap, cost, TierLogs{log_p_over_s, std::log(cost)});
  double best_d = 0.0, best_f = f0;
  for (int k = 0; k < m.n; ++k) {
    const double d = m.d[static_cast<std::size_t>(k)];
    const double fd = prize * normal_cdf((d - gap) / sigma) - 0.5 * cost * d * d;
    if (fd > best_f) {
      best_f = fd;
      best_d = d;
    }
  }
  return best_d;
}

}  // namespace

double tournament_best_response(double prize, double sigma, double gap, double cost) {
  return tournament_solve(prize, sigma, gap, cost, prize * normal_cdf(-gap / sigma),
                          log_prize_over_sigma(prize, sigma));
}

double tournament_equilibrium_effort(double prize, double top_share, double cost, double sigma) {
  return prize * normal_pdf(normal_quantile(1.0 - top_share)) / (cost * sigma);
}

LeaderboardTiers::LeaderboardTiers(std::span<const PrizeTier> tiers) {
  // Tiers that pay nothing or have no uncertainty add nothing to the utility.
  for (const PrizeTier& t : tiers) {
    if (!(t.prize > 0.0) || !(t.sigma > 0.0)) continue;
    if (n_ == tiers_.size()) throw std::invalid_argument("leaderboard_best_response: more than 4 prize tiers");
    log_p_over_s_[n_] = log_prize_over_sigma(t.prize, t.sigma);
    tiers_[n_++] = t;
  }
  // The largest marginal prize of one tier (sets the probe step of a decision), and of all
  // together (nothing beyond it can pay: the coarse scan's range).
  for (std::size_t t = 0; t < n_; ++t) {
    w_max_ = std::max(w_max_, tiers_[t].prize * normal_pdf0() / tiers_[t].sigma);
    w_all_ += tiers_[t].prize * normal_pdf0() / tiers_[t].sigma;
  }
  for (std::size_t t = 0; t < n_; ++t)
    for (std::size_t u = t + 1; u < n_; ++u)
      separated_ = separated_ && std::abs(tiers_[t].cutoff - tiers_[u].cutoff) >= 6.0 * (tiers_[t].sigma + tiers_[u].sigma);
}

LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& a,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double days, const LeaderboardTiers& board) {
  LinearResponse respond(e0, c, allowed);
  const Effort e_lin = respond(g_linear);
  LeaderboardChoice none{e_lin, 0.0};
  const std::span<const PrizeTier> tiers = board.paying();
  const std::size_t n_tiers = tiers.size();
  if (n_tiers == 0 || !(days > 0.0)) return none;
  auto effort_at = [&](double w) { return respond(g_linear + w * a); };
  // Utility = sum_t P_t Phi((metric - cutoff_t)/sigma_t) + what the effort earns and costs in
  // the window.
  auto linear_part = [&](const Effort& e) { return days * (g_linear.dot(e) - 0.5 * (e - e0).dot(c * (e - e0))); };
  auto prizes = [&](double metric) {
    double u = 0.0;
    for (std::size_t t = 0; t < n_tiers; ++t) u = add_prize(u, tiers[t].prize, (metric - tiers[t].cutoff) / tiers[t].sigma);
    return u;
  };
  auto utility = [&](const Effort& e) { return prizes(base_metric + days * a.dot(e)) + linear_part(e); };
  const double w_max = board.largest_marginal(), w_all = board.total_marginal();
  // Along the path the metric rises linearly in w while the active set is fixed, with
  // cost of extra metric d equal to d^2 / (2 s): the one-dimensional tournament problem.
  const double w1 = w_max * 1e-3;
  const Effort e1 = effort_at(w1);
  const double s = days * a.dot(e1 - e_lin) / w1;  // extra window metric per unit w
  double best_w = 0.0;
  // The utility of no extra effort; its prizes are also the single-tier tournament's f(0).
  const double metric_lin = base_metric + days * a.dot(e_lin);
  const double prizes_lin = prizes(metric_lin);
  double best_u = prizes_lin + linear_part(e_lin);
  // effort_at is a pure function of w: the effort at best_w is kept rather than solved again.
  Effort e_best_w;
  bool have_e_best_w = false;
  auto consider = [&](double d) {
    const double w = d / s;
    const Effort e_w = effort_at(w);
    const double u = utility(e_w);
    if (u > best_u) {
      best_u = u;
      best_w = w;
      e_best_w = e_w;
      have_e_best_w = true;
    }
  };
  if (s > 0.0 && n_tiers == 1) {
    consider(tournament_solve(tiers[0].prize, tiers[0].sigma, tiers[0].cutoff - metric_lin, 1.0 / s,
                              prizes_lin, board.log_ratio(0)));
  } else if (s > 0.0) {
    if (!board.separated()) {
      joint_local_maxima(tiers, metric_lin, s, consider);
    } else {
      // Each tier's local maxima are candidates: one that does not pay for its own tier can
      // still pay with the tiers below it won on the way (the first place also wins the top share).
      // Near d = 0 the slope of the prizes is that of the tier with the largest marginal prize
      // there, P phi(-gap/sigma) / sigma, whose tail swamps the others': only that tier's
      // tail maximum (a tiny effort short of a far cutoff) is a maximum of the whole utility.
      std::size_t tail = 0;
      double tail_log = -std::numeric_limits<double>::infinity();
      std::array<TierLogs, LeaderboardTiers::kMaxTiers> logs;
      const double log_cost = std::log(1.0 / s);
      for (std::size_t t = 0; t < n_tiers; ++t) {
        logs[t] = TierLogs{board.log_ratio(t), log_cost};
        const double z = (metric_lin - tiers[t].cutoff) / tiers[t].sigma;
        const double l = logs[t].prize_over_sigma - 0.5 * z * z;
        if (l > tail_log) tail_log = l, tail = t;
      }
      for (std::size_t t = 0; t < n_tiers; ++t) {
        const LocalMaxima m = tournament_local_maxima(tiers[t].prize, tiers[t].sigma, tiers[t].cutoff - metric_lin,
                                                      1.0 / s, logs[t], t == tail);
        for (int k = 0; k < m.n; ++k) consider(m.d[static_cast<std::size_t>(k)]);
      }
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
    const double w = w_all * i / 32.0;
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

LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& a,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double days, std::span<const PrizeTier> tiers) {
  return leaderboard_best_response(e0, c, g_linear, a, allowed, base_metric, days, LeaderboardTiers(tiers));
}

LeaderboardChoice leaderboard_best_response(const Effort& e0, const CostMatrix& c,
                                            const Effort& g_linear, const Effort& a,
                                            const std::array<bool, 3>& allowed, double base_metric,
                                            double days, double cutoff, double sigma, double prize) {
  const PrizeTier tier{cutoff, sigma, prize};
  return leaderboard_best_response(e0, c, g_linear, a, allowed, base_metric, days, std::span(&tier, 1));
}

}  // namespace goodhart::sim
