// Exact money: integer micro-dollars, and exact conversions from the units exports use
// (cents as integers or decimal strings, dollars as decimal strings). No float drift.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace goodhart::engine {

using MicroUsd = std::int64_t;
// 128-bit intermediate for exact products (tokens x price) without overflow.
__extension__ typedef __int128 Int128;

inline constexpr MicroUsd kMicroPerUsd = 1'000'000;
inline constexpr MicroUsd kMicroPerCent = 10'000;

// Parses a decimal number written in some unit ("123.45", "-0.5", "1e3" is refused) and
// returns it in micro-dollars, given how many micro-dollars one unit is (1'000'000 for
// dollars, 10'000 for cents). Exact when the decimal has no more digits than the unit
// allows; extra digits are rounded half away from zero. nullopt on malformed input or
// overflow.
std::optional<MicroUsd> parse_decimal_micro(std::string_view text, MicroUsd micro_per_unit);

// A double amount (JSON number) in a unit, converted to micro-dollars by rounding its
// shortest decimal representation, so 0.1 cents is exactly 1000 micro-dollars.
std::optional<MicroUsd> double_to_micro(double amount, MicroUsd micro_per_unit);

double micro_to_usd(MicroUsd m);
std::string format_usd(MicroUsd m);  // "$1,234.56"

}  // namespace goodhart::engine
