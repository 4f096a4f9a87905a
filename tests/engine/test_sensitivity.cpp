// Designs (grid, Latin hypercube, Sobol' against scipy's unscrambled sequence, Saltelli layout)
// and Sobol' indices: Ishigami's closed-form indices inside the bootstrap intervals, an additive
// function exactly, deterministic bootstraps; tornado ordering.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "goodhart/engine/sensitivity.hpp"

using namespace goodhart::engine;
using Catch::Detail::Approx;

namespace {

std::uint64_t scaled(double x) { return static_cast<std::uint64_t>(std::ldexp(x, 32)); }

double ishigami(double x1, double x2, double x3) {
  return std::sin(x1) + 7.0 * std::pow(std::sin(x2), 2) + 0.1 * std::pow(x3, 4) * std::sin(x1);
}

std::vector<double> ishigami_outputs(const UnitDesign& d) {
  std::vector<double> f(d.rows);
  const double pi = std::acos(-1.0);
  for (std::size_t r = 0; r < d.rows; ++r)
    f[r] = ishigami(-pi + 2 * pi * d.at(r, 0), -pi + 2 * pi * d.at(r, 1),
                    -pi + 2 * pi * d.at(r, 2));
  return f;
}

}  // namespace

TEST_CASE("Sobol points equal scipy's unscrambled Sobol sequence", "[sensitivity]") {
  // scipy.stats.qmc.Sobol(6, scramble=False).random(8) * 2**32
  const std::vector<std::vector<std::uint64_t>> ref{
      {0, 0, 0, 0, 0, 0},
      {2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648},
      {3221225472, 1073741824, 1073741824, 1073741824, 3221225472, 3221225472},
      {1073741824, 3221225472, 3221225472, 3221225472, 1073741824, 1073741824},
      {1610612736, 1610612736, 2684354560, 3758096384, 1610612736, 536870912},
      {3758096384, 3758096384, 536870912, 1610612736, 3758096384, 2684354560},
      {2684354560, 536870912, 3758096384, 2684354560, 2684354560, 3758096384},
      {536870912, 2684354560, 1610612736, 536870912, 536870912, 1610612736}};
  const SobolSequence s6(6);
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const auto p = s6.point(i);
    for (std::size_t j = 0; j < 6; ++j) CHECK(scaled(p[j]) == ref[i][j]);
  }
  // Deep indices and high dimensions: Sobol(64, scramble=False).random(1024)[1000] and [777].
  const SobolSequence s64(64);
  const auto p = s64.point(1000);
  CHECK(scaled(p[0]) == 943718400u);
  CHECK(scaled(p[1]) == 415236096u);
  CHECK(scaled(p[17]) == 1480589312u);
  CHECK(scaled(p[40]) == 3921674240u);
  CHECK(scaled(p[63]) == 1916796928u);
  const auto q = s64.point(777);
  CHECK(scaled(q[2]) == 700448768u);
  CHECK(scaled(q[31]) == 3862953984u);
  CHECK(scaled(q[62]) == 591396864u);

  CHECK_THROWS_AS(SobolSequence(0), std::invalid_argument);
  CHECK_THROWS_AS(SobolSequence(SobolSequence::kMaxDims + 1), std::invalid_argument);
}

TEST_CASE("Sobol points stratify every dimension at powers of two", "[sensitivity]") {
  const SobolSequence s(40);
  const std::size_t n = 256;
  for (std::size_t j = 0; j < 40; ++j) {
    std::set<std::uint64_t> cells;
    for (std::size_t i = 0; i < n; ++i) cells.insert(static_cast<std::uint64_t>(s.point(i)[j] * n));
    CHECK(cells.size() == n);
  }
  const auto d = sobol_points(4, 3, 1);
  REQUIRE(d.rows == 4);
  CHECK(d.at(0, 0) == 0.5);  // from index 1
  CHECK(sobol_points(4, 3).at(0, 2) == 0.0);  // by default from the origin
}

TEST_CASE("Latin hypercube has one point per stratum in every column and is deterministic",
          "[sensitivity]") {
  const std::size_t n = 50, dims = 4;
  const auto d = latin_hypercube(n, dims, 42);
  for (std::size_t j = 0; j < dims; ++j) {
    std::set<std::size_t> strata;
    for (std::size_t k = 0; k < n; ++k) {
      const double u = d.at(k, j);
      CHECK(u >= 0.0);
      CHECK(u < 1.0);
      strata.insert(static_cast<std::size_t>(u * n));
    }
    CHECK(strata.size() == n);
  }
  CHECK(latin_hypercube(n, dims, 42).u == d.u);
  CHECK(latin_hypercube(n, dims, 43).u != d.u);
}

TEST_CASE("grid points decode like itertools.product", "[sensitivity]") {
  const std::vector<std::size_t> levels{2, 3};
  CHECK(grid_size(levels) == 6);
  CHECK(grid_point(0, levels) == std::vector<std::size_t>{0, 0});
  CHECK(grid_point(1, levels) == std::vector<std::size_t>{0, 1});
  CHECK(grid_point(3, levels) == std::vector<std::size_t>{1, 0});
  CHECK(grid_point(5, levels) == std::vector<std::size_t>{1, 2});
  CHECK(grid_size(std::vector<std::size_t>{}) == 0);
  CHECK_THROWS_AS(grid_size(std::vector<std::size_t>(9, 100)), std::invalid_argument);
}

