#include "goodhart/sim/sweep.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <mutex>
#include <sstream>

#include "goodhart/engine/output.hpp"
#include "goodhart/engine/schema.hpp"
#include "goodhart/engine/stats.hpp"
#include "goodhart/engine/yaml_util.hpp"
#include "goodhart/sim/report.hpp"
#include "goodhart/sim/run.hpp"
#include "work_pool.hpp"

namespace goodhart::sim {

using engine::DiagnosticList;
using engine::InputError;
using engine::joined;
using engine::split;
using engine::Location;
using engine::SchemaNode;
using engine::SchemaType;

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxPoints = 1'000'000;

const std::vector<std::string>& default_outputs() {
  static const std::vector<std::string> v{"spend_usd", "value_usd", "value_per_usd",
                                          "theatre_share"};
  return v;
}

const std::vector<std::pair<std::string, SweepDesign>>& designs() {
  static const std::vector<std::pair<std::string, SweepDesign>> d{
      {"grid", SweepDesign::grid},         {"lhs", SweepDesign::lhs},
      {"sobol", SweepDesign::sobol},       {"saltelli", SweepDesign::saltelli},
      {"oat", SweepDesign::oat}};
  return d;
}

// YAML text of a value, in flow style; quoted scalars stay quoted so "1" remains text.
void emit(YAML::Emitter& e, const YAML::Node& n) {
  if (n.IsScalar()) {
    if (n.Tag() == "!") e << YAML::DoubleQuoted << n.Scalar();
    else e << n.Scalar();
  } else if (n.IsSequence()) {
    e << YAML::Flow << YAML::BeginSeq;
    for (const auto& x : n) emit(e, x);
    e << YAML::EndSeq;
  } else if (n.IsMap()) {
    e << YAML::Flow << YAML::BeginMap;
    for (const auto& kv : n) {
      e << YAML::Key;
      emit(e, kv.first);
      e << YAML::Value;
      emit(e, kv.second);
    }
    e << YAML::EndMap;
  } else {
    e << YAML::Null;
  }
}

std::string yaml_text(const YAML::Node& n) {
  YAML::Emitter e;
  emit(e, n);
  return e.c_str();
}

// The schema leaf at a dotted scenario path (list and map elements by name, names may
// contain dots), or nullptr when the path does not lead to one.
const SchemaNode* leaf_schema(const SchemaNode& s, const std::vector<std::string>& seg,
                              std::size_t i) {
  if (i >= seg.size()) return nullptr;
  const SchemaNode* c = s.child(seg[i]);
  if (c == nullptr) return nullptr;
  if (i + 1 == seg.size()) return c;
  switch (c->type) {
    case SchemaType::object:
      return leaf_schema(*c, seg, i + 1);
    case SchemaType::object_list:
    case SchemaType::object_map:
      // The element name spans seg[i+1 .. j-1]; prefer the longest, as the loader does.
      for (std::size_t j = seg.size() - 1; j > i + 1; --j)
        if (const SchemaNode* r = leaf_schema(*c, seg, j)) return r;
      return nullptr;
    default:
      return nullptr;
  }
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex(std::uint64_t h) {
  std::ostringstream os;
  os << std::hex << std::setw(16) << std::setfill('0') << h;
  return os.str();
}

std::string number_text(double v) {
  if (std::isnan(v)) return "";
  return engine::format_number(v);
}

std::string read_text_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError(Location{p.string()}, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Duplicate keys in a mapping (yaml-cpp keeps one silently).
void check_duplicates(const YAML::Node& map, DiagnosticList& diags) {
  if (!engine::is_map(map)) return;
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!seen.insert(k).second) diags.fail(kv.first, "duplicate key '" + k + "'");
  }
}

// ---- reading the sweep block ----

struct Reader {
  DiagnosticList& diags;

  std::optional<std::int64_t> integer(const YAML::Node& map, const char* key, std::int64_t lo,
                                      std::int64_t hi) {
    const YAML::Node v = map[key];
    if (!v.IsDefined()) return std::nullopt;
    const auto x = engine::as_integer(v);
    if (!x) {
      diags.fail(v, std::string("'") + key + "' must be an integer");
      return std::nullopt;
    }
    if (*x < lo || *x > hi) {
      diags.fail(v, std::string("'") + key + "' must be in [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "], not " + std::to_string(*x));
      return std::nullopt;
    }
    return x;
  }

  std::optional<double> number(const YAML::Node& map, const char* key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined()) return std::nullopt;
    const auto x = engine::as_number(v);
    if (!x || !std::isfinite(*x)) {
      diags.fail(v, std::string("'") + key + "' must be a number");
      return std::nullopt;
    }
    return x;
  }

  std::optional<std::string> text(const YAML::Node& map, const char* key) {
    const YAML::Node v = map[key];
    if (!v.IsDefined()) return std::nullopt;
    if (!engine::is_scalar(v) || v.Scalar().empty()) {
      diags.fail(v, std::string("'") + key + "' must be text");
      return std::nullopt;
    }
    return v.Scalar();
  }

  // A list of distinct names; `allowed` (if not empty) restricts them.
  std::vector<std::string> names(const YAML::Node& map, const char* key,
                                 const std::vector<std::string>& allowed,
                                 std::vector<Location>* where, const std::string& file) {
    std::vector<std::string> out;
    const YAML::Node v = map[key];
    if (!v.IsDefined()) return out;
    if (!engine::is_seq(v) || v.size() == 0) {
      diags.fail(v, std::string("'") + key + "' must be a non-empty list of names");
      return out;
    }
    for (const auto& item : v) {
      const auto t = engine::as_text(item);
      if (!t) {
        diags.fail(item, std::string("'") + key + "' must list names");
        continue;
      }
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), *t) == allowed.end()) {
        std::string msg = "unknown " + std::string(key == std::string("outputs") ? "output" : key) +
                          " '" + *t + "'";
        if (auto g = engine::did_you_mean(*t, allowed)) msg += "; did you mean '" + *g + "'?";
        diags.fail(item, msg);
        continue;
      }
      if (std::find(out.begin(), out.end(), *t) != out.end()) {
        diags.fail(item, "'" + *t + "' is listed twice");
        continue;
      }
      out.push_back(*t);
      if (where) where->push_back(engine::location_of(item, file));
    }
    return out;
  }
};

