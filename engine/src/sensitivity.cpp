#include "goodhart/engine/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "goodhart/engine/stats.hpp"

namespace goodhart::engine {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Joe & Kuo (2008) new-joe-kuo-6.21201, dimensions 2..64: the primitive polynomial (with its
// leading and trailing 1 bits, as scipy stores it: 11 = x^3 + x + 1) and the initial
// direction numbers m_1..m_s. Dimension 1 has m_k = 1 for all k.
struct JoeKuo {
  std::uint32_t poly;
  std::vector<std::uint32_t> m;
};

const std::vector<JoeKuo>& joe_kuo() {
  static const std::vector<JoeKuo> table{
    {3, {1}},
    {7, {1, 3}},
    {11, {1, 3, 1}},
    {13, {1, 1, 1}},
    {19, {1, 1, 3, 3}},
    {25, {1, 3, 5, 13}},
    {37, {1, 1, 5, 5, 17}},
    {41, {1, 1, 5, 5, 5}},
    {47, {1, 1, 7, 11, 19}},
    {55, {1, 1, 5, 1, 1}},
    {59, {1, 1, 1, 3, 11}},
    {61, {1, 3, 5, 5, 31}},
    {67, {1, 3, 3, 9, 7, 49}},
    {91, {1, 1, 1, 15, 21, 21}},
    {97, {1, 3, 1, 13, 27, 49}},
    {103, {1, 1, 1, 15, 7, 5}},
    {109, {1, 3, 1, 15, 13, 25}},
    {115, {1, 1, 5, 5, 19, 61}},
    {131, {1, 3, 7, 11, 23, 15, 103}},
    {137, {1, 3, 7, 13, 13, 15, 69}},
    {143, {1, 1, 3, 13, 7, 35, 63}},
    {145, {1, 3, 5, 9, 1, 25, 53}},
    {157, {1, 3, 1, 13, 9, 35, 107}},
    {167, {1, 3, 1, 5, 27, 61, 31}},
    {171, {1, 1, 5, 11, 19, 41, 61}},
    {185, {1, 3, 5, 3, 3, 13, 69}},
    {191, {1, 1, 7, 13, 1, 19, 1}},
    {193, {1, 3, 7, 5, 13, 19, 59}},
    {203, {1, 1, 3, 9, 25, 29, 41}},
    {211, {1, 3, 5, 13, 23, 1, 55}},
    {213, {1, 3, 7, 3, 13, 59, 17}},
    {229, {1, 3, 1, 3, 5, 53, 69}},
    {239, {1, 1, 5, 5, 23, 33, 13}},
    {241, {1, 1, 7, 7, 1, 61, 123}},
    {247, {1, 1, 7, 9, 13, 61, 49}},
    {253, {1, 3, 3, 5, 3, 55, 33}},
    {285, {1, 3, 1, 15, 31, 13, 49, 245}},
    {299, {1, 3, 5, 15, 31, 59, 63, 97}},
    {301, {1, 3, 1, 11, 11, 11, 77, 249}},
    {333, {1, 3, 1, 11, 27, 43, 71, 9}},
    {351, {1, 1, 7, 15, 21, 11, 81, 45}},
    {355, {1, 3, 7, 3, 25, 31, 65, 79}},
    {357, {1, 3, 1, 1, 19, 11, 3, 205}},
    {361, {1, 1, 5, 9, 19, 21, 29, 157}},
    {369, {1, 3, 7, 11, 1, 33, 89, 185}},
    {391, {1, 3, 3, 3, 15, 9, 79, 71}},
    {397, {1, 3, 7, 11, 15, 39, 119, 27}},
    {425, {1, 1, 3, 1, 11, 31, 97, 225}},
    {451, {1, 1, 1, 3, 23, 43, 57, 177}},
    {463, {1, 3, 7, 7, 17, 17, 37, 71}},
    {487, {1, 3, 1, 5, 27, 63, 123, 213}},
    {501, {1, 1, 3, 5, 11, 43, 53, 133}},
    {529, {1, 3, 5, 5, 29, 17, 47, 173, 479}},
    {539, {1, 3, 3, 11, 3, 1, 109, 9, 69}},
    {545, {1, 1, 1, 5, 17, 39, 23, 5, 343}},
    {557, {1, 3, 1, 5, 25, 15, 31, 103, 499}},
    {563, {1, 1, 1, 11, 11, 17, 63, 105, 183}},
    {601, {1, 1, 5, 11, 9, 29, 97, 231, 363}},
    {607, {1, 1, 5, 15, 19, 45, 41, 7, 383}},
    {617, {1, 3, 7, 7, 31, 19, 83, 137, 221}},
    {623, {1, 1, 1, 3, 23, 15, 111, 223, 83}},
    {631, {1, 1, 5, 13, 31, 15, 55, 25, 161}},
    {637, {1, 1, 3, 13, 25, 47, 39, 87, 257}},
  };
  return table;
}

int degree(std::uint32_t poly) {
  int d = -1;
  while (poly) {
    poly >>= 1;
    ++d;
  }
  return d;
}

}  // namespace

// ---- Grid ----

std::size_t grid_size(std::span<const std::size_t> levels) {
  if (levels.empty()) return 0;
  std::size_t n = 1;
  for (std::size_t l : levels) {
    if (l == 0) return 0;
    if (n > (std::size_t{1} << 40) / l)
      throw std::invalid_argument("the grid has more than 2^40 points");
    n *= l;
  }
  return n;
}

std::vector<std::size_t> grid_point(std::size_t index, std::span<const std::size_t> levels) {
  std::vector<std::size_t> out(levels.size());
  for (std::size_t j = levels.size(); j-- > 0;) {
    out[j] = index % levels[j];
    index /= levels[j];
  }
  return out;
}

// ---- Latin hypercube ----

UnitDesign latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed) {
  UnitDesign d{n, dims, std::vector<double>(n * dims)};
  SplitMix64 rng(seed);
  std::vector<std::size_t> perm(n);
  for (std::size_t j = 0; j < dims; ++j) {
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    for (std::size_t k = n; k > 1; --k) std::swap(perm[k - 1], perm[rng.below(k)]);
    for (std::size_t k = 0; k < n; ++k) {
      const double u = (static_cast<double>(perm[k]) + rng.uniform()) / static_cast<double>(n);
      // Rounding can reach the upper edge of the last stratum; keep the half-open cube.
      d.u[k * dims + j] = std::min(u, std::nextafter(1.0, 0.0));
    }
  }
  return d;
}

