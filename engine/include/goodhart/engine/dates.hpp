// Calendar dates as whole days since 1970-01-01 (UTC), with ISO parsing and formatting.
// Every day-indexed quantity in goodhart uses this one representation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace goodhart::engine {

struct Date {
  std::int32_t days = 0;  // since 1970-01-01

  friend auto operator<=>(const Date&, const Date&) = default;
  Date operator+(int n) const { return Date{days + n}; }
  int operator-(Date o) const { return days - o.days; }

  int year() const;
  unsigned month() const;  // 1..12
  unsigned day_of_month() const;
  unsigned weekday() const;  // 0 = Monday .. 6 = Sunday (ISO)
  int day_of_year() const;   // 1-based
  std::string iso() const;   // YYYY-MM-DD
  // Index of the calendar month since year 0 (year*12 + month-1): equal for days of one month.
  int month_index() const { return year() * 12 + static_cast<int>(month()) - 1; }
  // ISO week key: Monday of the week.
  Date week_start() const { return Date{days - static_cast<std::int32_t>(weekday())}; }
  int days_in_month() const;

  static Date from_ymd(int y, unsigned m, unsigned d);
};

// Parses "YYYY-MM-DD", optionally followed by "T..." (RFC 3339; the time part is ignored
// but must be well-formed enough to start with 'T' or ' '). Returns nullopt when invalid.
std::optional<Date> parse_date(std::string_view s);

// Parses an RFC 3339 timestamp or date and returns the UTC date; also accepts unix seconds.
std::optional<Date> parse_timestamp_date(std::string_view s);

// The UTC day of a unix time in seconds (floor division, defined for every int64 value);
// nullopt beyond a million days either side of 1970, which no export can mean.
std::optional<Date> date_from_unix_seconds(std::int64_t secs);

}  // namespace goodhart::engine