SweepDefinition parse_sweep(const std::string& text, const std::string& file,
                            const fs::path& base_dir) {
  const YAML::Node root = engine::load_yaml_string(text, file);
  DiagnosticList diags(file);
  SweepDefinition def;
  def.file = file;
  def.text = text;
  if (!engine::is_map(root)) {
    diags.fail(Location{file, 1, 1}, "a sweep file is a mapping with one key, 'sweep'");
    diags.throw_if_any();
  }
  if (!root["sweep"].IsDefined()) {
    diags.fail(Location{file, 1, 1},
               "not a sweep file: expected a top-level 'sweep:' block (the scenario it varies "
               "is named inside it, as 'scenario:')");
    diags.throw_if_any();
  }
  engine::check_keys(root, {"sweep"}, diags);
  const YAML::Node s = root["sweep"];
  if (!engine::is_map(s)) {
    diags.fail(s.IsDefined() ? engine::location_of(s, file) : Location{file, 1, 1},
               "'sweep' must be a mapping (scenario, design, parameters, ...)");
    diags.throw_if_any();
  }
  check_duplicates(s, diags);
  engine::check_keys(s,
                     {"name", "description", "scenario", "set", "design", "points", "levels",
                      "replicates", "seed", "common_random_numbers", "outputs", "variants",
                      "parameters"},
                     diags);
  Reader r{diags};
  def.name = r.text(s, "name").value_or("");
  def.description = r.text(s, "description").value_or("");

  if (const auto sc = r.text(s, "scenario")) {
    fs::path p(*sc);
    if (p.is_relative()) p = base_dir / p;
    def.scenario_file = p.lexically_normal().string();
    def.scenario_at = engine::location_of(s["scenario"], file);
  } else if (!s["scenario"].IsDefined()) {
    diags.fail(s, "missing 'scenario' (the scenario file to sweep, relative to this file)");
  }

  bool design_ok = false;
  if (const YAML::Node d = s["design"]; d.IsDefined()) {
    const auto t = engine::as_text(d);
    std::vector<std::string> names;
    for (const auto& [n, v] : designs()) {
      names.push_back(n);
      if (t && *t == n) {
        def.design = v;
        design_ok = true;
      }
    }
    if (!design_ok) {
      std::string msg = "unknown design '" + t.value_or("") + "' (designs: " + joined(names) + ")";
      if (t)
        if (auto g = engine::did_you_mean(*t, names)) msg += "; did you mean '" + *g + "'?";
      diags.fail(d, msg);
    }
  } else {
    diags.fail(s, "missing 'design' (grid, lhs, sobol, saltelli or oat)");
  }

  const auto points = r.integer(s, "points", 1, static_cast<std::int64_t>(kMaxPoints));
  const auto levels = r.integer(s, "levels", 1, 1000);
  if (design_ok) {
    const bool wants_points = def.design == SweepDesign::lhs || def.design == SweepDesign::sobol ||
                              def.design == SweepDesign::saltelli;
    if (wants_points && !s["points"].IsDefined())
      diags.fail(s["design"], std::string("design ") + design_name(def.design) +
                                  " needs 'points'" +
                                  (def.design == SweepDesign::saltelli
                                       ? " (base rows: the sweep runs points x (parameters + 2))"
                                       : ""));
    if (!wants_points && s["points"].IsDefined())
      diags.fail(s["points"], std::string("'points' has no meaning for design ") +
                                  design_name(def.design) +
                                  (def.design == SweepDesign::grid
                                       ? " (use 'levels' for the levels of each range)"
                                       : " (it runs 1 + 2 x parameters points)"));
    if (def.design != SweepDesign::grid && s["levels"].IsDefined())
      diags.fail(s["levels"], "'levels' is for design grid only");
  }
  if (points) def.points = static_cast<std::size_t>(*points);
  if (levels) def.levels = static_cast<int>(*levels);
  if (const auto rep = r.integer(s, "replicates", 1, 1'000'000))
    def.replicates = static_cast<int>(*rep);
  if (const YAML::Node v = s["seed"]; v.IsDefined()) {
    if (const auto u = engine::as_unsigned(v)) def.seed = *u;
    else diags.fail(v, "'seed' must be a non-negative integer");
  }
  if (const YAML::Node v = s["common_random_numbers"]; v.IsDefined()) {
    if (const auto b = engine::as_boolean(v)) def.common_random_numbers = *b;
    else diags.fail(v, "'common_random_numbers' must be true or false");
  }
  def.outputs = r.names(s, "outputs", figure_names(), nullptr, file);
  if (!s["outputs"].IsDefined()) def.outputs = default_outputs();
  def.variants = r.names(s, "variants", {}, &def.variants_at, file);

  if (const YAML::Node set = s["set"]; set.IsDefined()) {
    if (!engine::is_map(set)) {
      diags.fail(set, "'set' must map dotted scenario paths to values");
    } else {
      check_duplicates(set, diags);
      for (const auto& kv : set) {
        const auto path = engine::as_text(kv.first);
        if (!path) {
          diags.fail(kv.first, "'set' keys are dotted scenario paths");
          continue;
        }
        def.set.emplace_back(*path, yaml_text(kv.second));
        def.set_at.push_back(engine::location_of(kv.first, file));
      }
    }
  }

  const YAML::Node params = s["parameters"];
  if (!params.IsDefined()) {
    diags.fail(s, "missing 'parameters' (a list of {path, values} or {path, min, max})");
  } else if (!engine::is_seq(params) || params.size() == 0) {
    diags.fail(params, "'parameters' must be a non-empty list");
  } else {
    static const std::vector<std::string> reserved{"point", "shard", "variant", "seed"};
    for (const auto& p : params) {
      if (!engine::is_map(p)) {
        diags.fail(p, "a parameter is a mapping: {path, values} or {path, min, max}");
        continue;
      }
      check_duplicates(p, diags);
      engine::check_keys(p, {"path", "name", "values", "min", "max", "scale", "levels", "base"},
                         diags);
      SweepParameter sp;
      sp.at = engine::location_of(p, file);
      const auto path = r.text(p, "path");
      if (!path) {
        if (!p["path"].IsDefined())
          diags.fail(p, "a parameter needs 'path' (a dotted scenario path)");
        continue;
      }
      sp.path = *path;
      sp.name = r.text(p, "name").value_or(sp.path);
      const bool has_values = p["values"].IsDefined();
      const bool has_range = p["min"].IsDefined() || p["max"].IsDefined();
      if (has_values == has_range) {
        diags.fail(p, "parameter '" + sp.path +
                          "' needs either 'values' (a list) or 'min' and 'max' (a range)");
        continue;
      }
      if (has_values) {
        const YAML::Node v = p["values"];
        if (!engine::is_seq(v) || v.size() == 0) {
          diags.fail(v, "'values' must be a non-empty list");
          continue;
        }
        for (const auto& item : v) sp.values.push_back(yaml_text(item));
        for (const char* k : {"scale", "levels"})
          if (p[k].IsDefined())
            diags.fail(p[k], std::string("'") + k +
                                 "' applies to a range (min, max), not to values");
      } else {
        const auto lo = r.number(p, "min"), hi = r.number(p, "max");
        if (!p["min"].IsDefined() || !p["max"].IsDefined()) {
          diags.fail(p, "parameter '" + sp.path + "' needs both 'min' and 'max'");
          continue;
        }
        if (!lo || !hi) continue;
        sp.min = *lo;
        sp.max = *hi;
        if (!(sp.min < sp.max)) {
          diags.fail(p["max"],
                     "'max' must be greater than 'min' (" + engine::format_number(sp.min) + ")");
          continue;
        }
        if (const YAML::Node sc = p["scale"]; sc.IsDefined()) {
          const auto t = engine::as_text(sc);
          if (t == "log") sp.log_scale = true;
          else if (t != "linear") diags.fail(sc, "'scale' must be linear or log");
        }
        if (sp.log_scale && sp.min <= 0)
          diags.fail(p["min"], "a log scale needs 'min' > 0");
        if (const auto l = r.integer(p, "levels", 1, 1000)) {
          sp.levels = static_cast<int>(*l);
          if (design_ok && def.design != SweepDesign::grid)
            diags.fail(p["levels"], "'levels' is for design grid only");
        }
      }
      if (const YAML::Node b = p["base"]; b.IsDefined()) {
        sp.base = yaml_text(b);
        if (design_ok && def.design != SweepDesign::oat)
          diags.fail(b, "'base' is for design oat (one at a time) only");
      }
      const bool clash =
          std::find(reserved.begin(), reserved.end(), sp.name) != reserved.end() ||
          std::any_of(figure_names().begin(), figure_names().end(), [&](const std::string& f) {
            return sp.name == f + "_p50" || sp.name == f + "_mean";
          });
      if (clash)
        diags.fail(p, "parameter name '" + sp.name +
                          "' is also a results column; give it another 'name'");
      for (const auto& q : def.parameters) {
        if (q.path == sp.path) diags.fail(p, "parameter '" + sp.path + "' is listed twice");
        else if (q.name == sp.name) diags.fail(p, "two parameters are named '" + sp.name + "'");
      }
      def.parameters.push_back(std::move(sp));
    }
  }
  if (design_ok && !def.parameters.empty()) {
    const std::size_t d = def.parameters.size();
    std::size_t max_d = 1000;
    if (def.design == SweepDesign::saltelli) max_d = engine::SobolSequence::kMaxDims / 2;
    if (def.design == SweepDesign::sobol) max_d = engine::SobolSequence::kMaxDims;
    if (d > max_d)
      diags.fail(params, std::string("design ") + design_name(def.design) + " takes at most " +
                             std::to_string(max_d) + " parameters, not " + std::to_string(d));
  }
  diags.throw_if_any();
  return def;
}

