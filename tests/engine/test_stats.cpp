// Statistics helpers: quantiles match numpy's default, mid-ranks, Spearman with ties against
// published values and an independent pairwise computation, EWMA, line fits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "goodhart/engine/stats.hpp"

using namespace goodhart::engine;
using Catch::Detail::Approx;

TEST_CASE("quantiles interpolate linearly between order statistics (numpy default)", "[stats]") {
  const std::vector<double> x{4, 1, 3, 2};
  CHECK(quantile(x, 0.0) == 1.0);
  CHECK(quantile(x, 1.0) == 4.0);
  CHECK(quantile(x, 0.25) == Approx(1.75));  // numpy.quantile([1,2,3,4], .25)
  CHECK(quantile(x, 0.5) == Approx(2.5));
  CHECK(median(std::vector<double>{5, 1, 3}) == 3.0);
  const std::vector<double> ps{0.1, 0.9};
  const auto q = quantiles(std::vector<double>{10, 20, 30, 40, 50}, ps);
  CHECK(q[0] == Approx(14.0));
  CHECK(q[1] == Approx(46.0));
  CHECK(std::isnan(quantile(std::vector<double>{}, 0.5)));
}

TEST_CASE("quantile_in_place gives quantile's value exactly, by selection", "[stats]") {
  // Random sizes, many ties, every p in steps of 1/64 and the ends: bit for bit the same.
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 1 + next() % 300;
    std::vector<double> x(n);
    for (double& v : x) v = static_cast<double>(next() % 50) * 0.37;
    for (int k = 0; k <= 64; ++k) {
      const double p = k / 64.0;
      std::vector<double> y = x;
      INFO("n " << n << " p " << p);
      CHECK(quantile_in_place(y, p) == quantile(x, p));
    }
  }
  std::vector<double> one{7.5}, none;
  CHECK(quantile_in_place(one, 0.9) == 7.5);
  CHECK(std::isnan(quantile_in_place(none, 0.5)));
}

TEST_CASE("average ranks share ties", "[stats]") {
  const auto r = average_ranks(std::vector<double>{10, 20, 20, 5, 20});
  CHECK(r == std::vector<double>{2, 4, 4, 1, 4});
}

TEST_CASE("top k weights share the ties at the edge and sum to k", "[stats]") {
  const TopK distinct = top_k({4, 9, 1, 7}, 2);
  CHECK(distinct.edge == 7.0);
  CHECK(distinct.weight(9) == 1.0);
  CHECK(distinct.weight(7) == 1.0);
  CHECK(distinct.weight(4) == 0.0);
  // Three people tied for the second place: each holds a third of it.
  const TopK tied = top_k({3, 5, 3, 1, 3}, 2);
  CHECK(tied.edge == 3.0);
  CHECK(tied.tie_weight == Approx(1.0 / 3.0));
  CHECK(tied.weight(5) == 1.0);
  CHECK(tied.weight(1) == 0.0);
  CHECK(top_k({2, 2, 2}, 3).tie_weight == 1.0);
  CHECK_THROWS_AS(top_k({1, 2}, 0), std::invalid_argument);
  CHECK_THROWS_AS(top_k({1, 2}, 3), std::invalid_argument);
  CHECK_THROWS_AS(top_k({1, std::nan(""), 2}, 1), std::invalid_argument);
}

TEST_CASE("a mean over the top k by top_k is the mean of sorted groups with the edge group pro rata", "[stats]") {
  // Independently: sort (x, y) by x descending, take whole groups of equal x while they fit,
  // and of the group at the edge the share of places left times its sum of y.
  SplitMix64 rng(777);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 1 + rng.below(200);
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<double>(rng.below(1 + trial % 20));  // from all tied to few ties
      y[i] = static_cast<double>(rng.below(1000)) / 7.0;
    }
    const std::size_t k = 1 + rng.below(n);
    const TopK top = top_k(x, k);
    double got = 0.0, weights = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      got += top.weight(x[i]) * y[i];
      weights += top.weight(x[i]);
    }
    std::vector<std::pair<double, double>> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = {x[i], y[i]};
    std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    double want = 0.0;
    std::size_t left = k;
    for (std::size_t i = 0; i < n && left > 0;) {
      std::size_t j = i;
      double sum = 0.0;
      while (j < n && p[j].first == p[i].first) sum += p[j++].second;
      const std::size_t group = j - i;
      want += group <= left ? sum : sum * static_cast<double>(left) / static_cast<double>(group);
      left -= std::min(left, group);
      i = j;
    }
    INFO("n " << n << " k " << k);
    CHECK(weights == Approx(static_cast<double>(k)).epsilon(1e-12));
    CHECK(got == Approx(want).epsilon(1e-12).margin(1e-12));
  }
}

