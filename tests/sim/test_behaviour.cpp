// Validation of the incentive primitives against MODEL.md section 9.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <random>

#include "goodhart/sim/behaviour.hpp"
#include "goodhart/sim/rng.hpp"

using namespace goodhart::sim;

namespace {

// Independent solver: projected gradient ascent on the same concave objective.
Effort projected_gradient(const Effort& e0, const CostMatrix& c, const Effort& g,
                          std::array<bool, 3> allowed) {
  Effort e = Effort::Zero();
  const double step = 1.0 / c.eigenvalues().real().maxCoeff();
  for (int it = 0; it < 200000; ++it) {
    Effort grad = g - c * (e - e0);
    e += step * grad;
    for (int k = 0; k < 3; ++k) e(k) = allowed[k] ? std::max(e(k), 0.0) : 0.0;
  }
  return e;
}

CostMatrix spd(double a, double b, double c, double ab, double ac, double bc) {
  CostMatrix m;
  m << a, ab, ac, ab, b, bc, ac, bc, c;
  return m;
}

// Independent maximum of f on [0, d_max]: the best of n grid cells, refined by golden-section
// search, against giving up (f(0)).
template <typename F>
double brute_force_max(const F& f, double d_max, int n) {
  int best_i = 0;
  for (int i = 1; i <= n; ++i)
    if (f(d_max * i / n) > f(d_max * best_i / n)) best_i = i;
  double lo = d_max * std::max(0, best_i - 1) / n, hi = d_max * std::min(n, best_i + 1) / n;
  const double r = (std::sqrt(5.0) - 1.0) / 2.0;
  for (int it = 0; it < 200; ++it) {
    const double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
    (f(x1) < f(x2) ? lo : hi) = (f(x1) < f(x2) ? x1 : x2);
  }
  return std::max(f(0.0), f(0.5 * (lo + hi)));
}

}  // namespace

TEST_CASE("linear scheme: interior solution is Holmstrom-Milgrom e0 + C^-1 M'w") {
  const CostMatrix c = spd(4, 1, 2, 0.5, 0.5, 0.0);
  const Effort e0(1, 0, 0);
  const Effort g(0.4, 0.3, 0.2);
  const Effort expected = e0 + c.inverse() * g;
  REQUIRE((expected.array() > 0).all());
  const Effort e = best_response_linear(e0, c, g);
  CHECK((e - expected).norm() < 1e-12);
}

TEST_CASE("linear scheme: corner solutions are the exact KKT point; not clipping") {
  // Substitution: gaming is rewarded, real work is not, so real work is crowded out.
  const CostMatrix c = spd(1, 1, 1, 0.9, 0.0, 0.0);
  const Effort e0(0.2, 0, 0);
  const Effort g(0.0, 2.0, -0.5);
  const Effort unconstrained = e0 + c.inverse() * g;
  REQUIRE(unconstrained(0) < 0);  // the unconstrained answer is infeasible
  const Effort e = best_response_linear(e0, c, g);
  const Effort ref = projected_gradient(e0, c, g, {true, true, true});
  CHECK((e - ref).norm() < 1e-9);
  CHECK(e(0) == 0.0);
  // Clipping the unconstrained answer would be wrong here.
  const Effort clipped = unconstrained.cwiseMax(0.0);
  CHECK((clipped - e).norm() > 1e-3);
}

TEST_CASE("linear scheme: random problems agree with an independent solver") {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    Eigen::Matrix3d a;
    for (int i = 0; i < 9; ++i) a(i / 3, i % 3) = u(gen);
    const CostMatrix c = a * a.transpose() + 0.3 * Eigen::Matrix3d::Identity();
    const Effort e0(std::abs(u(gen)), std::abs(u(gen)) * 0.2, 0.0);
    const Effort g(u(gen), u(gen), u(gen));
    const std::array<bool, 3> allowed{true, trial % 3 != 0, trial % 5 != 0};
    const Effort e = best_response_linear(e0, c, g, allowed);
    const Effort ref = projected_gradient(e0, c, g, allowed);
    INFO("trial " << trial);
    CHECK((e - ref).norm() < 1e-6);
  }
}