// ---- design ----

std::string value_text(const SweepParameter& p, double u) {
  if (!p.is_range()) {
    const std::size_t k = p.values.size();
    return p.values[std::min(static_cast<std::size_t>(u * static_cast<double>(k)), k - 1)];
  }
  double x;
  if (u <= 0) x = p.min;
  else if (u >= 1) x = p.max;
  else if (p.log_scale) x = std::exp(std::log(p.min) + u * (std::log(p.max) - std::log(p.min)));
  else x = p.min + u * (p.max - p.min);
  if (p.integer) return std::to_string(std::llround(x));
  return engine::format_number(x);
}

std::vector<std::vector<std::string>> design_values(const SweepDefinition& def,
                                                    const std::vector<std::string>& base,
                                                    std::uint64_t seed) {
  const auto& ps = def.parameters;
  const std::size_t d = ps.size();
  std::vector<std::vector<std::string>> out;
  auto from_unit = [&](const engine::UnitDesign& u) {
    out.reserve(u.rows);
    for (std::size_t k = 0; k < u.rows; ++k) {
      std::vector<std::string> row;
      for (std::size_t j = 0; j < d; ++j) row.push_back(value_text(ps[j], u.at(k, j)));
      out.push_back(std::move(row));
    }
  };
  switch (def.design) {
    case SweepDesign::grid: {
      std::vector<std::size_t> levels;
      for (const auto& p : ps)
        levels.push_back(p.is_range() ? static_cast<std::size_t>(p.levels ? p.levels : def.levels)
                                      : p.values.size());
      const std::size_t n = engine::grid_size(levels);
      if (n > kMaxPoints)
        throw InputError(Location{def.file}, "the grid has " + std::to_string(n) +
                                                 " points; a sweep has at most " +
                                                 std::to_string(kMaxPoints));
      for (std::size_t k = 0; k < n; ++k) {
        const auto g = engine::grid_point(k, levels);
        std::vector<std::string> row;
        for (std::size_t j = 0; j < d; ++j) {
          if (!ps[j].is_range()) {
            row.push_back(ps[j].values[g[j]]);
          } else {
            const double u = levels[j] == 1 ? 0.5
                                            : static_cast<double>(g[j]) /
                                                  static_cast<double>(levels[j] - 1);
            row.push_back(value_text(ps[j], u));
          }
        }
        out.push_back(std::move(row));
      }
      break;
    }
    case SweepDesign::lhs:
      // A stream of its own, so the design does not share numbers with the point seeds.
      from_unit(engine::latin_hypercube(def.points, d, seed ^ 0x4c48532d64657369ULL));
      break;
    case SweepDesign::sobol:
      from_unit(engine::sobol_points(def.points, d, 0));
      break;
    case SweepDesign::saltelli:
      if (const std::size_t rows = engine::saltelli_rows(def.points, d); rows > kMaxPoints)
        throw InputError(Location{def.file}, "the Saltelli design has " + std::to_string(rows) +
                                                 " points; a sweep has at most " +
                                                 std::to_string(kMaxPoints));
      from_unit(engine::saltelli_design(def.points, d));
      break;
    case SweepDesign::oat: {
      out.push_back(base);
      for (std::size_t j = 0; j < d; ++j) {
        for (double u : {0.0, 1.0}) {
          auto row = base;
          row[j] = value_text(ps[j], u);
          out.push_back(std::move(row));
        }
      }
      break;
    }
  }
  return out;
}