// ---- Sobol' ----

SobolSequence::SobolSequence(std::size_t dims) : dims_(dims), v_(dims * kBits) {
  if (dims == 0 || dims > kMaxDims)
    throw std::invalid_argument("Sobol' sequences here have 1 to " + std::to_string(kMaxDims) +
                                " dimensions, not " + std::to_string(dims));
  for (int k = 0; k < kBits; ++k) v_[k] = 1u << (kBits - 1 - k);
  for (std::size_t j = 1; j < dims; ++j) {
    const JoeKuo& jk = joe_kuo()[j - 1];
    const int s = degree(jk.poly);
    std::vector<std::uint64_t> m(kBits);
    for (int k = 0; k < s; ++k) m[k] = jk.m[k];
    // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^s m_{k-s} ^ m_{k-s}
    for (int k = s; k < kBits; ++k) {
      std::uint64_t x = m[k - s] ^ (m[k - s] << s);
      for (int i = 1; i < s; ++i)
        if ((jk.poly >> (s - i)) & 1u) x ^= m[k - i] << i;
      m[k] = x;
    }
    for (int k = 0; k < kBits; ++k)
      v_[j * kBits + k] = static_cast<std::uint32_t>(m[k] << (kBits - 1 - k));
  }
}

std::vector<double> SobolSequence::point(std::uint64_t index) const {
  if (index >> kBits) throw std::invalid_argument("Sobol' index beyond 2^32");
  const std::uint64_t gray = index ^ (index >> 1);
  std::vector<double> x(dims_);
  for (std::size_t j = 0; j < dims_; ++j) {
    std::uint32_t bits = 0;
    for (int k = 0; k < kBits; ++k)
      if ((gray >> k) & 1u) bits ^= v_[j * kBits + k];
    x[j] = static_cast<double>(bits) * 0x1.0p-32;
  }
  return x;
}

UnitDesign sobol_points(std::size_t n, std::size_t dims, std::uint64_t first) {
  const SobolSequence seq(dims);
  UnitDesign d{n, dims, {}};
  d.u.reserve(n * dims);
  for (std::size_t k = 0; k < n; ++k) {
    const auto p = seq.point(first + k);
    d.u.insert(d.u.end(), p.begin(), p.end());
  }
  return d;
}

std::uint64_t saltelli_skip(std::size_t n) {
  std::uint64_t m = 2;
  while (m < n) m <<= 1;
  return m;
}

UnitDesign saltelli_design(std::size_t n, std::size_t dims) {
  if (dims == 0 || 2 * dims > SobolSequence::kMaxDims)
    throw std::invalid_argument("a Saltelli design here has 1 to " +
                                std::to_string(SobolSequence::kMaxDims / 2) + " parameters");
  const SobolSequence seq(2 * dims);
  UnitDesign d{saltelli_rows(n, dims), dims, {}};
  d.u.reserve(d.rows * dims);
  const std::uint64_t skip = saltelli_skip(n);
  for (std::size_t j = 0; j < n; ++j) {
    const auto p = seq.point(skip + j);
    const auto a = p.begin();
    const auto b = p.begin() + static_cast<std::ptrdiff_t>(dims);
    d.u.insert(d.u.end(), a, b);
    d.u.insert(d.u.end(), b, p.end());
    for (std::size_t i = 0; i < dims; ++i) {
      std::vector<double> ab(a, b);
      ab[i] = p[dims + i];
      d.u.insert(d.u.end(), ab.begin(), ab.end());
    }
  }
  return d;
}