TEST_CASE("linear scheme: one free effort is solved as Eigen's LDLT solves it, bit for bit") {
  // The solver divides directly when a single effort is free; it must give the bits of the
  // general factorisation it stands for, pivots too small to divide by included.
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const double tiny = std::numeric_limits<double>::min();
  for (int trial = 0; trial < 2000; ++trial) {
    Eigen::Matrix3d a;
    for (int i = 0; i < 9; ++i) a(i / 3, i % 3) = u(gen);
    CostMatrix c = a * a.transpose() + 0.3 * Eigen::Matrix3d::Identity();
    if (trial % 100 == 0) c(0, 0) = trial % 200 == 0 ? tiny : tiny / 4;  // at and below the cutoff
    const Effort e0(std::abs(u(gen)), std::abs(u(gen)), 0.0);
    const Effort g(u(gen), u(gen), u(gen));
    const Effort e = best_response_linear(e0, c, g, {true, false, false});
    Eigen::Matrix<double, 1, 1> c1(c(0, 0)), rhs(g(0) + Effort(c * e0)(0));
    const double x = Eigen::LDLT<Eigen::MatrixXd>(Eigen::MatrixXd(c1)).solve(Eigen::VectorXd(rhs))(0);
    INFO("trial " << trial << ", c00 " << c(0, 0) << ", rhs " << rhs(0));
    CHECK(e(1) == 0.0);
    CHECK(e(2) == 0.0);
    if (x >= -1e-12) CHECK(std::bit_cast<std::uint64_t>(e(0)) == std::bit_cast<std::uint64_t>(std::max(x, 0.0)));
    else CHECK(e(0) == 0.0);
  }
}

TEST_CASE("people without know-how cannot game") {
  const CostMatrix c = spd(2, 1, 1, 0.2, 0.1, 0.0);
  const Effort e = best_response_linear(Effort(1, 0, 0), c, Effort(0, 5, 5), {true, false, false});
  CHECK(e(1) == 0.0);
  CHECK(e(2) == 0.0);
}

TEST_CASE("tournament best response: give up far below the cutoff; effort near it") {
  const double p = 1.0, sigma = 1.0, c = 1.0;
  CHECK(tournament_best_response(p, sigma, 50.0, c) == 0.0);  // hopeless: give up
  const double near = tournament_best_response(p, sigma, 0.5, c);
  CHECK(near > 0.0);
  // First-order condition at an interior optimum.
  CHECK(p * normal_pdf((near - 0.5) / sigma) / sigma == Approx(c * near).epsilon(1e-6));
}

TEST_CASE("tournament best response: random problems agree with a brute-force search") {
  // Independent check: the utility P Phi((d - gap)/sigma) - c d^2/2 on a dense grid over
  // [0, d_max] (nothing beyond d_max can pay), the best cell refined by golden-section search.
  std::mt19937_64 rng(20261123);
  auto log_uniform = [&](double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
  };
  int interior = 0, three_roots = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const double p = log_uniform(0.05, 20.0), sigma = log_uniform(0.01, 100.0);
    const double d_max_in_sigmas = log_uniform(1e-3, 1e3);
    const double c = p * normal_pdf(0.0) / (sigma * sigma * d_max_in_sigmas);
    const double gap = sigma * std::uniform_real_distribution<double>(-10.0, 40.0)(rng);
    auto f = [&](double d) { return p * normal_cdf((d - gap) / sigma) - 0.5 * c * d * d; };
    const double d_max = p * normal_pdf(0.0) / (sigma * c);
    const double brute = brute_force_max(f, d_max, 20000);
    const double d = tournament_best_response(p, sigma, gap, c);
    INFO("trial " << trial << ": P=" << p << " sigma=" << sigma << " gap=" << gap << " c=" << c << " d=" << d);
    REQUIRE(d >= 0.0);
    REQUIRE(d <= d_max * (1 + 1e-12));
    // At least as good as the search, and no better than the search can be wrong by.
    CHECK(f(d) >= brute - 1e-12 * p);
    CHECK(f(d) <= brute + 1e-9 * p);
    if (d > 1e-6 * sigma) {
      // A stationary point: f'(d) = 0 relative to the size of its two terms.
      const double slope = p * normal_pdf((d - gap) / sigma) / sigma - c * d;
      CHECK(std::abs(slope) <= 1e-9 * c * d);
      ++interior;
    }
    three_roots += gap > 2 * sigma && d > gap;
  }
  // The sample covers both kinds of answer.
  CHECK(interior > 200);
  CHECK(three_roots > 100);
}