std::string describe_point(const SweepDefinition& def, const std::vector<std::string>& values) {
  std::string s;
  for (std::size_t j = 0; j < def.parameters.size(); ++j)
    s += (j ? ", " : "") + def.parameters[j].name + " = " + values[j];
  return s;
}

InputError with_prefix(const InputError& e, const std::string& prefix,
                       std::optional<Location> at = std::nullopt) {
  std::vector<engine::Diagnostic> ds;
  for (const auto& d : e.diagnostics())
    ds.push_back({at && d.where.line == 0 ? *at : d.where, prefix + d.message});
  if (ds.empty()) ds.push_back({at.value_or(Location{}), prefix + e.what()});
  return InputError(std::move(ds));
}

}  // namespace

const char* design_name(SweepDesign d) {
  for (const auto& [n, v] : designs())
    if (v == d) return n.c_str();
  return "?";
}

SweepDefinition load_sweep_file(const std::string& path) {
  const std::string text = read_text_file(path);
  fs::path dir = fs::path(path).parent_path();
  return parse_sweep(text, path, dir.empty() ? fs::path(".") : dir);
}

SweepDefinition load_sweep_string(const std::string& yaml, const std::string& name,
                                  const fs::path& base_dir) {
  return parse_sweep(yaml, name, base_dir);
}

Shard parse_shard(const std::string& text) {
  const auto parts = split(text, '/');
  auto num = [](const std::string& s) -> std::optional<std::size_t> {
    std::size_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  };
  if (parts.size() == 2) {
    const auto i = num(parts[0]), n = num(parts[1]);
    if (i && n && *n >= 1 && *i < *n) return Shard{*i, *n};
  }
  throw InputError(Location{"--shard"}, "'" + text +
                                            "' is not a shard: give i/n with 0 <= i < n "
                                            "(e.g. 0/4; a Slurm array uses "
                                            "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)");
}

// ---------------------------------------------------------------- Sweep