// ---- Sobol' indices ----

namespace {

struct Estimate {
  std::vector<double> first, total;
  double variance = kNaN;
};

// Jansen's estimators on the base rows `rows` (indices into the layout, may repeat).
Estimate jansen(std::span<const double> f, std::size_t dims, std::span<const std::size_t> rows) {
  const std::size_t stride = dims + 2;
  Estimate e{std::vector<double>(dims, kNaN), std::vector<double>(dims, kNaN), kNaN};
  const std::size_t n = rows.size();
  if (n < 2) return e;
  // Variance of A and B together, two-pass for accuracy.
  double sum = 0;
  for (std::size_t r : rows) sum += f[r * stride] + f[r * stride + 1];
  const double m = sum / static_cast<double>(2 * n);
  double ss = 0;
  for (std::size_t r : rows) {
    const double da = f[r * stride] - m, db = f[r * stride + 1] - m;
    ss += da * da + db * db;
  }
  e.variance = ss / static_cast<double>(2 * n - 1);
  if (!(e.variance > 0)) return e;
  for (std::size_t i = 0; i < dims; ++i) {
    double sb = 0, sa = 0;
    for (std::size_t r : rows) {
      const double fa = f[r * stride], fb = f[r * stride + 1], fab = f[r * stride + 2 + i];
      sb += (fb - fab) * (fb - fab);
      sa += (fa - fab) * (fa - fab);
    }
    e.first[i] = 1.0 - sb / static_cast<double>(n) / (2.0 * e.variance);
    e.total[i] = sa / static_cast<double>(n) / (2.0 * e.variance);
  }
  return e;
}

}  // namespace

SobolIndices sobol_jansen(std::span<const double> f, std::size_t dims, const SobolOptions& o) {
  const std::size_t stride = dims + 2;
  if (dims == 0 || f.size() % stride != 0)
    throw std::invalid_argument("Sobol' indices need n (d + 2) outputs from a Saltelli design");
  if (!(o.confidence > 0 && o.confidence < 1))
    throw std::invalid_argument("confidence must be in (0, 1)");
  const std::size_t n = f.size() / stride;
  std::vector<std::size_t> rows;
  for (std::size_t r = 0; r < n; ++r) {
    bool ok = true;
    for (std::size_t k = 0; k < stride; ++k) ok = ok && std::isfinite(f[r * stride + k]);
    if (ok) rows.push_back(r);
  }
  const Estimate point = jansen(f, dims, rows);
  SobolIndices out;
  out.first = point.first;
  out.total = point.total;
  out.variance = point.variance;
  out.rows_used = rows.size();
  out.first_low = out.first_high = out.total_low = out.total_high =
      std::vector<double>(dims, kNaN);
  if (o.bootstrap == 0 || rows.size() < 2) return out;

  std::vector<std::vector<double>> s1(dims), st(dims);
  SplitMix64 rng(o.seed);
  std::vector<std::size_t> sample(rows.size());
  for (std::size_t b = 0; b < o.bootstrap; ++b) {
    for (auto& s : sample) s = rows[rng.below(rows.size())];
    const Estimate e = jansen(f, dims, sample);
    for (std::size_t i = 0; i < dims; ++i) {
      if (std::isfinite(e.first[i])) s1[i].push_back(e.first[i]);
      if (std::isfinite(e.total[i])) st[i].push_back(e.total[i]);
    }
  }
  const double lo = (1 - o.confidence) / 2, hi = 1 - lo;
  for (std::size_t i = 0; i < dims; ++i) {
    if (!s1[i].empty()) {
      out.first_low[i] = quantile(s1[i], lo);
      out.first_high[i] = quantile(s1[i], hi);
    }
    if (!st[i].empty()) {
      out.total_low[i] = quantile(st[i], lo);
      out.total_high[i] = quantile(st[i], hi);
    }
  }
  return out;
}

// ---- Tornado ----

std::vector<TornadoBar> tornado(std::span<const double> f, std::size_t dims) {
  if (f.size() != oat_rows(dims))
    throw std::invalid_argument("a tornado needs 1 + 2 d outputs from a one-at-a-time design");
  std::vector<TornadoBar> bars;
  for (std::size_t i = 0; i < dims; ++i) {
    TornadoBar b{i, f[0], f[1 + 2 * i], f[2 + 2 * i], 0};
    b.swing = std::abs(b.at_high - b.at_low);
    bars.push_back(b);
  }
  std::stable_sort(bars.begin(), bars.end(), [](const TornadoBar& x, const TornadoBar& y) {
    const bool xn = std::isnan(x.swing), yn = std::isnan(y.swing);
    if (xn != yn) return yn;
    return !xn && x.swing > y.swing;
  });
  return bars;
}

}  // namespace goodhart::engine
