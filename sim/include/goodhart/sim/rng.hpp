// Counter-based random numbers (Philox4x32-10) keyed by (seed, replicate, stream) with
// counter (employee, day, draw): results do not depend on threads, chunking or order.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace goodhart::sim {

// splitmix64: derives independent 64-bit keys from the scenario seed (MODEL.md section 7).
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

enum class Stream : std::uint32_t { traits = 1, day = 2, leaderboard = 3 };

// The draws of one (employee, day): each call to next_u32 advances a private counter.
class Draws {
 public:
  using Philox = r123::Philox4x32;

  Draws(std::uint64_t replicate_key, Stream stream, std::uint32_t employee, std::uint32_t day)
      : key_{{static_cast<std::uint32_t>(replicate_key),
              static_cast<std::uint32_t>(replicate_key >> 32)}},
        ctr_{{employee, day, 0, static_cast<std::uint32_t>(stream)}} {}

  std::uint32_t next_u32() {
    if (pos_ == 4) {
      out_ = Philox{}(ctr_, key_);
      ++ctr_.v[2];
      pos_ = 0;
    }
    return out_.v[pos_++];
  }
  // Uniform on (0, 1): never 0 or 1, so logs and inverse CDFs are safe.
  double uniform() { return (static_cast<double>(next_u32()) + 0.5) * 0x1p-32; }
  // Standard normal by Box-Muller (one of the pair; the other is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double a = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  double exponential(double mean) { return -mean * std::log(uniform()); }
  // Poisson: inversion for small means, normal approximation (continuity-corrected) above 40.
  std::uint32_t poisson(double mean) {
    if (!(mean > 0.0)) return 0;
    if (mean > 40.0) {
      const double x = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
      return x > 0.0 ? static_cast<std::uint32_t>(x) : 0u;
    }
    double u = uniform();
    double p = std::exp(-mean);
    std::uint32_t k = 0;
    double cdf = p;
    while (u > cdf && k < 200) {
      ++k;
      p *= mean / k;
      cdf += p;
    }
    return k;
  }
  bool bernoulli(double p) { return uniform() < p; }
  double lognormal(double median, double sigma) {
    return sigma > 0.0 ? median * std::exp(sigma * normal()) : median;
  }

 private:
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  Philox::ctr_type out_{};
  int pos_ = 4;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

inline std::uint64_t replicate_key(std::uint64_t seed, std::uint64_t replicate) {
  return mix64(mix64(seed) ^ mix64(replicate + 0x51ED270B27DD2F3FULL));
}

}  // namespace goodhart::sim