Sweep::Sweep(SweepDefinition def, std::optional<int> replicates)
    : def_(std::move(def)) {
  if (replicates && *replicates < 1)
    throw InputError(Location{def_.file}, "replicates must be at least 1");
  {
    std::error_code ec;
    if (!fs::is_regular_file(def_.scenario_file, ec))
      throw InputError(def_.scenario_at, "scenario file '" + def_.scenario_file +
                                             "' does not exist (a relative 'scenario' is read "
                                             "from the sweep file's directory)");
  }
  scenario_text_ = read_text_file(def_.scenario_file);
  ScenarioDocument doc = ScenarioDocument::from_string(scenario_text_, def_.scenario_file);

  DiagnosticList diags(def_.file);
  for (std::size_t i = 0; i < def_.set.size(); ++i) {
    try {
      doc.set_from_string(def_.set[i].first, def_.set[i].second);
    } catch (const InputError& e) {
      for (const auto& d : e.diagnostics()) diags.fail(def_.set_at[i], d.message);
    }
  }
  diags.throw_if_any();
  const Scenario scenario = doc.build();  // the scenario's own problems, at its own locations
  replicates_ = replicates.value_or(def_.replicates.value_or(scenario.monte_carlo.replicates));
  seed_ = def_.seed.value_or(scenario.monte_carlo.seed);

  if (def_.variants.empty()) def_.variants = {"base"};
  const auto names = doc.variant_names();
  for (std::size_t i = 0; i < def_.variants.size(); ++i) {
    const std::string& v = def_.variants[i];
    if (v == "base") continue;
    if (std::find(names.begin(), names.end(), v) == names.end()) {
      std::string msg = "unknown variant '" + v + "' in " + def_.scenario_file;
      if (auto g = engine::did_you_mean(v, names)) msg += "; did you mean '" + *g + "'?";
      msg += names.empty() ? " (it has no variants; 'base' is the scenario as written)"
                           : " (variants: base, " + joined(names) + ")";
      diags.fail(i < def_.variants_at.size() ? def_.variants_at[i] : Location{def_.file}, msg);
    }
  }
  diags.throw_if_any();

  // Each parameter's extreme values must be accepted by the scenario on their own; a
  // combination can still fail, and then the point that has it says so.
  std::vector<std::string> base_values;
  const auto& schema = scenario_schema();
  for (auto& p : def_.parameters) {
    const SchemaNode* leaf = leaf_schema(schema, split(p.path, '.'), 0);
    p.integer = leaf != nullptr && leaf->type == SchemaType::integer;
    if (p.is_range() && leaf != nullptr && leaf->type != SchemaType::integer &&
        leaf->type != SchemaType::number) {
      diags.fail(p.at, "parameter '" + p.path +
                           "' is not a number; give it 'values' instead of a range");
      base_values.emplace_back();
      continue;
    }
    std::string base_value;
    if (p.base) {
      base_value = *p.base;
    } else {
      try {
        base_value = yaml_text(doc.get(p.path));
      } catch (const InputError&) {
        base_value = p.is_range() ? value_text(p, 0.5) : p.values[p.values.size() / 2];
      }
    }
    base_values.push_back(base_value);
    std::vector<std::string> candidates;
    if (p.is_range()) candidates = {value_text(p, 0.0), value_text(p, 1.0)};
    else candidates = p.values;
    if (def_.design == SweepDesign::oat) candidates.push_back(base_value);
    for (const auto& c : candidates) {
      try {
        ScenarioDocument trial = ScenarioDocument::from_string(scenario_text_, def_.scenario_file);
        for (const auto& [path, value] : def_.set) trial.set_from_string(path, value);
        trial.set_from_string(p.path, c);
        trial.build();
      } catch (const InputError& e) {
        for (const auto& d : e.diagnostics()) {
          std::string msg = d.message;
          const std::string own = "cannot set '" + p.path + "': ";
          if (msg.rfind(own, 0) == 0) msg = msg.substr(own.size());
          else if (msg.rfind("cannot set", 0) != 0)
            msg = "with " + p.path + " = " + c + ", " + d.where.str() + ": " + msg;
          diags.fail(p.at, "parameter '" + p.path + "': " + msg);
        }
        break;  // one value's problems are enough
      }
    }
  }
  diags.throw_if_any();
  values_ = design_values(def_, base_values, seed_);
}

std::uint64_t Sweep::point_seed(std::size_t point) const {
  if (def_.common_random_numbers) return seed_;
  engine::SplitMix64 s(seed_ + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(point));
  return s.next();
}

