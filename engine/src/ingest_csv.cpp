// CSV exports: the header decides the schema (canonical, LiteLLM spend logs, LiteLLM daily
// tables) unless --format says; shared field conversions.
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "ingest_internal.hpp"

namespace goodhart::engine::detail {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  if (s.size() > 40) return "'" + std::string(s.substr(0, 37)) + "...'";
  return "'" + std::string(s) + "'";
}

std::optional<ExportFormat> detect_csv(const CsvHeader& h) {
  if (h.has("date") && h.has("person")) return ExportFormat::canonical;
  if (h.has("request_id") || (h.has("starttime") && h.has("spend"))) return ExportFormat::litellm_spend_logs;
  if (h.has("date") && h.has("spend") && (h.has("prompt_tokens") || h.has("api_requests")))
    return ExportFormat::litellm_daily;
  return std::nullopt;
}
}  // namespace

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

std::uint64_t csv_count(std::string_view s, std::string_view column) {
  s = trim(s);
  if (s.empty()) return 0;
  std::uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc{} && r.ptr == s.data() + s.size()) return v;
  if (s.front() == '-') fail("column '" + std::string(column) + "' must not be negative: " + quoted(s));
  // Spreadsheets and pandas write whole numbers as "12.0".
  if (r.ec == std::errc{} && *r.ptr == '.') {
    bool zeros = true;
    for (const char* p = r.ptr + 1; p < s.data() + s.size(); ++p) zeros = zeros && *p == '0';
    if (zeros) return v;
  }
  fail("column '" + std::string(column) + "' is not a whole number: " + quoted(s));
}

std::int64_t csv_int(std::string_view s, std::string_view column) {
  const std::uint64_t v = csv_count(s, column);
  if (v > static_cast<std::uint64_t>(INT64_MAX)) fail("column '" + std::string(column) + "' is too large");
  return static_cast<std::int64_t>(v);
}

std::optional<MicroUsd> csv_amount(std::string_view s, MicroUsd micro_per_unit, std::string_view column) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (auto m = parse_decimal_micro(s, micro_per_unit)) return m;
  if (s.find_first_of("eE") != std::string_view::npos) {
    const std::string tmp(s);
    char* end = nullptr;
    const double d = std::strtod(tmp.c_str(), &end);
    if (end == tmp.c_str() + tmp.size())
      if (auto m = double_to_micro(d, micro_per_unit)) return m;
  }
  fail("column '" + std::string(column) + "' is not a decimal amount: " + quoted(s));
}

void read_csv(Ingestor::Impl& ing, InputSource& src, std::optional<ExportFormat> format) {
  CsvReader csv([&src](char* dst, std::size_t cap) { return src.read(dst, cap); });
  if (!csv.next()) return;
  if (!csv.error().empty())
    throw InputError(Location{ing.file(), static_cast<int>(csv.line())}, "CSV header: " + csv.error());
  const CsvHeader header(csv.fields());
  if (!format) format = detect_csv(header);
  if (!format) {
    std::string cols;
    for (std::size_t i = 0; i < header.names().size() && i < 8; ++i)
      cols += (i ? ", " : "") + header.names()[i];
    throw InputError(Location{ing.file(), static_cast<int>(csv.line())},
                     "CSV header matches no known export (columns: " + cols +
                         "); use --format or see docs/formats.md");
  }
  ing.note_format(*format);
  switch (*format) {
    case ExportFormat::litellm_spend_logs: read_litellm_spend_logs(ing, csv, header); break;
    case ExportFormat::litellm_daily: read_litellm_daily(ing, csv, header); break;
    case ExportFormat::canonical: read_canonical(ing, csv, header); break;
    default: throw InputError(Location{ing.file()}, std::string(format_name(*format)) + " is not a CSV format");
  }
}

}  // namespace goodhart::engine::detail
