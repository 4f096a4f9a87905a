#include "goodhart/engine/yaml_util.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace goodhart::engine {

Location location_of(const YAML::Node& node, const std::string& file) {
  Location loc{file, 0, 0, -1};
  if (node.IsDefined()) {
    const YAML::Mark m = node.Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;
      loc.col = m.column + 1;
    }
  }
  return loc;
}

YAML::Node load_yaml_string(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Location loc{name, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                 e.mark.column >= 0 ? e.mark.column + 1 : 0, -1};
    throw InputError(loc, "YAML syntax error: " + e.msg);
  }
}

YAML::Node load_yaml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Location{path}, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_yaml_string(ss.str(), path);
}

void DiagnosticList::fail(const YAML::Node& at, const std::string& message) {
  items_.push_back(Diagnostic{location_of(at, file_), message});
}

void DiagnosticList::fail(Location at, const std::string& message) {
  items_.push_back(Diagnostic{std::move(at), message});
}

void DiagnosticList::throw_if_any() const {
  if (items_.empty()) return;
  auto sorted = items_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.where.line, a.where.col) < std::tie(b.where.line, b.where.col);
  });
  throw InputError(std::move(sorted));
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::optional<std::string> did_you_mean(std::string_view key,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(key, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (!best) return std::nullopt;
  std::size_t limit = std::max<std::size_t>(2, std::min(key.size(), best->size()) / 3);
  bool prefix = best->rfind(std::string(key), 0) == 0 || std::string(key).rfind(*best, 0) == 0;
  if (best_d <= limit || (prefix && key.size() >= 3)) return best;
  return std::nullopt;
}

void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                DiagnosticList& diags) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string msg = "unknown key '" + key + "'";
    if (auto s = did_you_mean(key, allowed)) msg += "; did you mean '" + *s + "'?";
    diags.fail(kv.first, msg);
  }
}

void check_keys(const YAML::Node& map, std::initializer_list<const char*> allowed,
                DiagnosticList& diags) {
  check_keys(map, std::vector<std::string>(allowed.begin(), allowed.end()), diags);
}

std::optional<Date> read_date(const YAML::Node& map, const char* key, DiagnosticList& diags) {
  const YAML::Node v = map[key];
  if (!v) return std::nullopt;
  if (v.IsScalar())
    if (auto d = parse_date(v.Scalar()); d && v.Scalar().size() == 10) return d;
  diags.fail(v, std::string("'") + key + "' must be a date YYYY-MM-DD");
  return std::nullopt;
}

}  // namespace goodhart::engine
