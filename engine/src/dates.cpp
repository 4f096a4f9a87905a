#include "goodhart/engine/dates.hpp"

#include <charconv>
#include <chrono>

namespace goodhart::engine {

namespace ch = std::chrono;

namespace {
ch::year_month_day ymd(Date d) { return ch::year_month_day{ch::sys_days{ch::days{d.days}}}; }

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{};
}
}  // namespace

int Date::year() const { return static_cast<int>(ymd(*this).year()); }
unsigned Date::month() const { return static_cast<unsigned>(ymd(*this).month()); }
unsigned Date::day_of_month() const { return static_cast<unsigned>(ymd(*this).day()); }
unsigned Date::weekday() const {
  return ch::weekday{ch::sys_days{ch::days{days}}}.iso_encoding() - 1;
}
int Date::day_of_year() const { return days - from_ymd(year(), 1, 1).days + 1; }
int Date::days_in_month() const {
  auto y = ymd(*this);
  return static_cast<int>(static_cast<unsigned>(
      ch::year_month_day_last{y.year(), ch::month_day_last{y.month()}}.day()));
}

Date Date::from_ymd(int y, unsigned m, unsigned d) {
  auto v = ch::year{y} / ch::month{m} / ch::day{d};
  return Date{static_cast<std::int32_t>(ch::sys_days{v}.time_since_epoch().count())};
}

std::string Date::iso() const {
  auto y = ymd(*this);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(y.year()),
                static_cast<unsigned>(y.month()), static_cast<unsigned>(y.day()));
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (s.size() > 10 && s[10] != 'T' && s[10] != ' ' && s[10] != 't') return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (!parse_int(s.substr(0, 4), y) || !parse_int(s.substr(5, 2), m) ||
      !parse_int(s.substr(8, 2), d))
    return std::nullopt;
  auto v = ch::year{y} / ch::month{static_cast<unsigned>(m)} / ch::day{static_cast<unsigned>(d)};
  if (!v.ok()) return std::nullopt;
  return Date{static_cast<std::int32_t>(ch::sys_days{v}.time_since_epoch().count())};
}

std::optional<Date> parse_timestamp_date(std::string_view s) {
  if (auto d = parse_date(s)) return d;
  std::int64_t secs = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return date_from_unix_seconds(secs);
}

std::optional<Date> date_from_unix_seconds(std::int64_t secs) {
  const std::int64_t day = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);  // never negates
  if (day < -1'000'000 || day > 1'000'000) return std::nullopt;
  return Date{static_cast<std::int32_t>(day)};
}

}  // namespace goodhart::engine