TEST_CASE("leaderboard with a podium: random two-tier problems agree with a brute-force search") {
  // One effort that moves the metric one for one: utility P1 Phi((d - C1)/s1) +
  // P2 Phi((d - C2)/s2) - c d^2/2. Independent check: a dense grid over [0, d_max of both
  // tiers together] refined by golden-section search. Tiers whose cutoffs lie several sigma
  // apart (a board's top share and its first place); the chosen d must be as good.
  std::mt19937_64 rng(20261124);
  auto log_uniform = [&](double lo, double hi) {
    return std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng));
  };
  const CostMatrix unit = spd(1e6, 1.0, 1e6, 0, 0, 0);
  int podium_chosen = 0, top_share_chosen = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const double s1 = log_uniform(0.05, 5.0), s2 = log_uniform(0.05, 5.0);
    const double c1 = std::uniform_real_distribution<double>(-2.0, 30.0)(rng);
    const double c2 = c1 + 6.0 * (s1 + s2) + log_uniform(0.1, 20.0);
    const double p1 = log_uniform(0.1, 10.0), p2 = p1 * log_uniform(1.0, 200.0);
    const double c = log_uniform(0.01, 10.0);
    const std::array<PrizeTier, 2> tiers{PrizeTier{c1, s1, p1}, PrizeTier{c2, s2, p2}};
    auto f = [&](double d) {
      return p1 * normal_cdf((d - c1) / s1) + p2 * normal_cdf((d - c2) / s2) - 0.5 * c * d * d;
    };
    const double d_max = (p1 / s1 + p2 / s2) * normal_pdf(0.0) / c;
    const double brute = brute_force_max(f, d_max, 40000);
    const double d = leaderboard_best_response(Effort::Zero(), spd(1e6, c, 1e6, 0, 0, 0), Effort::Zero(), Effort(0, 1, 0),
                                               {false, true, false}, 0.0, 1.0, tiers)
                         .effort(1);
    INFO("trial " << trial << ": tiers (" << c1 << ", " << s1 << ", " << p1 << ") (" << c2 << ", "
                  << s2 << ", " << p2 << ") c=" << c << " d=" << d);
    // The path's cost is c d^2/2 up to the factorisation's rounding.
    CHECK(f(d) >= brute - 1e-7 * (p1 + p2));
    podium_chosen += d > c2 - 2.0 * s2;
    top_share_chosen += d > 0.0 && d < c2 - 2.0 * s2;
  }
  // The sample covers both answers besides giving up.
  CHECK(podium_chosen > 50);
  CHECK(top_share_chosen > 50);
  // One tier that pays nothing changes nothing, bit for bit.
  const std::array<PrizeTier, 2> with_nothing{PrizeTier{1.0, 0.5, 2.0}, PrizeTier{9.0, 0.5, 0.0}};
  const Effort one = leaderboard_best_response(Effort::Zero(), unit, Effort::Zero(), Effort(0, 1, 0),
                                               {false, true, false}, 0.0, 1.0, 1.0, 0.5, 2.0)
                         .effort;
  const Effort two = leaderboard_best_response(Effort::Zero(), unit, Effort::Zero(), Effort(0, 1, 0),
                                               {false, true, false}, 0.0, 1.0, with_nothing)
                         .effort;
  CHECK(one(1) > 0.0);
  CHECK(one == two);
  const std::array<PrizeTier, 5> too_many{PrizeTier{1, 1, 1}, PrizeTier{2, 1, 1}, PrizeTier{3, 1, 1},
                                          PrizeTier{4, 1, 1}, PrizeTier{5, 1, 1}};
  CHECK_THROWS_AS(leaderboard_best_response(Effort::Zero(), unit, Effort::Zero(), Effort(0, 1, 0),
                                            {false, true, false}, 0.0, 1.0, too_many),
                  std::invalid_argument);
}

