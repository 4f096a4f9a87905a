// Designs of experiments on the unit cube (grid, Latin hypercube, Sobol', Saltelli) and global
// sensitivity estimators (Sobol' indices by Jansen's formulas with bootstrap intervals, tornado).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace goodhart::engine {

// A design as rows of points in [0, 1)^dims, row-major.
struct UnitDesign {
  std::size_t rows = 0;
  std::size_t dims = 0;
  std::vector<double> u;
  double at(std::size_t row, std::size_t dim) const { return u[row * dims + dim]; }
};

// ---- Full factorial grid ----
// Number of points of the grid with `levels[j]` levels in dimension j (0 for no dimension);
// throws std::invalid_argument on overflow of 2^40 points.
std::size_t grid_size(std::span<const std::size_t> levels);
// The level of each dimension at grid point `index`: the first dimension varies slowest,
// like itertools.product.
std::vector<std::size_t> grid_point(std::size_t index, std::span<const std::size_t> levels);

// ---- Latin hypercube ----
// Each column has exactly one point in each of the `n` strata [k/n, (k+1)/n), at a uniform
// position within it; strata are matched across columns by independent permutations.
// Deterministic for a seed (SplitMix64).
UnitDesign latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed);

// ---- Sobol' sequence ----
// Unscrambled Sobol' points, Gray-code order, with the direction numbers of Joe and Kuo
// (2008, new-joe-kuo-6.21201) for the first kMaxDims dimensions: point i equals row i of
// scipy.stats.qmc.Sobol(d, scramble=False).random(). Random access, no state.
class SobolSequence {
 public:
  static constexpr std::size_t kMaxDims = 64;
  static constexpr int kBits = 32;  // indices below 2^32
  explicit SobolSequence(std::size_t dims);  // throws std::invalid_argument beyond kMaxDims
  std::size_t dims() const { return dims_; }
  // Point `index` (0 is the origin).
  std::vector<double> point(std::uint64_t index) const;

 private:
  std::size_t dims_;
  std::vector<std::uint32_t> v_;  // [dim][bit] direction numbers, scaled to kBits
};

// Rows first..first+n-1 of the Sobol' sequence (from 0: the first 2^m rows are a net).
UnitDesign sobol_points(std::size_t n, std::size_t dims, std::uint64_t first = 0);

// ---- Saltelli design for Sobol' indices ----
// `n` base rows; base row j gives d + 2 consecutive design rows: A_j, B_j, then A_j with
// column i taken from B_j (AB_j^i) for i = 0..d-1. A and B are the first and last d columns
// of the 2d-dimensional Sobol' sequence, points M..M+n-1 with M the smallest power of two
// >= max(n, 2) (SALib's default skip): points 0 and 1 (the origin and the centre) have
// A = B and would carry no information. Indices up to d = kMaxDims / 2.
UnitDesign saltelli_design(std::size_t n, std::size_t dims);
std::uint64_t saltelli_skip(std::size_t n);  // M above
inline std::size_t saltelli_rows(std::size_t n, std::size_t dims) { return n * (dims + 2); }

// ---- Sobol' indices ----
struct SobolOptions {
  std::size_t bootstrap = 1000;  // resamples of the base rows; 0 = no intervals
  double confidence = 0.95;      // central percentile interval
  std::uint64_t seed = 1;        // SplitMix64 stream of the resampling
};

struct SobolIndices {
  std::vector<double> first, first_low, first_high;  // S_i and its interval
  std::vector<double> total, total_low, total_high;  // S_Ti and its interval
  double variance = 0;       // of the output over A and B
  std::size_t rows_used = 0;  // base rows without a NaN output
};

// First-order and total indices from outputs `f` on a Saltelli design (f.size() ==
// n (d + 2), laid out as saltelli_design). Jansen (1999) estimators, with V the variance
// of f over A and B:
//   S_i  = 1 - mean((f_B - f_ABi)^2) / (2 V)
//   S_Ti =     mean((f_A - f_ABi)^2) / (2 V)
// Base rows with any NaN output are left out. Intervals: percentile bootstrap over base rows.
// Indices are NaN when fewer than two base rows remain or V is 0.
SobolIndices sobol_jansen(std::span<const double> f, std::size_t dims,
                          const SobolOptions& options = {});

// ---- One-at-a-time (tornado) ----
struct TornadoBar {
  std::size_t parameter = 0;
  double base = 0;                 // output with every parameter at its base value
  double at_low = 0, at_high = 0;  // output with this parameter at its low / high value
  double swing = 0;                // |at_high - at_low|
};
// One bar per parameter from outputs laid out as f = [base, low_0, high_0, low_1, high_1, ...]
// (f.size() == oat_rows(dims)). Sorted by decreasing swing (ties: parameter order); NaN
// swings sort last.
std::vector<TornadoBar> tornado(std::span<const double> f, std::size_t dims);
inline std::size_t oat_rows(std::size_t dims) { return 1 + 2 * dims; }

}  // namespace goodhart::engine
