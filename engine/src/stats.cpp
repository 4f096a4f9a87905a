#include "goodhart/engine/stats.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace goodhart::engine {

double mean(std::span<const double> x) {
  if (x.empty()) return 0.0;
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double quantile_sorted(std::span<const double> s, double p) {
  if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
  p = std::clamp(p, 0.0, 1.0);
  const double h = p * static_cast<double>(s.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (h - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

double quantile(std::span<const double> x, double p) {
  std::vector<double> s(x.begin(), x.end());
  std::sort(s.begin(), s.end());
  return quantile_sorted(s, p);
}

double quantile_in_place(std::vector<double>& x, double p) {
  if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
  p = std::clamp(p, 0.0, 1.0);
  const double h = p * static_cast<double>(x.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(lo), x.end());
  const double a = x[lo];
  // The next order statistic is the least of what selection left above lo.
  const double b = lo + 1 < x.size() ? *std::min_element(x.begin() + static_cast<std::ptrdiff_t>(lo) + 1, x.end()) : a;
  return a + (h - static_cast<double>(lo)) * (b - a);
}

std::vector<double> quantiles(std::span<const double> x, std::span<const double> ps) {
  std::vector<double> s(x.begin(), x.end());
  std::sort(s.begin(), s.end());
  std::vector<double> out;
  out.reserve(ps.size());
  for (double p : ps) out.push_back(quantile_sorted(s, p));
  return out;
}

double median(std::span<const double> x) { return quantile(x, 0.5); }

TopK top_k(std::vector<double> x, std::size_t k) {
  if (k == 0 || k > x.size()) throw std::invalid_argument("top_k: k must be in 1..size");
  if (std::any_of(x.begin(), x.end(), [](double v) { return std::isnan(v); }))
    throw std::invalid_argument("top_k: NaN has no rank");
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(k - 1), x.end(), std::greater<>());
  const double edge = x[k - 1];
  std::size_t above = 0, tied = 0;
  for (const double v : x) {
    above += v > edge;
    tied += v == edge;
  }
  return {edge, static_cast<double>(k - above) / static_cast<double>(tied)};
}

std::vector<double> average_ranks(std::span<const double> x) {
  std::vector<std::size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && x[idx[j + 1]] == x[idx[i]]) ++j;
    // Ranks i+1 .. j+1 are tied: each gets their mean.
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = rank;
    i = j + 1;
  }
  return r;
}

std::optional<double> pearson(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::nullopt;
  const double mx = mean(x.first(n)), my = mean(y.first(n));
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return std::nullopt;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

std::optional<double> spearman(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  const auto rx = average_ranks(x.first(n));
  const auto ry = average_ranks(y.first(n));
  return pearson(rx, ry);
}

std::optional<LineFit> fit_line(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::nullopt;
  const double mx = mean(x.first(n)), my = mean(y.first(n));
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  if (sxx <= 0) return std::nullopt;
  LineFit f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  return f;
}

double Ewma::alpha_from_halflife(double halflife) {
  if (!(halflife > 0)) return 1.0;
  return 1.0 - std::pow(0.5, 1.0 / halflife);
}

void Ewma::update(double x) {
  if (n_ == 0) {
    mean_ = x;
    var_ = 0;
  } else {
    const double d = x - mean_;
    const double incr = alpha_ * d;
    mean_ += incr;
    var_ = (1.0 - alpha_) * (var_ + d * incr);
  }
  ++n_;
}

void Ewma::update_zeros(std::int64_t k) {
  if (k <= 0) return;
  if (n_ == 0) {  // the first zero sets the mean to 0, the rest leave it there
    mean_ = 0;
    var_ = 0;
  } else {
    const double bk = std::pow(1.0 - alpha_, static_cast<double>(k));
    var_ = bk * (var_ + mean_ * mean_ * (1.0 - bk));
    mean_ *= bk;
  }
  n_ += k;
}

double Ewma::sd() const { return std::sqrt(std::max(var_, 0.0)); }

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t SplitMix64::below(std::uint64_t n) {
  __extension__ typedef unsigned __int128 U128;
  // Lemire's multiply-shift: negligible bias for bootstrap sizes, identical everywhere.
  return static_cast<std::uint64_t>((static_cast<U128>(next()) * n) >> 64);
}

}  // namespace goodhart::engine