TEST_CASE("leaderboard with a podium: close cutoffs agree with a brute-force search") {
  // A small board whose podium place scores near its cutoff (or at it): the tiers' own maxima
  // do not stand for the whole utility's, which is searched on its own.
  std::mt19937_64 rng(20261125);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto log_uniform = [&](double lo, double hi) { return std::exp(uniform(std::log(lo), std::log(hi))); };
  int moved = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const double c1 = log_uniform(0.5, 50.0);
    const double c2 = trial % 2 ? c1 : c1 * uniform(1.0, 1.3);
    const double s1 = 0.3 * c1 * log_uniform(0.2, 1.0), s2 = 0.05 * c2 * log_uniform(0.2, 1.0);
    const double p1 = log_uniform(0.1, 10.0), p2 = p1 * log_uniform(0.5, 50.0);
    const double c = log_uniform(0.001, 1.0) * (p1 + p2) / (c1 * c1);
    const double base = c1 * uniform(-0.5, 1.2);
    const std::array<PrizeTier, 2> tiers{PrizeTier{c1, s1, p1}, PrizeTier{c2, s2, p2}};
    auto f = [&](double d) {
      return p1 * normal_cdf((base + d - c1) / s1) + p2 * normal_cdf((base + d - c2) / s2) - 0.5 * c * d * d;
    };
    const double d_max = (p1 / s1 + p2 / s2) * normal_pdf(0.0) / c;
    const double brute = brute_force_max(f, d_max, 40000);
    const double d = leaderboard_best_response(Effort::Zero(), spd(1e6, c, 1e6, 0, 0, 0), Effort::Zero(),
                                               Effort(0, 1, 0), {false, true, false}, base, 1.0, tiers)
                         .effort(1);
    INFO("trial " << trial << ": base " << base << " tiers (" << c1 << ", " << s1 << ", " << p1 << ") ("
                  << c2 << ", " << s2 << ", " << p2 << ") c=" << c << " d=" << d);
    CHECK(f(d) >= brute - 1e-7 * (p1 + p2));
    moved += d > 0.0;
  }
  CHECK(moved > 500);
}

TEST_CASE("tournament best response: extreme inputs give a finite answer") {
  const double big = 1e300, tiny = 1e-300, inf = std::numeric_limits<double>::infinity();
  const double values[] = {tiny, 1e-9, 1.0, 1e9, big};
  const double gaps[] = {-big, -1e9, -1.0, 0.0, 1.0, 1e9, big};
  for (double p : values)
    for (double sigma : values)
      for (double c : values)
        for (double gap : gaps) {
          const double d = tournament_best_response(p, sigma, gap, c);
          INFO("P=" << p << " sigma=" << sigma << " c=" << c << " gap=" << gap);
          CHECK(std::isfinite(d));
          CHECK(d >= 0.0);
        }
  // Not a problem at all: nothing to gain, or no cost to weigh it against.
  CHECK(tournament_best_response(0.0, 1.0, 0.0, 1.0) == 0.0);
  CHECK(tournament_best_response(1.0, 1.0, std::nan(""), 1.0) == 0.0);
  CHECK(tournament_best_response(1.0, 1.0, 0.0, inf) == 0.0);
}

TEST_CASE("homogeneous leaderboard settles on the Lazear-Rosen equilibrium") {
  // Everyone identical; the metric is gaming effort plus N(0, sigma^2) noise; the top share q
  // wins the prize. People forecast the cutoff from the last published board.
  const double prize = 1.0, sigma = 1.0, c = 1.0, q = 0.1;
  const int n = 200000;
  const CostMatrix cost = spd(1e6, c, 1e6, 0, 0, 0);
  const Effort e0 = Effort::Zero();
  const Effort a(0, 1, 0);
  std::vector<double> noise(n), metric(n);
  double cutoff = 0.0;  // nobody has played yet
  double effort = 0.0;
  for (int period = 0; period < 40; ++period) {
    effort = leaderboard_best_response(e0, cost, Effort::Zero(), a, {false, true, false}, 0.0, 1.0,
                                       cutoff, sigma, prize)
                 .effort(1);
    for (int i = 0; i < n; ++i) {
      Draws r(12345, Stream::leaderboard, static_cast<std::uint32_t>(i),
              static_cast<std::uint32_t>(period));
      metric[i] = effort + sigma * r.normal();
    }
    const std::size_t k = static_cast<std::size_t>(q * n);
    std::nth_element(metric.begin(), metric.begin() + (k - 1), metric.end(), std::greater<>());
    cutoff = metric[k - 1];
  }
  const double theory = tournament_equilibrium_effort(prize, q, c, sigma);
  CHECK(theory == Approx(0.17550).epsilon(1e-3));
  // Monte Carlo tolerance: the cutoff's sampling error at n = 200000 is about 0.004 sigma.
  CHECK(effort == Approx(theory).epsilon(0.02));
}

