// Rounding of the day loop's token counts, inline.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace goodhart::sim {

// std::llround(std::max(x, 0.0)) as a count, without the library call where x < 2^52: there
// x - trunc(x) is exact, and a half rounds up (away from zero) as llround's does. NaN and
// larger values go to std::llround, as before.
inline std::uint64_t round_count(double x) {
  x = std::max(x, 0.0);
  if (!(x < 0x1p52)) return static_cast<std::uint64_t>(std::llround(x));
  const auto t = static_cast<std::int64_t>(x);
  return static_cast<std::uint64_t>(t + (x - static_cast<double>(t) >= 0.5 ? 1 : 0));
}

}  // namespace goodhart::sim
