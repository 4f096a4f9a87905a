#include "goodhart/engine/money.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace goodhart::engine {

std::optional<MicroUsd> parse_decimal_micro(std::string_view s, MicroUsd micro_per_unit) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s.front() == '-' || s.front() == '+') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  // Number of decimal digits a unit resolves exactly: micro_per_unit is a power of ten.
  int scale_digits = 0;
  for (MicroUsd p = micro_per_unit; p > 1; p /= 10) {
    if (p % 10 != 0) return std::nullopt;
    ++scale_digits;
  }
  Int128 whole = 0;
  Int128 frac = 0;
  int frac_digits = 0;
  bool seen_digit = false, seen_dot = false;
  int round_digit = -1;
  for (char c : s) {
    if (c == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    int d = c - '0';
    if (!seen_dot) {
      whole = whole * 10 + d;
      if (whole > (Int128)std::numeric_limits<MicroUsd>::max()) return std::nullopt;
    } else if (frac_digits < scale_digits) {
      frac = frac * 10 + d;
      ++frac_digits;
    } else if (round_digit < 0) {
      round_digit = d;
    }
  }
  if (!seen_digit) return std::nullopt;
  for (int i = frac_digits; i < scale_digits; ++i) frac *= 10;
  Int128 v = whole * micro_per_unit + frac;
  if (round_digit >= 5) v += 1;
  if (v > (Int128)std::numeric_limits<MicroUsd>::max()) return std::nullopt;
  return neg ? -static_cast<MicroUsd>(v) : static_cast<MicroUsd>(v);
}

std::optional<MicroUsd> double_to_micro(double amount, MicroUsd micro_per_unit) {
  if (!std::isfinite(amount)) return std::nullopt;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, amount, std::chars_format::fixed);
  if (r.ec != std::errc{}) return std::nullopt;
  return parse_decimal_micro(std::string_view(buf, r.ptr - buf), micro_per_unit);
}

double micro_to_usd(MicroUsd m) { return static_cast<double>(m) / 1e6; }

std::string format_usd(MicroUsd m) {
  bool neg = m < 0;
  unsigned long long a = neg ? 0ULL - static_cast<unsigned long long>(m) : m;
  unsigned long long cents = (a + 5000) / 10000;
  std::string whole = std::to_string(cents / 100);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  char tail[8];
  std::snprintf(tail, sizeof tail, ".%02llu", cents % 100);
  return (neg ? "-$" : "$") + grouped + tail;
}

}  // namespace goodhart::engine
