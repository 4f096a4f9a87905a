// Small statistics shared by the audit and the simulator: quantiles, mid-ranks with ties,
// Pearson and Spearman correlation, EWMA baselines and least-squares lines, over doubles.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace goodhart::engine {

double mean(std::span<const double> x);  // 0 for an empty span

// Quantile p in [0,1] by linear interpolation between order statistics (Hyndman & Fan
// type 7, numpy's default), so the results match what analysts get in pandas.
// `sorted` must be ascending; NaN for an empty span.
double quantile_sorted(std::span<const double> sorted, double p);
// Same on unsorted data (sorts a copy).
double quantile(std::span<const double> x, double p);
// Same value again, on data the caller gives up: the two order statistics around p are found
// by selection, in linear time and without a copy; x is left reordered.
double quantile_in_place(std::vector<double>& x, double p);
std::vector<double> quantiles(std::span<const double> x, std::span<const double> ps);
double median(std::span<const double> x);

// 1-based ranks, ascending; tied values share the mean of the ranks they span.
std::vector<double> average_ranks(std::span<const double> x);

// The top k of x (1 <= k <= x.size(); no NaN, std::invalid_argument otherwise) as weights:
// 1 above the k-th largest value, 0 below it, and (k - above) / tied for each value equal to
// it, so the tied share the last places equally and the weights sum to k. A mean over "the top
// k" then depends on the values alone, not on how a sort orders ties or how people are numbered.
struct TopK {
  double edge = 0.0;  // the k-th largest value
  double tie_weight = 0.0;
  double weight(double v) const { return v > edge ? 1.0 : v == edge ? tie_weight : 0.0; }
};
TopK top_k(std::vector<double> x, std::size_t k);  // by selection on the copy: linear time

// Pearson correlation; nullopt when fewer than 2 points or either side is constant.
std::optional<double> pearson(std::span<const double> x, std::span<const double> y);
// Spearman's rho as the Pearson correlation of mid-ranks, which is the correct form with
// ties (the 1 - 6 sum d^2 shortcut is only exact without them).
std::optional<double> spearman(std::span<const double> x, std::span<const double> y);

struct LineFit {
  double intercept = 0;
  double slope = 0;
};
// Ordinary least squares y = a + b x; nullopt when x is constant or n < 2.
std::optional<LineFit> fit_line(std::span<const double> x, std::span<const double> y);

// Exponentially weighted mean and variance of a series (West's incremental form), used as a
// person's own trailing baseline. `alpha` is the weight of the newest observation.
class Ewma {
 public:
  explicit Ewma(double alpha) : alpha_(alpha) {}
  static double alpha_from_halflife(double halflife);
  void update(double x);
  // k updates with x = 0 at once: the same recurrence summed in closed form
  // (mean·β^k and β^k·(var + mean²·(1 − β^k)) with β = 1 − alpha), for long idle gaps.
  void update_zeros(std::int64_t k);
  double mean() const { return mean_; }
  double variance() const { return var_; }
  double sd() const;
  std::int64_t count() const { return n_; }

 private:
  double alpha_;
  double mean_ = 0;
  double var_ = 0;
  std::int64_t n_ = 0;
};

// Deterministic SplitMix64 stream: portable (unlike std:: distributions), for bootstraps
// whose numbers must not depend on the standard library in use.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform();                          // [0, 1)
  std::uint64_t below(std::uint64_t n);      // [0, n), n > 0

 private:
  std::uint64_t state_;
};

}  // namespace goodhart::engine