std::vector<std::string> Sweep::columns() const {
  std::vector<std::string> c{"point", "shard"};
  for (const auto& p : def_.parameters) c.push_back(p.name);
  c.push_back("variant");
  for (const auto& o : def_.outputs) {
    c.push_back(o + "_p50");
    c.push_back(o + "_mean");
  }
  c.push_back("seed");
  return c;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::string Sweep::csv_header() const {
  std::string s;
  const auto cols = columns();
  for (std::size_t i = 0; i < cols.size(); ++i) s += (i ? "," : "") + csv_field(cols[i]);
  return s + "\n";
}

std::string Sweep::csv_line(const SweepRow& row) const {
  std::string s = std::to_string(row.point) + "," + csv_field(row.shard);
  for (const auto& v : row.values) s += "," + csv_field(v);
  s += "," + csv_field(row.variant);
  for (std::size_t i = 0; i < row.p50.size(); ++i)
    s += "," + number_text(row.p50[i]) + "," + number_text(row.mean[i]);
  return s + "," + std::to_string(row.seed) + "\n";
}

std::string Sweep::sweep_hash() const { return hex(fnv1a(def_.text)); }
std::string Sweep::scenario_hash() const { return hex(fnv1a(scenario_text_)); }
std::string Sweep::definition_hash() const {
  std::uint64_t h = fnv1a(def_.text);
  h = fnv1a(std::string(1, '\0') + scenario_text_, h);
  h = fnv1a(std::string(1, '\0') + std::to_string(replicates_), h);
  return hex(h);
}

std::string Sweep::manifest_json() const {
  nlohmann::json j;
  j["goodhart_version"] = GOODHART_VERSION;
  j["sweep_file"] = def_.file;
  j["scenario_file"] = def_.scenario_file;
  j["name"] = def_.name;
  j["design"] = design_name(def_.design);
  j["points"] = size();
  j["replicates"] = replicates_;
  j["seed"] = seed_;
  j["common_random_numbers"] = def_.common_random_numbers;
  j["outputs"] = def_.outputs;
  j["variants"] = def_.variants;
  nlohmann::json ps = nlohmann::json::array();
  for (const auto& p : def_.parameters) {
    nlohmann::json q{{"name", p.name}, {"path", p.path}};
    if (p.is_range()) {
      q["min"] = p.min;
      q["max"] = p.max;
      q["scale"] = p.log_scale ? "log" : "linear";
    } else {
      q["values"] = p.values;
    }
    ps.push_back(q);
  }
  j["parameters"] = ps;
  if (def_.design == SweepDesign::saltelli) j["base_rows"] = def_.points;
  j["columns"] = columns();
  j["sweep_hash"] = sweep_hash();
  j["scenario_hash"] = scenario_hash();
  j["definition_hash"] = definition_hash();
  return j.dump(2) + "\n";
}

std::vector<SweepRow> Sweep::run_point(std::size_t point, int threads,
                                       std::atomic<std::int64_t>* progress,
                                       const Shard& shard) const {
  const auto& vals = values_.at(point);
  RunResult run;
  try {
    // A document of its own, parsed from the text: no YAML node is shared between threads.
    ScenarioDocument doc = ScenarioDocument::from_string(scenario_text_, def_.scenario_file);
    for (const auto& [path, value] : def_.set) doc.set_from_string(path, value);
    for (std::size_t j = 0; j < vals.size(); ++j)
      doc.set_from_string(def_.parameters[j].path, vals[j]);
    RunOptions o;
    o.replicates = replicates_;
    o.seed = point_seed(point);
    o.threads = std::max(1, threads);
    o.progress = progress;
    run = run_scenario(doc, def_.variants, o);
  } catch (const InputError& e) {
    throw with_prefix(e, "point " + std::to_string(point) + " (" + describe_point(def_, vals) +
                             "): ");
  }
  std::vector<SweepRow> rows;
  for (const auto& v : run.variants) {
    SweepRow r;
    r.point = point;
    r.shard = shard.str();
    r.values = vals;
    r.variant = v.name;
    r.seed = run.seed;
    for (const auto& o : def_.outputs) {
      const Band b = figure_band(v, o);
      r.p50.push_back(b.p50);
      r.mean.push_back(b.mean);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// ---------------------------------------------------------------- results files

std::string results_file_name(const Shard& shard) {
  if (shard.count == 1) return "results.csv";
  return "results.shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) +
         ".csv";
}

namespace {

bool is_results_file(const fs::path& p) {
  const std::string n = p.filename().string();
  return n == "results.csv" ||
         (n.rfind("results.shard-", 0) == 0 && n.size() > 4 && n.substr(n.size() - 4) == ".csv");
}

std::vector<fs::path> results_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && is_results_file(e.path())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return kNaN;
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

template <class T>
std::optional<T> parse_unsigned(const std::string& s) {
  T v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A complete data line of a results file, or nullopt if it does not parse.
std::optional<SweepRow> parse_row(const Sweep& sweep, const std::string& line) {
  const auto f = split_csv_line(line);
  const std::size_t d = sweep.dims(), no = sweep.definition().outputs.size();
  if (f.size() != 2 + d + 1 + 2 * no + 1) return std::nullopt;
  SweepRow r;
  const auto point = parse_unsigned<std::size_t>(f[0]);
  const auto seed = parse_unsigned<std::uint64_t>(f.back());
  if (!point || !seed || *point >= sweep.size()) return std::nullopt;
  r.point = *point;
  r.shard = f[1];
  r.values.assign(f.begin() + 2, f.begin() + 2 + static_cast<long>(d));
  r.variant = f[2 + d];
  for (std::size_t i = 0; i < no; ++i) {
    const auto a = parse_double(f[3 + d + 2 * i]), b = parse_double(f[4 + d + 2 * i]);
    if (!a || !b) return std::nullopt;
    r.p50.push_back(*a);
    r.mean.push_back(*b);
  }
  r.seed = *seed;
  const auto& vs = sweep.definition().variants;
  if (std::find(vs.begin(), vs.end(), r.variant) == vs.end()) return std::nullopt;
  return r;
}

struct FileScan {
  std::vector<SweepRow> rows;        // complete points only
  std::size_t keep_bytes = 0;        // length of the valid prefix
  bool header_ok = false;
  bool empty = true;
};

// Reads a results file: the header, then complete lines; a point counts when all of its
// variant rows are there (they are written together).
FileScan scan_results(const Sweep& sweep, const fs::path& path, const std::string& content) {
  FileScan s;
  s.empty = content.empty();
  const std::string header = sweep.csv_header();
  const std::size_t nl = content.find('\n');
  if (nl == std::string::npos) return s;  // at most a partial header
  if (content.compare(0, nl + 1, header) != 0)
    throw InputError(Location{path.string(), 1, 1},
                     "the columns of this results file are not those of the sweep (expected: " +
                         header.substr(0, header.size() - 1) +
                         "); it belongs to another sweep: use another --out directory");
  s.header_ok = true;
  s.keep_bytes = nl + 1;
  const std::size_t nv = sweep.definition().variants.size();
  std::vector<SweepRow> group;
  std::size_t pos = nl + 1;
  long line_no = 1;
  while (pos < content.size()) {
    const std::size_t end = content.find('\n', pos);
    if (end == std::string::npos) break;  // a partial last line
    ++line_no;
    auto row = parse_row(sweep, content.substr(pos, end - pos));
    if (!row)
      throw InputError(Location{path.string(), static_cast<int>(line_no), 1},
                       "this line is not a row of the sweep's results (edited by hand?); "
                       "remove it and rerun to run that point again");
    if (!group.empty() && group.front().point != row->point) group.clear();
    group.push_back(std::move(*row));
    pos = end + 1;
    if (group.size() == nv) {
      for (auto& g : group) s.rows.push_back(std::move(g));
      group.clear();
      s.keep_bytes = pos;
    }
  }
  return s;
}

void write_all(int fd, const std::string& data, const fs::path& path) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0)
    throw std::runtime_error("cannot sync " + path.string() + ": " + std::strerror(errno));
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

SweepCheckpoint::SweepCheckpoint(const Sweep& sweep, const fs::path& dir, const Shard& shard)
    : sweep_(sweep), file_(dir / results_file_name(shard)) {
  fs::create_directories(dir);
  const fs::path manifest = dir / "sweep.json";
  if (fs::exists(manifest)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_text_file(manifest));
    } catch (const nlohmann::json::exception& e) {
      throw InputError(Location{manifest.string()},
                       std::string("not a sweep manifest (") + e.what() +
                           "); use another --out directory");
    }
    if (j.value("definition_hash", "") != sweep.definition_hash()) {
      std::vector<std::string> what;
      if (j.value("sweep_hash", "") != sweep.sweep_hash()) what.push_back("the sweep file changed");
      if (j.value("scenario_hash", "") != sweep.scenario_hash())
        what.push_back("the scenario file changed");
      if (j.value("replicates", -1) != sweep.replicates())
        what.push_back("replicates were " + std::to_string(j.value("replicates", -1)) + ", now " +
                       std::to_string(sweep.replicates()));
      if (what.empty()) what.push_back("the definition hash differs");
      throw InputError(
          Location{manifest.string()},
          "the results in " + dir.string() + " come from another definition of this sweep (" +
              joined(what, "; ") +
              "). Mixing them would give a wrong result: restore the definition to resume, or "
              "use a new --out directory (or delete this one) to start again");
    }
  } else {
    // Shards write the manifest before their results file, so results without one were
    // left by something else (or the manifest was deleted): their definition is unknown.
    if (!results_files(dir).empty())
      throw InputError(Location{manifest.string()},
                       "missing: " + dir.string() +
                           " holds sweep results but no sweep.json, so which definition they "
                           "come from is unknown; restore sweep.json or use another --out "
                           "directory");
    engine::write_file_atomic(manifest, sweep.manifest_json());
    sync_directory(dir);
  }

  for (const auto& path : results_files(dir)) {
    const bool own = path.filename() == file_.filename();
    const std::string content = read_text_file(path);
    const FileScan s = scan_results(sweep, path, content);
    for (const auto& r : s.rows) done_.insert(r.point);
    if (own && s.keep_bytes < content.size()) {
      // Drop what a killed run left half-written: a partial line or part of a point's rows.
      fs::resize_file(path, s.header_ok ? s.keep_bytes : 0);
    }
  }
  fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open " + file_.string() + ": " + std::strerror(errno));
  if (fs::file_size(file_) == 0) {
    write_all(fd_, sweep.csv_header(), file_);
    sync_directory(dir);
  }
}

SweepCheckpoint::~SweepCheckpoint() {
  if (fd_ >= 0) ::close(fd_);
}

void SweepCheckpoint::append(const std::vector<SweepRow>& rows) {
  std::string data;
  for (const auto& r : rows) data += sweep_.csv_line(r);
  std::lock_guard<std::mutex> lock(mutex_);
  write_all(fd_, data, file_);
  for (const auto& r : rows) done_.insert(r.point);
}

std::vector<SweepRow> read_sweep_results(const Sweep& sweep, const fs::path& dir) {
  std::vector<SweepRow> rows;
  for (const auto& path : results_files(dir)) {
    const FileScan s = scan_results(sweep, path, read_text_file(path));
    rows.insert(rows.end(), s.rows.begin(), s.rows.end());
  }
  const auto& vs = sweep.definition().variants;
  auto vi = [&](const std::string& v) { return std::find(vs.begin(), vs.end(), v) - vs.begin(); };
  std::stable_sort(rows.begin(), rows.end(), [&](const SweepRow& a, const SweepRow& b) {
    return a.point != b.point ? a.point < b.point : vi(a.variant) < vi(b.variant);
  });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const SweepRow& a, const SweepRow& b) {
                           return a.point == b.point && a.variant == b.variant;
                         }),
             rows.end());
  return rows;
}

