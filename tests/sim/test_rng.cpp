// Tabulated Poisson inversion (sim::PoissonCdf) against the inversion loop it stands for, and
// the day loop's rounding of token counts against std::llround.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "goodhart/sim/rng.hpp"
#include "goodhart/sim/rounding.hpp"

using namespace goodhart::sim;

namespace {

// Inversion as docs/model.md states it, written out independently of rng.hpp: the first
// k with u <= p_0 + ... + p_k (p_0 = e^-mean, p_k = p_(k-1) * mean / k), at most 200.
std::uint32_t inversion(double mean, double u) {
  double p = std::exp(-mean), cdf = p;
  std::uint32_t k = 0;
  while (u > cdf && k < 200) {
    ++k;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

}  // namespace

TEST_CASE("Poisson from tabulated partial sums: the inversion's draw for every uniform") {
  std::mt19937_64 gen(11);
  std::vector<double> means{1e-12, 1e-6, 0.05, 0.3, 1.0, 1.5, 2.0, 7.0, 12.5, 25.0, 39.999, 40.0};
  for (int i = 0; i < 400; ++i) means.push_back(std::exp(std::uniform_real_distribution<double>(std::log(1e-4), std::log(40.0))(gen)));
  int edges = 0, at_200 = 0;
  for (const double mean : means) {
    std::vector<double> sums;
    PoissonCdf::Guide guide;
    const std::uint32_t size = PoissonCdf::append(mean, sums, guide);
    REQUIRE(size >= 1);
    REQUIRE(size <= 200);
    // Four entries of 2 after the sums: every search of four ends inside the row.
    REQUIRE(sums.size() == size + 4);
    for (std::size_t k = size; k < sums.size(); ++k) REQUIRE(sums[k] == 2.0);
    // The guide: how many sums lie below j/16.
    REQUIRE(guide.size() == PoissonCdf::kGuide);
    for (std::uint32_t j = 0; j < PoissonCdf::kGuide; ++j)
      REQUIRE(guide[j] == std::count_if(sums.begin(), sums.begin() + size, [&](double x) { return x < j / 16.0; }));
    const PoissonCdf cdf(sums.data(), size, guide);
    std::vector<double> us;
    for (int j = 0; j < 200; ++j) us.push_back(std::uniform_real_distribution<double>(0.0, 1.0)(gen));
    // Each partial sum and its neighbours (the draw's edges), each guide point's, and the
    // extremes of a uniform.
    for (std::uint32_t k = 0; k < size; ++k)
      for (const double u : {std::nextafter(sums[k], 0.0), sums[k], std::nextafter(sums[k], 1.0)})
        if (u > 0.0 && u < 1.0) us.push_back(u);
    for (std::uint32_t j = 1; j < PoissonCdf::kGuide; ++j)
      for (const double u : {std::nextafter(j / 16.0, 0.0), j / 16.0, std::nextafter(j / 16.0, 1.0)}) us.push_back(u);
    us.push_back(0.5 * 0x1p-32);
    us.push_back((4294967295.0 + 0.5) * 0x1p-32);
    us.push_back(std::nextafter(1.0, 0.0));
    for (const double u : us) {
      const std::uint32_t want = inversion(mean, u);
      INFO("mean " << mean << " u " << u);
      REQUIRE(cdf(u) == want);
      edges += u == sums[std::min(want, size - 1)];
      at_200 += want == 200;
    }
  }
  CHECK(edges > 1000);  // u exactly on a partial sum was checked, many times
  CHECK(at_200 > 0);    // and a u above every sum, where the loop runs to its limit
}

TEST_CASE("Draws::poisson with tabulated sums: the same draws and the same stream afterwards") {
  std::vector<double> sums;
  PoissonCdf::Guide guide;
  const double mean = 1.7;
  const std::uint32_t size = PoissonCdf::append(mean, sums, guide);
  const PoissonCdf cdf(sums.data(), size, guide);
  std::uint64_t total = 0;
  for (std::uint32_t e = 0; e < 20000; ++e) {
    Draws a(0x1234567890ABCDEFULL, Stream::day, e, 3), b(0x1234567890ABCDEFULL, Stream::day, e, 3);
    for (int q = 0; q < 5; ++q) {
      const std::uint32_t k = a.poisson(mean);
      REQUIRE(b.poisson(cdf) == k);
      total += k;
    }
    REQUIRE(a.uniform() == b.uniform());
  }
  // 100,000 draws of mean 1.7: the sample mean within 5 standard errors (0.004 each).
  CHECK(static_cast<double>(total) / 100000.0 == Approx(mean).margin(5 * std::sqrt(mean / 100000.0)));
}

TEST_CASE("token counts round as std::llround does, halves away from zero") {
  std::vector<double> xs{0.0, -0.0, -1.5, 0.5, 1.5, 2.5, 0.49999999999999994, 1e6 + 0.5, 4503599627370495.5,
                         0x1p52, 0x1p52 + 2.0, 0x1p62, 123456789.49999999, 9.5e15};
  for (double h = 0.5; h < 1e15; h = h * 3 + 0.5)
    for (const double x : {h, std::nextafter(h, 0.0), std::nextafter(h, 1e300)}) xs.push_back(x);
  std::mt19937_64 gen(5);
  for (int i = 0; i < 100000; ++i) xs.push_back(std::exp(std::uniform_real_distribution<double>(-5.0, 40.0)(gen)));
  for (const double x : xs) {
    INFO(x);
    REQUIRE(round_count(x) == static_cast<std::uint64_t>(std::llround(std::max(x, 0.0))));
  }
}
