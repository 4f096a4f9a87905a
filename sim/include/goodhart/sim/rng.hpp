// Counter-based random numbers (Philox4x32-10) keyed by (seed, replicate, stream) with
// counter (employee, day, draw): results do not depend on threads, chunking or order.
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

// Draw counting for the benchmark's floor (bench/): a build that defines GOODHART_COUNT_DRAWS
// counts every primitive a run uses; everywhere else the hooks compile to nothing. The counting
// build keeps Draws in its own inline namespace so the two definitions never meet at link time.
#ifdef GOODHART_COUNT_DRAWS
#define GOODHART_RNG_NAMESPACE counting
#define GOODHART_COUNT(field, n) (::goodhart::sim::counting::draw_counts.field += (n))
#else
#define GOODHART_RNG_NAMESPACE plain
#define GOODHART_COUNT(field, n) ((void)0)
#endif

namespace goodhart::sim {

// splitmix64: derives independent 64-bit keys from the scenario seed (MODEL.md section 7).
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

enum class Stream : std::uint32_t { traits = 1, day = 2, leaderboard = 3 };

// Draws::poisson inverts the CDF for means up to 40, in at most 200 steps.
inline constexpr double kPoissonInversionMax = 40.0;
inline constexpr std::uint32_t kPoissonInversionSteps = 200;

// The partial sums cdf_k = p_0 + ... + p_k of a Poisson mean (0 < mean <= 40), each computed
// with the very operations of Draws::poisson's inversion, so that the inversion becomes a
// search: the first k with u <= cdf_k (the same draw, bit for bit) without the chain of
// multiplications and additions and its unpredictable exit. A guide says where to start: its
// entry j is the number of sums below j/16, so a uniform u starts at entry floor(16 u) (exact:
// 16 is a power of two) and is rarely more than a few sums from its answer. A view into rows
// kept elsewhere.
class PoissonCdf {
 public:
  static constexpr std::uint32_t kGuide = 16;
  using Guide = std::array<std::uint8_t, kGuide>;

  PoissonCdf(const double* sums, std::uint32_t size, const Guide& guide)
      : sums_(sums), guide_(guide.data()), size_(size) {}
  // Appends the partial sums of `mean` to `sums`: k = 0 .. 199 (the inversion stops at 200),
  // or fewer once adding a term no longer changes the sum past the mode (the terms only
  // shrink from there, so no later one would), then four entries of 2, which no uniform
  // exceeds; and sets their guide. Returns the number of sums.
  static std::uint32_t append(double mean, std::vector<double>& sums, Guide& guide) {
    const std::size_t first = sums.size();
    double p = std::exp(-mean);
    double cdf = p;
    std::uint32_t k = 0;
    sums.push_back(cdf);
    while (k + 1 < kPoissonInversionSteps) {
      ++k;
      p *= mean / k;
      const double before = cdf;
      cdf += p;
      sums.push_back(cdf);
      if (cdf == before && k > mean) break;
    }
    const std::uint32_t size = k + 1;
    for (std::uint32_t j = 0; j < kGuide; ++j) {
      const double at = static_cast<double>(j) / kGuide;
      std::uint32_t below = 0;
      while (below < size && sums[first + below] < at) ++below;
      guide[j] = static_cast<std::uint8_t>(below);
    }
    sums.insert(sums.end(), 4, 2.0);
    return size;
  }
  // The inversion's answer for a uniform u in (0, 1): the number of partial sums below u (they
  // never decrease), counted four at a time from the guide's entry; 200 where u is above all
  // of them, as the loop would stop.
  std::uint32_t operator()(double u) const {
    std::uint32_t k = guide_[static_cast<std::uint32_t>(u * kGuide)];
    for (;; k += 4) {
      const std::uint32_t below = (u > sums_[k]) + (u > sums_[k + 1]) + (u > sums_[k + 2]) + (u > sums_[k + 3]);
      if (below < 4) {
        k += below;
        break;
      }
    }
    return k < size_ ? k : kPoissonInversionSteps;
  }