std::vector<std::size_t> pending_points(const Sweep& sweep, const Shard& shard,
                                        const SweepCheckpoint* checkpoint) {
  std::vector<std::size_t> out;
  for (std::size_t k = shard.index; k < sweep.size(); k += shard.count)
    if (!checkpoint || !checkpoint->done(k)) out.push_back(k);
  return out;
}

SweepRunSummary run_sweep(const Sweep& sweep, const SweepRunOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<SweepCheckpoint> cp;
  if (!o.out_dir.empty()) cp = std::make_unique<SweepCheckpoint>(sweep, o.out_dir, o.shard);
  const auto pending = pending_points(sweep, o.shard, cp.get());
  SweepRunSummary summary;
  summary.in_shard = pending_points(sweep, o.shard, nullptr).size();
  summary.resumed = summary.in_shard - pending.size();

  const std::size_t threads = static_cast<std::size_t>(std::max(1, o.threads));
  const std::size_t outer = std::max<std::size_t>(1, std::min(threads, pending.size()));
  const int inner = static_cast<int>(std::max<std::size_t>(1, threads / outer));
  std::mutex mutex;  // the checkpoint, the caller's callbacks and the count
  std::size_t appended = 0;
  detail::for_each_index(
      pending.size(), outer,
      [&](std::size_t i) {
        const auto rows = sweep.run_point(pending[i], inner, nullptr, o.shard);
        std::lock_guard<std::mutex> lock(mutex);
        if (cp) cp->append(rows);
        if (o.on_rows) o.on_rows(rows);
        ++appended;
        if (o.points_done) ++*o.points_done;
        if (o.crash_after > 0 && appended == o.crash_after) std::raise(SIGKILL);
      },
      [&] { return !(o.stop && o.stop->load()); });

  summary.ran = appended;
  summary.stopped = o.stop && o.stop->load() && appended < pending.size();
  summary.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

// ---------------------------------------------------------------- sensitivity

SweepSensitivity analyse_sweep(const Sweep& sweep, const std::vector<SweepRow>& rows,
                               const engine::SobolOptions& options,
                               const std::string& statistic) {
  const auto& def = sweep.definition();
  if (def.design != SweepDesign::saltelli && def.design != SweepDesign::oat)
    throw InputError(Location{def.file},
                     std::string("sensitivity needs design saltelli (Sobol' indices) or oat "
                                 "(tornado); this sweep's design is ") +
                         design_name(def.design));
  if (statistic != "mean" && statistic != "p50")
    throw InputError(Location{"--statistic"},
                     "the statistic is mean or p50, not '" + statistic + "'");
  const std::size_t n = sweep.size(), d = sweep.dims(), no = def.outputs.size();
  SweepSensitivity out;
  out.statistic = statistic;
  for (const auto& variant : def.variants) {
    // f[output][point]
    std::vector<std::vector<double>> f(no, std::vector<double>(n, kNaN));
    std::vector<bool> seen(n, false);
    for (const auto& r : rows) {
      if (r.variant != variant || r.point >= n) continue;
      seen[r.point] = true;
      for (std::size_t i = 0; i < no; ++i)
        f[i][r.point] = statistic == "mean" ? r.mean[i] : r.p50[i];
    }
    const auto missing = static_cast<std::size_t>(std::count(seen.begin(), seen.end(), false));
    if (missing > 0)
      throw InputError(Location{def.file},
                       "sensitivity needs every point of the sweep: " + std::to_string(missing) +
                           " of " + std::to_string(n) + " are missing for variant '" + variant +
                           "' (run the remaining shards into the same --out directory first)");
    for (std::size_t i = 0; i < no; ++i) {
      if (def.design == SweepDesign::saltelli) {
        const auto s = engine::sobol_jansen(f[i], d, options);
        for (std::size_t j = 0; j < d; ++j)
          out.sobol.push_back({variant, def.outputs[i], def.parameters[j].name, s.first[j],
                               s.first_low[j], s.first_high[j], s.total[j], s.total_low[j],
                               s.total_high[j], s.rows_used});
      } else {
        for (const auto& b : engine::tornado(f[i], d)) {
          const std::size_t j = b.parameter;
          out.tornado.push_back({variant, def.outputs[i], def.parameters[j].name,
                                 sweep.values(1 + 2 * j)[j], sweep.values(2 + 2 * j)[j],
                                 sweep.values(0)[j], b.base, b.at_low, b.at_high, b.swing});
        }
      }
    }
  }
  return out;
}

void write_sensitivity_csv(std::ostream& os, const SweepSensitivity& s) {
  if (!s.tornado.empty()) {
    os << "variant,output,statistic,parameter,low_value,high_value,base_value,base,at_low,"
          "at_high,swing\n";
    for (const auto& t : s.tornado)
      os << csv_field(t.variant) << "," << t.output << "," << s.statistic << ","
         << csv_field(t.parameter) << "," << csv_field(t.low_value) << ","
         << csv_field(t.high_value) << "," << csv_field(t.base_value) << ","
         << number_text(t.base) << "," << number_text(t.at_low) << "," << number_text(t.at_high)
         << "," << number_text(t.swing) << "\n";
    return;
  }
  os << "variant,output,statistic,parameter,S1,S1_low,S1_high,ST,ST_low,ST_high,rows_used\n";
  for (const auto& r : s.sobol)
    os << csv_field(r.variant) << "," << r.output << "," << s.statistic << ","
       << csv_field(r.parameter) << "," << number_text(r.first) << "," << number_text(r.first_low)
       << "," << number_text(r.first_high) << "," << number_text(r.total) << ","
       << number_text(r.total_low) << "," << number_text(r.total_high) << "," << r.rows_used
       << "\n";
}

namespace {
std::string fixed(double v, int digits = 3) {
  if (std::isnan(v)) return "n/a";
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}
std::string sig(double v) {
  if (std::isnan(v)) return "n/a";
  std::ostringstream os;
  os << std::setprecision(4) << v;
  return os.str();
}
std::string pad(const std::string& s, std::size_t w) {
  return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' ');
}
}  // namespace