TEST_CASE("Saltelli rows are A and B then A with one column of B", "[sensitivity]") {
  const std::size_t n = 8, dims = 3;
  const auto d = saltelli_design(n, dims);
  REQUIRE(d.rows == saltelli_rows(n, dims));
  const SobolSequence s(2 * dims);
  CHECK(saltelli_skip(8) == 8);
  CHECK(saltelli_skip(9) == 16);
  CHECK(saltelli_skip(1) == 2);
  for (std::size_t j = 0; j < n; ++j) {
    const auto p = s.point(8 + j);
    bool differ = false;
    for (std::size_t c = 0; c < dims; ++c) differ = differ || p[c] != p[dims + c];
    CHECK(differ);  // no base row with A = B
    const std::size_t r = j * (dims + 2);
    for (std::size_t c = 0; c < dims; ++c) {
      CHECK(d.at(r, c) == p[c]);
      CHECK(d.at(r + 1, c) == p[dims + c]);
      for (std::size_t i = 0; i < dims; ++i)
        CHECK(d.at(r + 2 + i, c) == (c == i ? p[dims + c] : p[c]));
    }
  }
  CHECK_THROWS_AS(saltelli_design(4, SobolSequence::kMaxDims / 2 + 1), std::invalid_argument);
}

TEST_CASE("Sobol indices recover the Ishigami function within their bootstrap intervals",
          "[sensitivity]") {
  // a = 7, b = 0.1 (Ishigami and Homma 1990; values as in Saltelli et al. 2010).
  const double s1[] = {0.3139, 0.4424, 0.0};
  const double st[] = {0.5576, 0.4424, 0.2437};
  const auto d = saltelli_design(4096, 3);
  const auto f = ishigami_outputs(d);
  const auto s = sobol_jansen(f, 3, SobolOptions{500, 0.95, 2024});
  CHECK(s.rows_used == 4096);
  CHECK(s.variance == Approx(13.8446).epsilon(0.02));  // 1/2 + a^2/8 + b pi^4/5 + b^2 pi^8/18
  for (int i = 0; i < 3; ++i) {
    INFO("parameter x" << i + 1);
    CHECK(s.first_low[i] <= s1[i]);
    CHECK(s1[i] <= s.first_high[i]);
    CHECK(s.total_low[i] <= st[i]);
    CHECK(st[i] <= s.total_high[i]);
    // Intervals narrow enough that a wrong estimator could not pass by width alone.
    CHECK(s.first_high[i] - s.first_low[i] < 0.12);
    CHECK(s.total_high[i] - s.total_low[i] < 0.1);
    CHECK(s.first[i] == Approx(s1[i]).margin(0.02));
    CHECK(s.total[i] == Approx(st[i]).margin(0.02));
  }
  // x3 acts only through its interaction with x1: no first-order effect, a clear total one.
  CHECK(s.total_low[2] > 0.2);
}

TEST_CASE("Sobol indices of an additive function are its variance shares", "[sensitivity]") {
  // f = x1 + 2 x2 on the unit square: V1 = 1/12, V2 = 4/12, no interaction.
  const auto d = saltelli_design(2048, 2);
  std::vector<double> f(d.rows);
  for (std::size_t r = 0; r < d.rows; ++r) f[r] = d.at(r, 0) + 2 * d.at(r, 1);
  const auto s = sobol_jansen(f, 2, SobolOptions{200, 0.9, 1});
  CHECK(s.first[0] == Approx(0.2).margin(0.01));
  CHECK(s.first[1] == Approx(0.8).margin(0.01));
  CHECK(s.total[0] == Approx(0.2).margin(0.01));
  CHECK(s.total[1] == Approx(0.8).margin(0.01));
}

TEST_CASE("Sobol bootstrap is deterministic and rows with NaN are left out", "[sensitivity]") {
  const auto d = saltelli_design(256, 3);
  auto f = ishigami_outputs(d);
  const auto a = sobol_jansen(f, 3, SobolOptions{100, 0.95, 5});
  const auto b = sobol_jansen(f, 3, SobolOptions{100, 0.95, 5});
  const auto c = sobol_jansen(f, 3, SobolOptions{100, 0.95, 6});
  CHECK(a.first_low == b.first_low);
  CHECK(a.total_high == b.total_high);
  CHECK(a.first_low != c.first_low);
  CHECK(a.first == c.first);  // the estimate itself does not resample

  f[7] = std::nan("");  // base row 1 (rows 5..9)
  const auto e = sobol_jansen(f, 3, SobolOptions{0, 0.95, 5});
  CHECK(e.rows_used == 255);
  CHECK(std::isnan(e.first_low[0]));  // no bootstrap asked
  CHECK(std::isfinite(e.first[0]));

  const std::vector<double> flat(5 * 10, 1.0);
  const auto g = sobol_jansen(flat, 3, SobolOptions{10, 0.95, 1});
  CHECK(std::isnan(g.first[0]));  // zero variance: undefined, not 0 or 1
  CHECK_THROWS_AS(sobol_jansen(std::vector<double>(7, 0.0), 3), std::invalid_argument);
}

TEST_CASE("tornado bars sort by swing with NaN last", "[sensitivity]") {
  // base, then low/high of three parameters
  const std::vector<double> f{10, 9, 11, std::nan(""), 12, 5, 20};
  const auto bars = tornado(f, 3);
  REQUIRE(bars.size() == 3);
  CHECK(bars[0].parameter == 2);
  CHECK(bars[0].swing == 15);
  CHECK(bars[0].base == 10);
  CHECK(bars[1].parameter == 0);
  CHECK(bars[1].at_low == 9);
  CHECK(bars[1].at_high == 11);
  CHECK(bars[2].parameter == 1);
  CHECK(std::isnan(bars[2].swing));
  CHECK_THROWS_AS(tornado(f, 2), std::invalid_argument);
}