 private:
  const double* sums_;
  const std::uint8_t* guide_;
  std::uint32_t size_;
};

inline namespace GOODHART_RNG_NAMESPACE {

#ifdef GOODHART_COUNT_DRAWS
// What a run used, summed over the calling thread (bench/ only).
struct DrawCounts {
  double streams = 0;         // Draws objects (one per person-day)
  double philox_blocks = 0;   // Philox4x32-10 evaluations (4 x 32 bits each)
  double uniforms = 0;        // uniforms used directly (bernoulli, inversion, exponential)
  double box_muller = 0;      // pairs of normals: 2 uniforms, log, sqrt, sin, cos
  double poisson_inv = 0;     // Poisson inversions: one exp each
  double poisson_steps = 0;   // inversion steps (a multiply, a divide, an add, a compare)
  double poisson_normal = 0;  // Poisson by normal approximation (mean > 40): a sqrt
  double poisson_table = 0;   // Poisson from tabulated partial sums: a search
  double exponentials = 0;    // exponential draws: a log
  double lognormal_exp = 0;   // exp of a scaled normal (LogNormal draws and sums)
  double priced = 0;          // purposes priced: 4 conversions and the exact integer cost
};
inline thread_local DrawCounts draw_counts;
#endif

// The draws of one (employee, day): each call to next_u32 advances a private counter.
class Draws {
 public:
  using Philox = r123::Philox4x32;

  Draws(std::uint64_t replicate_key, Stream stream, std::uint32_t employee, std::uint32_t day)
      : key_{{static_cast<std::uint32_t>(replicate_key),
              static_cast<std::uint32_t>(replicate_key >> 32)}},
        ctr_{{employee, day, 0, static_cast<std::uint32_t>(stream)}} {
    GOODHART_COUNT(streams, 1);
  }

  std::uint32_t next_u32() {
    if (pos_ == 4) {
      GOODHART_COUNT(philox_blocks, 1);
      out_ = Philox{}(ctr_, key_);
      ++ctr_.v[2];
      pos_ = 0;
    }
    return out_.v[pos_++];
  }
  // Uniform on (0, 1): never 0 or 1, so logs and inverse CDFs are safe.
  double uniform() {
    GOODHART_COUNT(uniforms, 1);
    return (static_cast<double>(next_u32()) + 0.5) * 0x1p-32;
  }
  // Standard normal by Box-Muller (one of the pair; the other is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    GOODHART_COUNT(box_muller, 1);
    GOODHART_COUNT(uniforms, -2);  // counted with the pair
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double a = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  double exponential(double mean) {
    GOODHART_COUNT(exponentials, 1);
    return -mean * std::log(uniform());
  }
  // Poisson: inversion for small means, normal approximation (continuity-corrected) above 40.
  std::uint32_t poisson(double mean) {
    if (!(mean > 0.0)) return 0;
    if (mean > kPoissonInversionMax) {
      GOODHART_COUNT(poisson_normal, 1);
      const double x = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
      return x > 0.0 ? static_cast<std::uint32_t>(x) : 0u;
    }
    GOODHART_COUNT(poisson_inv, 1);
    double u = uniform();
    double p = std::exp(-mean);
    std::uint32_t k = 0;
    double cdf = p;
    while (u > cdf && k < kPoissonInversionSteps) {
      GOODHART_COUNT(poisson_steps, 1);
      ++k;
      p *= mean / k;
      cdf += p;
    }
    return k;
  }
  // The same draw as poisson(mean) for a mean whose partial sums PoissonCdf::append tabulated
  // (0 < mean <= 40): one uniform and a search, no arithmetic.
  std::uint32_t poisson(const PoissonCdf& cdf) {
    GOODHART_COUNT(poisson_table, 1);
    return cdf(uniform());
  }
  bool bernoulli(double p) { return uniform() < p; }
  double lognormal(double median, double sigma) {
    if (!(sigma > 0.0)) return median;
    GOODHART_COUNT(lognormal_exp, 1);
    return median * std::exp(sigma * normal());
  }

 private:
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type out_{};
  int pos_ = 4;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // inline namespace GOODHART_RNG_NAMESPACE

inline std::uint64_t replicate_key(std::uint64_t seed, std::uint64_t replicate) {
  return mix64(mix64(seed) ^ mix64(replicate + 0x51ED270B27DD2F3FULL));
}

}  // namespace goodhart::sim