std::string format_sensitivity(const SweepSensitivity& s) {
  std::ostringstream os;
  std::size_t w = 10;
  for (const auto& r : s.sobol) w = std::max(w, r.parameter.size() + 2);
  for (const auto& t : s.tornado) w = std::max(w, t.parameter.size() + 2);
  std::string current;
  for (const auto& r : s.sobol) {
    const std::string key = r.variant + "\n" + r.output;
    if (key != current) {
      current = key;
      os << "\nSobol' indices of " << r.output << " (" << s.statistic << " of replicates), variant "
         << r.variant << ", " << r.rows_used << " base rows\n"
         << pad("parameter", w) << pad("first order [interval]", 26) << "total [interval]\n";
    }
    os << pad(r.parameter, w)
       << pad(fixed(r.first) + " [" + fixed(r.first_low) + ", " + fixed(r.first_high) + "]", 26)
       << fixed(r.total) << " [" << fixed(r.total_low) << ", " << fixed(r.total_high) << "]\n";
  }
  for (const auto& t : s.tornado) {
    const std::string key = t.variant + "\n" + t.output;
    if (key != current) {
      current = key;
      os << "\nOne at a time: " << t.output << " (" << s.statistic << " of replicates), variant "
         << t.variant << ", base " << sig(t.base) << "\n"
         << pad("parameter", w) << pad("low -> output", 28) << pad("high -> output", 28)
         << "swing\n";
    }
    os << pad(t.parameter, w) << pad(t.low_value + " -> " + sig(t.at_low), 28)
       << pad(t.high_value + " -> " + sig(t.at_high), 28) << sig(t.swing) << "\n";
  }
  return os.str();
}

}  // namespace goodhart::sim