TEST_CASE("a prize tier's term is added bit for bit, skipped only when it cannot count") {
  // add_prize skips the normal CDF where P Phi(z) is below half a unit in the last place of the
  // sum so far. Sampled around that line (and far on either side of it), it must always give
  // u + P Phi(z) exactly.
  std::mt19937_64 gen(3);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen); };
  int near_line = 0;
  for (int trial = 0; trial < 200000; ++trial) {
    const double u = std::exp(uniform(-40.0, 10.0)), prize = std::exp(uniform(-5.0, 8.0));
    // Where P e^(-z^2/2) is about 2^-k u, for k from 30 (counts) to 70 (cannot count).
    const double k = uniform(30.0, 70.0);
    const double half_z2 = std::log(prize / u) + k * std::numbers::ln2;
    const double z = trial % 10 == 0 ? uniform(-40.0, 3.0) : -std::sqrt(2.0 * std::max(half_z2, 0.0));
    near_line += k > 50.0 && k < 60.0;
    const double expected = u + prize * normal_cdf(z);
    INFO("u " << u << " prize " << prize << " z " << z);
    REQUIRE(std::bit_cast<std::uint64_t>(add_prize(u, prize, z)) == std::bit_cast<std::uint64_t>(expected));
  }
  CHECK(near_line > 40000);
  // Nothing to skip against: a zero or subnormal sum, a NaN.
  CHECK(add_prize(0.0, 2.0, -30.0) == 2.0 * normal_cdf(-30.0));
  CHECK(add_prize(1e-310, 2.0, -30.0) == 1e-310 + 2.0 * normal_cdf(-30.0));
  CHECK(std::isnan(add_prize(1.0, 2.0, std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("a board's tiers: those that pay, their marginal prizes and whether they lie apart") {
  // What every decision on one day shares, against sums worked out here from phi(0) = 1/sqrt(2 pi).
  const double phi0 = 1.0 / std::sqrt(2.0 * std::numbers::pi);
  const std::array<PrizeTier, 4> tiers{PrizeTier{100.0, 5.0, 2.0}, PrizeTier{400.0, 0.0, 9.0},  // no uncertainty
                                       PrizeTier{300.0, 10.0, 0.0},                              // no prize
                                       PrizeTier{200.0, 4.0, 3.0}};
  const LeaderboardTiers board(tiers);
  REQUIRE(board.paying().size() == 2);
  CHECK(board.paying()[0].cutoff == 100.0);
  CHECK(board.paying()[1].cutoff == 200.0);
  CHECK(board.largest_marginal() == Approx(3.0 * phi0 / 4.0).epsilon(1e-15));
  CHECK(board.total_marginal() == Approx(2.0 * phi0 / 5.0 + 3.0 * phi0 / 4.0).epsilon(1e-15));
  CHECK(board.log_ratio(1) == Approx(std::log(3.0 / 4.0)).margin(1e-15));
  CHECK(board.separated());  // 100 apart, 6 (5 + 4) = 54
  const std::array<PrizeTier, 2> close{PrizeTier{100.0, 5.0, 2.0}, PrizeTier{150.0, 4.0, 3.0}};
  CHECK_FALSE(LeaderboardTiers(close).separated());  // 50 < 54
  CHECK(LeaderboardTiers(std::span<const PrizeTier>{}).paying().empty());
  const std::array<PrizeTier, 5> five{PrizeTier{1, 1, 1}, PrizeTier{2, 1, 1}, PrizeTier{3, 1, 1},
                                      PrizeTier{4, 1, 1}, PrizeTier{5, 1, 1}};
  CHECK_THROWS_AS(LeaderboardTiers(five), std::invalid_argument);
  CHECK(LeaderboardTiers(std::span(five.data(), 4)).paying().size() == 4);
}

TEST_CASE("normal quantile inverts the normal CDF") {
  for (double p : {1e-6, 0.01, 0.1, 0.5, 0.9, 0.975, 1 - 1e-6})
    CHECK(normal_cdf(normal_quantile(p)) == Approx(p).epsilon(1e-9));
}