TEST_CASE("spearman without ties equals 1 - 6 sum d^2 / (n (n^2 - 1))", "[stats]") {
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7};
  const std::vector<double> y{2, 1, 4, 3, 7, 5, 6};
  double d2 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) d2 += (x[i] - y[i]) * (x[i] - y[i]);  // already ranks
  const double n = 7;
  CHECK(*spearman(x, y) == Approx(1 - 6 * d2 / (n * (n * n - 1))));
}

TEST_CASE("spearman with ties matches scipy and a pairwise definition", "[stats]") {
  // scipy.stats.spearmanr([1,2,3,4,5], [5,6,7,8,7]) = 0.8207826816681233
  CHECK(*spearman(std::vector<double>{1, 2, 3, 4, 5}, std::vector<double>{5, 6, 7, 8, 7}) ==
        Approx(0.8207826816681233).epsilon(1e-12));
  // Independently: Pearson of mid-ranks computed by counting, not sorting.
  const std::vector<double> x{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  const std::vector<double> y{2, 7, 1, 8, 2, 8, 1, 8, 2, 8};
  auto midrank = [](const std::vector<double>& v, std::size_t i) {
    double less = 0, equal = 0;
    for (double w : v) {
      less += w < v[i];
      equal += w == v[i];
    }
    return less + (equal + 1) / 2;
  };
  std::vector<double> rx, ry;
  for (std::size_t i = 0; i < x.size(); ++i) {
    rx.push_back(midrank(x, i));
    ry.push_back(midrank(y, i));
  }
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += rx[i] / 10;
    my += ry[i] / 10;
  }
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  CHECK(*spearman(x, y) == Approx(sxy / std::sqrt(sxx * syy)).epsilon(1e-12));
}

TEST_CASE("correlations are undefined for constant or tiny samples", "[stats]") {
  CHECK_FALSE(spearman(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3}));
  CHECK_FALSE(pearson(std::vector<double>{1}, std::vector<double>{2}));
  CHECK(*pearson(std::vector<double>{1, 2, 3}, std::vector<double>{6, 4, 2}) == Approx(-1.0));
}

TEST_CASE("line fit recovers an exact line", "[stats]") {
  const auto f = fit_line(std::vector<double>{0, 1, 2, 3}, std::vector<double>{1, 3, 5, 7});
  REQUIRE(f);
  CHECK(f->slope == Approx(2.0));
  CHECK(f->intercept == Approx(1.0));
  CHECK_FALSE(fit_line(std::vector<double>{2, 2}, std::vector<double>{1, 3}));
}

TEST_CASE("EWMA: half-life halves the weight of an observation", "[stats]") {
  const double a = Ewma::alpha_from_halflife(7);
  CHECK(std::pow(1 - a, 7) == Approx(0.5));
  Ewma e(a);
  e.update(10);
  CHECK(e.mean() == 10);
  CHECK(e.variance() == 0);
  e.update(20);
  // Independent form: mean moves by alpha of the surprise, variance is (1-a)(a d^2).
  CHECK(e.mean() == Approx(10 + a * 10));
  CHECK(e.variance() == Approx((1 - a) * a * 100));
  for (int i = 0; i < 500; ++i) e.update(3);
  CHECK(e.mean() == Approx(3).margin(1e-9));
  CHECK(e.sd() == Approx(0).margin(1e-6));
}

TEST_CASE("SplitMix64 is a fixed sequence", "[stats]") {
  SplitMix64 r(1234567);
  // Reference values of SplitMix64 seeded 1234567 (Vigna's splitmix64.c).
  CHECK(r.next() == 6457827717110365317ULL);
  CHECK(r.next() == 3203168211198807973ULL);
  SplitMix64 s(1);
  for (int i = 0; i < 1000; ++i) {
    const auto v = s.below(7);
    CHECK(v < 7);
    const double u = s.uniform();
    CHECK((u >= 0 && u < 1));
  }
}

TEST_CASE("EWMA: k zero updates at once equal k single ones", "[stats]") {
  const double a = Ewma::alpha_from_halflife(7);
  for (const std::int64_t k : {1, 2, 5, 31, 32, 400, 3000}) {
    Ewma stepped(a), summed(a);
    for (double x : {12.0, 40.0, 7.5, 0.0, 25.0}) {
      stepped.update(x);
      summed.update(x);
    }
    for (std::int64_t i = 0; i < k; ++i) stepped.update(0);
    summed.update_zeros(k);
    INFO("k = " << k);
    CHECK(summed.count() == stepped.count());
    CHECK(summed.mean() == Approx(stepped.mean()).epsilon(1e-9).margin(1e-300));
    CHECK(summed.variance() == Approx(stepped.variance()).epsilon(1e-9).margin(1e-300));
  }
  Ewma fresh(a);
  fresh.update_zeros(10);
  CHECK(fresh.count() == 10);
  CHECK(fresh.mean() == 0);
  CHECK(fresh.variance() == 0);
}
