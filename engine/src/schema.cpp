#include "goodhart/engine/schema.hpp"
#include "goodhart/engine/yaml_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace goodhart::engine {

// ---------------------------------------------------------------- SchemaNode

const SchemaNode* SchemaNode::child(std::string_view name) const {
  for (const auto& c : children)
    if (c.key == name) return &c;
  return nullptr;
}

std::vector<std::string> SchemaNode::child_keys() const {
  std::vector<std::string> keys;
  for (const auto& c : children) keys.push_back(c.key);
  return keys;
}

bool SchemaNode::is_leaf() const {
  return type != SchemaType::object && type != SchemaType::object_list &&
         type != SchemaType::object_map && type != SchemaType::any_map;
}

SchemaNode&& SchemaNode::with_unit(std::string u) && {
  unit = std::move(u);
  return std::move(*this);
}
SchemaNode&& SchemaNode::with_default(std::string yaml_text) && {
  default_text = std::move(yaml_text);
  return std::move(*this);
}
SchemaNode&& SchemaNode::at_least(double v) && {
  minimum = v;
  minimum_exclusive = false;
  return std::move(*this);
}
SchemaNode&& SchemaNode::above(double v) && {
  minimum = v;
  minimum_exclusive = true;
  return std::move(*this);
}
SchemaNode&& SchemaNode::at_most(double v) && {
  maximum = v;
  maximum_exclusive = false;
  return std::move(*this);
}
SchemaNode&& SchemaNode::below(double v) && {
  maximum = v;
  maximum_exclusive = true;
  return std::move(*this);
}
SchemaNode&& SchemaNode::items(std::size_t min, std::optional<std::size_t> max) && {
  min_items = min;
  max_items = max;
  return std::move(*this);
}
SchemaNode&& SchemaNode::values(std::vector<std::string> allowed) && {
  enum_values = std::move(allowed);
  return std::move(*this);
}
SchemaNode&& SchemaNode::as_required() && {
  required = true;
  default_text.reset();  // a required key has no default by definition
  return std::move(*this);
}
SchemaNode&& SchemaNode::as_nullable() && {
  nullable = true;
  return std::move(*this);
}
SchemaNode&& SchemaNode::as_unique() && {
  unique_items = true;
  return std::move(*this);
}
SchemaNode&& SchemaNode::named_by(std::string key_name, std::string label) && {
  name_key = std::move(key_name);
  item_label = std::move(label);
  return std::move(*this);
}
SchemaNode&& SchemaNode::labelled(std::string label) && {
  item_label = std::move(label);
  return std::move(*this);
}
SchemaNode&& SchemaNode::one_of_keys(std::vector<std::string> keys) && {
  exactly_one_of = std::move(keys);
  return std::move(*this);
}

SchemaNode leaf_node(std::string key, SchemaType type, std::string description) {
  SchemaNode n;
  n.key = std::move(key);
  n.type = type;
  n.description = std::move(description);
  return n;
}

SchemaNode object_node(std::string key, std::string description, std::vector<SchemaNode> children) {
  SchemaNode n = leaf_node(std::move(key), SchemaType::object, std::move(description));
  n.children = std::move(children);
  return n;
}

SchemaNode object_list_node(std::string key, std::string description,
                            std::vector<SchemaNode> children) {
  SchemaNode n = object_node(std::move(key), std::move(description), std::move(children));
  n.type = SchemaType::object_list;
  return n;
}

SchemaNode object_map_node(std::string key, std::string description,
                           std::vector<SchemaNode> children) {
  SchemaNode n = object_node(std::move(key), std::move(description), std::move(children));
  n.type = SchemaType::object_map;
  return n;
}

namespace schema_detail {
void check_children(const std::string& key, const std::vector<SchemaNode>& children,
                    const std::type_info& object_type) {
  // A child bound to another struct would be read through the wrong pointer type.
  for (const auto& c : children)
    if (c.owner != nullptr && *c.owner != object_type)
      throw std::logic_error("schema: key '" + c.key + "' under '" + key +
                             "' is bound to a different struct");
}

void apply_defaults(SchemaNode& node, const void* object) {
  for (auto& c : node.children) {
    if (c.default_from && !c.required) c.default_text = c.default_from(object);
    if (c.member_of && c.type == SchemaType::object) apply_defaults(c, c.member_of(object));
  }
}

}  // namespace schema_detail

// ---------------------------------------------------------------- scalars

namespace {

// Quoted or explicitly tagged scalars are text even when they look like numbers, as in
// JSON Schema: `headcount: "12"` is a mistake worth reporting.
bool is_plain_scalar(const YAML::Node& n) {
  if (!n.IsDefined() || !is_scalar(n)) return false;
  const std::string& tag = n.Tag();
  return tag.empty() || tag == "?";
}

std::string_view strip_plus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+') s.remove_prefix(1);
  return s;
}

}  // namespace

std::optional<double> as_number(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  const std::string_view s = strip_plus(node.Scalar());
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> as_integer(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  const std::string_view s = strip_plus(node.Scalar());
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> as_unsigned(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  const std::string_view s = strip_plus(node.Scalar());
  if (s.empty() || s[0] == '-') return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> as_boolean(const YAML::Node& node) {
  if (!is_plain_scalar(node)) return std::nullopt;
  // YAML 1.2 booleans only: "yes"/"no"/"on" are YAML 1.1 traps that editors treat as text.
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<Date> as_date(const YAML::Node& node) {
  if (!node.IsDefined() || !is_scalar(node) || node.Scalar().size() != 10) return std::nullopt;
  return parse_date(node.Scalar());
}

std::optional<std::string> as_text(const YAML::Node& node) {
  if (!node.IsDefined() || !is_scalar(node)) return std::nullopt;
  return node.Scalar();
}

std::string format_number(double v) {
  if (std::abs(v) < 1e15 && v == std::floor(v)) {
    std::string s = std::to_string(static_cast<long long>(v));
    return s == "-0" ? "0" : s;
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(v);
}

std::string range_text(const SchemaNode& n) {
  if (n.minimum && n.maximum)
    return std::string(n.minimum_exclusive ? "(" : "[") + format_number(*n.minimum) + ", " +
           format_number(*n.maximum) + (n.maximum_exclusive ? ")" : "]");
  if (n.minimum) return (n.minimum_exclusive ? "> " : ">= ") + format_number(*n.minimum);
  if (n.maximum) return (n.maximum_exclusive ? "< " : "<= ") + format_number(*n.maximum);
  return "";
}

// ---------------------------------------------------------------- reporting

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

void Reporter::fail(const YAML::Node& at, const std::string& path, const std::string& message) {
  failed_paths_.push_back(path);
  const bool marked = at.IsDefined() && !at.Mark().is_null();
  if (marked || !unmarked_) {
    if (marked) diags_.fail(at, message);
    else diags_.fail(Location{diags_.file()}, path.empty() ? message : path + ": " + message);
    return;
  }
  unmarked_(path, message);
}

bool Reporter::clean(const std::string& path) const {
  for (const auto& p : failed_paths_) {
    if (p.size() < path.size() || p.compare(0, path.size(), path) != 0) continue;
    if (p.size() == path.size() || p[path.size()] == '.' || p[path.size()] == '[') return false;
  }
  return true;
}

std::string element_path(const std::string& list_path, const SchemaNode& list_schema,
                         const YAML::Node& element, std::size_t index) {
  if (!list_schema.name_key.empty() && is_map(element)) {
    const auto name = as_text(element[list_schema.name_key]);
    if (name && !name->empty()) return join_path(list_path, *name);
  }
  return list_path + "[" + std::to_string(index) + "]";
}

// ---------------------------------------------------------------- validation

namespace {

std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || is_null(n)) return "nothing";
  if (is_seq(n)) return "a list";
  if (is_map(n)) return "a mapping";
  if (!is_plain_scalar(n)) return "the text \"" + n.Scalar() + "\"";
  return "'" + n.Scalar() + "'";
}

std::string list_or(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += (i + 1 == v.size()) ? " or " : ", ";
    s += "'" + v[i] + "'";
  }
  return s;
}

bool in_range(const SchemaNode& s, double v) {
  if (s.minimum && (s.minimum_exclusive ? v <= *s.minimum : v < *s.minimum)) return false;
  if (s.maximum && (s.maximum_exclusive ? v >= *s.maximum : v > *s.maximum)) return false;
  return true;
}

std::string line_of(const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) return "";
  return " (first at line " + std::to_string(n.Mark().line + 1) + ")";
}

class Walker {
 public:
  explicit Walker(Reporter& out) : out_(out) {}

  // `key` is the mapping key holding `v` (null values report there: a missing value's
  // own position is that of whatever follows it in the file).
  void value(const YAML::Node& v, const YAML::Node* key, const SchemaNode& s,
             const std::string& path, const std::string& label) {
    const YAML::Node& at = (is_null(v) && key) ? *key : v;
    switch (s.type) {
      case SchemaType::object: object(v, at, s, path, label); break;
      case SchemaType::number: number(v, at, s, path, label); break;
      case SchemaType::integer: integer(v, at, s, path, label); break;
      case SchemaType::boolean:
        if (!as_boolean(v))
          out_.fail(at, path, "'" + label + "' must be true or false, got " + describe(v));
        break;
      case SchemaType::string:
        if (!is_scalar(v) && !(is_null(v) && s.nullable))
          out_.fail(at, path, "'" + label + "' must be text, got " + describe(v));
        break;
      case SchemaType::date:
        if (!as_date(v))
          out_.fail(at, path,
                    "'" + label + "' must be a date YYYY-MM-DD, got " + describe(v));
        break;
      case SchemaType::enumeration: enumeration(v, at, s, path, label); break;
      case SchemaType::number_list: number_list(v, at, s, path, label); break;
      case SchemaType::string_list: string_list(v, at, s, path, label); break;
      case SchemaType::object_list: object_list(v, at, s, path, label); break;
      case SchemaType::object_map: object_map(v, at, s, path, label); break;
      case SchemaType::any_map:
        if (!is_null(v) && !is_map(v))
          out_.fail(at, path, "'" + label + "' must be a mapping, got " + describe(v));
        break;
    }
  }

  void object(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
              const std::string& path, const std::string& label) {
    if (!is_null(v) && !is_map(v)) {
      out_.fail(at, path, "'" + label + "' must be a mapping, got " + describe(v));
      return;
    }
    const std::vector<std::string> keys = s.child_keys();
    std::vector<std::pair<std::string, YAML::Node>> seen;
    std::vector<std::string> guessed;  // keys suggested for typos: not also "missing"
    if (is_map(v)) {
      for (const auto& kv : v) {
        const auto key = as_text(kv.first);
        if (!key) {
          out_.fail(kv.first, path, "keys must be names, got " + describe(kv.first));
          continue;
        }
        const auto dup = std::find_if(seen.begin(), seen.end(),
                                      [&](const auto& p) { return p.first == *key; });
        if (dup != seen.end()) {
          out_.fail(kv.first, join_path(path, *key),
                    "duplicate key '" + *key + "'" + line_of(dup->second));
          continue;
        }
        seen.emplace_back(*key, kv.first);
        const SchemaNode* c = s.child(*key);
        if (c == nullptr) {
          std::string msg = "unknown key '" + *key + "'";
          if (auto guess = did_you_mean(*key, keys)) {
            msg += "; did you mean '" + *guess + "'?";
            guessed.push_back(*guess);
          } else {
            msg += " (expected " + joined(keys) + ")";
          }
          out_.fail(kv.first, join_path(path, *key), msg);
          continue;
        }
        value(kv.second, &kv.first, *c, join_path(path, *key), *key);
      }
    }
    auto present = [&](const std::string& k) {
      return std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == k; });
    };
    if (!s.exactly_one_of.empty()) {
      std::vector<const YAML::Node*> found;
      for (const auto& k : s.exactly_one_of)
        if (auto it = present(k); it != seen.end()) found.push_back(&it->second);
      if (found.empty())
        out_.fail(at, path, "'" + label + "' needs one of " + list_or(s.exactly_one_of));
      else if (found.size() > 1)
        out_.fail(*found[1], path,
                  "'" + label + "' takes only one of " + list_or(s.exactly_one_of) +
                      "; remove all but one");
    }
    for (const auto& c : s.children)
      if (c.required && present(c.key) == seen.end() &&
          std::find(guessed.begin(), guessed.end(), c.key) == guessed.end())
        out_.fail(at, path,
                  "missing required key '" + c.key + "'" +
                      (path.empty() ? std::string() : " in '" + path + "'"));
  }

  void number(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
              const std::string& path, const std::string& label) {
    if (is_null(v) && s.nullable) return;
    const auto x = as_number(v);
    if (!x) {
      out_.fail(at, path, "'" + label + "' must be a number, got " + describe(v));
      return;
    }
    check_range(v, s, path, label, *x);
  }

  void integer(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
               const std::string& path, const std::string& label) {
    if (is_null(v) && s.nullable) return;
    if (s.integer_unsigned) {
      if (const auto u = as_unsigned(v)) return check_range(v, s, path, label, static_cast<double>(*u));
    } else if (const auto i = as_integer(v)) {
      if (s.integer_bits == 32 &&
          (*i > std::numeric_limits<int>::max() || *i < std::numeric_limits<int>::min()))
        return out_.fail(v, path, "'" + label + "' is too large: " + v.Scalar());
      return check_range(v, s, path, label, static_cast<double>(*i));
    }
    if (const auto i = as_integer(v))  // negative, for an unsigned field
      return out_.fail(v, path, "'" + label + "' must be >= 0, got " + std::to_string(*i));
    const auto d = as_number(v);
    if (!d) return out_.fail(at, path, "'" + label + "' must be a whole number, got " + describe(v));
    if (*d != std::floor(*d))
      return out_.fail(v, path, "'" + label + "' must be a whole number, got " + v.Scalar());
    if (std::abs(*d) < 9.2e18)
      return out_.fail(v, path, "'" + label + "' must be written as a whole number (digits only), got " +
                                    v.Scalar());
    out_.fail(v, path, "'" + label + "' is too large: " + v.Scalar());
  }

  void check_range(const YAML::Node& v, const SchemaNode& s, const std::string& path,
                   const std::string& label, double x) {
    if (in_range(s, x)) return;
    std::string msg = "'" + label + "' must be ";
    const std::string r = range_text(s);
    msg += (r[0] == '[' || r[0] == '(') ? "in " + r : r;
    out_.fail(v, path, msg + ", got " + format_number(x));
  }

  void enumeration(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
                   const std::string& path, const std::string& label) {
    const auto text = as_text(v);
    if (text && std::find(s.enum_values.begin(), s.enum_values.end(), *text) !=
                    s.enum_values.end())
      return;
    std::string msg = "'" + label + "' must be one of " + joined(s.enum_values) + "; got " +
                      describe(v);
    if (text)
      if (auto guess = did_you_mean(*text, s.enum_values)) msg += " (did you mean '" + *guess + "'?)";
    out_.fail(at, path, msg);
  }

  bool list_shape(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
                  const std::string& path, const std::string& label, const char* what) {
    if (!is_seq(v)) {
      out_.fail(at, path, "'" + label + "' must be a list of " + what + ", got " + describe(v));
      return false;
    }
    const std::size_t n = v.size();
    if (s.min_items && s.max_items && *s.min_items == *s.max_items && n != *s.min_items) {
      out_.fail(at, path,
                "'" + label + "' must have exactly " + std::to_string(*s.min_items) + " " +
                    what + ", got " + std::to_string(n));
    } else if (s.min_items && n == 0) {
      out_.fail(at, path, "'" + label + "' must not be empty");
    } else if (s.min_items && n < *s.min_items) {
      out_.fail(at, path,
                "'" + label + "' must have at least " + std::to_string(*s.min_items) + " " +
                    what + ", got " + std::to_string(n));
    } else if (s.max_items && n > *s.max_items) {
      out_.fail(at, path,
                "'" + label + "' must have at most " + std::to_string(*s.max_items) + " " +
                    what + ", got " + std::to_string(n));
    }
    return true;
  }

  void number_list(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
                   const std::string& path, const std::string& label) {
    if (!list_shape(v, at, s, path, label, "numbers")) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string item_label = label + "[" + std::to_string(i) + "]";
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      const YAML::Node item = v[i];
      const auto x = as_number(item);
      if (!x) out_.fail(is_null(item) ? at : item, item_path,
                        "'" + item_label + "' must be a number, got " + describe(item));
      else check_range(item, s, item_path, item_label, *x);
    }
  }

  void string_list(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
                   const std::string& path, const std::string& label) {
    if (!list_shape(v, at, s, path, label, "names")) return;
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string item_label = label + "[" + std::to_string(i) + "]";
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      const YAML::Node item = v[i];
      const auto text = is_scalar(item) ? as_text(item) : std::nullopt;
      if (!text) {
        out_.fail(is_null(item) ? at : item, item_path,
                  "'" + item_label + "' must be text, got " + describe(item));
        continue;
      }
      if (!s.enum_values.empty() &&
          std::find(s.enum_values.begin(), s.enum_values.end(), *text) == s.enum_values.end()) {
        std::string msg = "'" + item_label + "' must be one of " + joined(s.enum_values) +
                          "; got '" + *text + "'";
        if (auto guess = did_you_mean(*text, s.enum_values))
          msg += " (did you mean '" + *guess + "'?)";
        out_.fail(item, item_path, msg);
        continue;
      }
      if (s.unique_items && std::find(seen.begin(), seen.end(), *text) != seen.end())
        out_.fail(item, item_path, "'" + *text + "' appears twice in '" + label + "'");
      seen.push_back(*text);
    }
  }

  void object_list(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
                   const std::string& path, const std::string& label) {
    if (!list_shape(v, at, s, path, label, "mappings")) return;
    const std::string what = s.item_label.empty() ? std::string("element") : s.item_label;
    std::vector<std::pair<std::string, YAML::Node>> names;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const YAML::Node item = v[i];
      const std::string item_path = element_path(path, s, item, i);
      object(item, is_null(item) ? at : item, s, item_path,
             label + "[" + std::to_string(i) + "]");
      if (s.name_key.empty() || !is_map(item)) continue;
      const YAML::Node name_node = item[s.name_key];
      const auto name = is_scalar(name_node) ? as_text(name_node) : std::nullopt;
      if (!name) continue;
      if (name->empty()) {
        out_.fail(name_node, item_path, "'" + s.name_key + "' must not be empty");
        continue;
      }
      const auto dup = std::find_if(names.begin(), names.end(),
                                    [&](const auto& p) { return p.first == *name; });
      if (dup != names.end())
        out_.fail(name_node, item_path,
                  "duplicate " + what + " name '" + *name + "'" + line_of(dup->second));
      else names.emplace_back(*name, name_node);
    }
  }

  void object_map(const YAML::Node& v, const YAML::Node& at, const SchemaNode& s,
                  const std::string& path, const std::string& label) {
    if (!is_map(v)) {
      out_.fail(at, path, "'" + label + "' must be a mapping, got " + describe(v));
      return;
    }
    if (s.min_items && v.size() < *s.min_items)
      out_.fail(at, path, "'" + label + "' must have at least " +
                              std::to_string(*s.min_items) + " entries");
    for (const auto& kv : v) {
      const auto key = as_text(kv.first);
      if (!key) {
        out_.fail(kv.first, path, "keys must be names, got " + describe(kv.first));
        continue;
      }
      const YAML::Node& item_at = is_null(kv.second) ? kv.first : kv.second;
      object(kv.second, item_at, s, join_path(path, *key), *key);
    }
  }

 private:
  Reporter& out_;
};

}  // namespace

void validate(const YAML::Node& node, const SchemaNode& schema, Reporter& out,
              const std::string& path) {
  Walker(out).value(node, nullptr, schema, path, schema.key.empty() ? path : schema.key);
}

void validate(const YAML::Node& node, const SchemaNode& schema, DiagnosticList& diags) {
  Reporter out(diags);
  validate(node, schema, out);
}

// ---------------------------------------------------------------- typed reading

void read_object(const YAML::Node& node, const SchemaNode& schema, void* target) {
  if (!is_map(node)) return;
  for (const auto& c : schema.children) {
    if (!c.bind) continue;
    const YAML::Node v = node[c.key];
    if (!v.IsDefined()) continue;
    // A null leaf keeps its default unless null means "unset" for it.
    if (is_null(v) && !c.nullable) continue;
    c.bind(c, target, v);
  }
}

// ---------------------------------------------------------------- JSON Schema

namespace {

using nlohmann::json;

json scalar_json(const YAML::Node& n, SchemaType type) {
  if (!n.IsDefined() || is_null(n)) return nullptr;
  switch (type) {
    case SchemaType::number:
    case SchemaType::number_list:
      if (auto i = as_integer(n)) return *i;
      if (auto d = as_number(n)) return *d;
      break;
    case SchemaType::integer:
      if (auto i = as_integer(n)) return *i;
      if (auto u = as_unsigned(n)) return *u;
      break;
    case SchemaType::boolean:
      if (auto b = as_boolean(n)) return *b;
      break;
    default: break;
  }
  return n.Scalar();
}

json default_json(const SchemaNode& s) {
  const YAML::Node n = YAML::Load(*s.default_text);
  if (is_seq(n)) {
    json arr = json::array();
    for (const auto& item : n) arr.push_back(scalar_json(item, s.type));
    return arr;
  }
  if (is_map(n)) return json::object();
  return scalar_json(n, s.type);
}

void add_range(json& j, const SchemaNode& s) {
  if (s.minimum) j[s.minimum_exclusive ? "exclusiveMinimum" : "minimum"] = *s.minimum;
  if (s.maximum) j[s.maximum_exclusive ? "exclusiveMaximum" : "maximum"] = *s.maximum;
}

json node_json(const SchemaNode& s);

json object_body(const SchemaNode& s) {
  json j;
  j["type"] = "object";
  json props = json::object();
  json required = json::array();
  for (const auto& c : s.children) {
    props[c.key] = node_json(c);
    if (c.required) required.push_back(c.key);
  }
  j["properties"] = props;
  if (!required.empty()) j["required"] = required;
  j["additionalProperties"] = false;
  if (!s.exactly_one_of.empty()) {
    json one = json::array();
    for (const auto& k : s.exactly_one_of) one.push_back({{"required", json::array({k})}});
    j["oneOf"] = one;
  }
  return j;
}

json node_json(const SchemaNode& s) {
  json j;
  switch (s.type) {
    case SchemaType::object: {
      j = object_body(s);
      // Like the loader, accept an empty block (`governance:` with everything commented out).
      const bool any_required =
          !s.exactly_one_of.empty() ||
          std::any_of(s.children.begin(), s.children.end(), [](auto& c) { return c.required; });
      if (!any_required) j["type"] = json::array({"object", "null"});
      break;
    }
    case SchemaType::number:
    case SchemaType::integer:
      j["type"] = s.type == SchemaType::number ? "number" : "integer";
      if (s.nullable) j["type"] = json::array({j["type"], "null"});
      add_range(j, s);
      break;
    case SchemaType::boolean: j["type"] = "boolean"; break;
    case SchemaType::string:
      j["type"] = s.nullable ? json::array({"string", "null"}) : json("string");
      break;
    case SchemaType::date:
      j["type"] = "string";
      j["format"] = "date";
      j["pattern"] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
      break;
    case SchemaType::enumeration:
      j["type"] = "string";
      j["enum"] = s.enum_values;
      break;
    case SchemaType::number_list: {
      j["type"] = "array";
      json items{{"type", "number"}};
      add_range(items, s);
      j["items"] = items;
      break;
    }
    case SchemaType::string_list: {
      j["type"] = "array";
      json items{{"type", "string"}};
      if (!s.enum_values.empty()) items["enum"] = s.enum_values;
      j["items"] = items;
      if (s.unique_items) j["uniqueItems"] = true;
      break;
    }
    case SchemaType::object_list:
      j["type"] = "array";
      j["items"] = object_body(s);
      break;
    case SchemaType::object_map:
      j["type"] = "object";
      j["additionalProperties"] = object_body(s);
      if (s.min_items) j["minProperties"] = *s.min_items;
      break;
    case SchemaType::any_map:
      j["type"] = json::array({"object", "null"});
      break;
  }
  if (s.type == SchemaType::number_list || s.type == SchemaType::string_list ||
      s.type == SchemaType::object_list) {
    if (s.min_items) j["minItems"] = *s.min_items;
    if (s.max_items) j["maxItems"] = *s.max_items;
  }
  std::string description = s.description;
  if (!s.unit.empty()) description += (description.empty() ? "" : " ") + ("Unit: " + s.unit + ".");
  if (!description.empty()) j["description"] = description;
  if (s.default_text) j["default"] = default_json(s);
  return j;
}

}  // namespace

nlohmann::json to_json_schema(const SchemaNode& schema, const std::string& title) {
  json j = node_json(schema);
  json out;
  out["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  out["title"] = title;
  for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = it.value();
  return out;
}

// ---------------------------------------------------------------- Markdown reference

namespace {

std::string type_text(const SchemaNode& s) {
  std::string t;
  switch (s.type) {
    case SchemaType::object: t = "mapping"; break;
    case SchemaType::number: t = "number"; break;
    case SchemaType::integer: t = "integer"; break;
    case SchemaType::boolean: t = "boolean"; break;
    case SchemaType::string: t = "text"; break;
    case SchemaType::date: t = "date"; break;
    case SchemaType::enumeration: {
      std::vector<std::string> quoted;
      for (const auto& v : s.enum_values) quoted.push_back("`" + v + "`");
      t = "one of " + joined(quoted);
      break;
    }
    case SchemaType::number_list: t = "list of numbers"; break;
    case SchemaType::string_list: t = "list of text"; break;
    case SchemaType::object_list: t = "list of mappings"; break;
    case SchemaType::object_map: t = "mapping of mappings"; break;
    case SchemaType::any_map: t = "mapping"; break;
  }
  if (s.nullable) t += " or null";
  return t;
}

std::string allowed_text(const SchemaNode& s) {
  std::vector<std::string> parts;
  if (s.min_items && s.max_items && *s.min_items == *s.max_items)
    parts.push_back(std::to_string(*s.min_items) + " items");
  else {
    if (s.min_items) parts.push_back("at least " + std::to_string(*s.min_items));
    if (s.max_items) parts.push_back("at most " + std::to_string(*s.max_items));
  }
  const std::string r = range_text(s);
  if (!r.empty())
    parts.push_back(s.type == SchemaType::number_list ? "each " + r : r);
  if (s.type == SchemaType::string_list && !s.enum_values.empty())
    parts.push_back("each one of " + joined(s.enum_values));
  if (s.unique_items) parts.push_back("no repeats");
  if (!s.name_key.empty()) parts.push_back("unique `" + s.name_key + "`");
  if (!s.exactly_one_of.empty()) {
    std::vector<std::string> keys;
    for (const auto& k : s.exactly_one_of) keys.push_back("`" + k + "`");
    parts.push_back("exactly one of " + joined(keys));
  }
  return joined(parts);
}

std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

void collect(const SchemaNode& s, const std::string& path,
             std::vector<std::pair<std::string, const SchemaNode*>>& rows) {
  std::string prefix;
  if (!path.empty()) {
    rows.emplace_back(path, &s);
    prefix = path;
    if (s.type == SchemaType::object_list) prefix += "[]";
    if (s.type == SchemaType::object_map)
      prefix += ".<" + (s.item_label.empty() ? std::string("name") : s.item_label) + ">";
    prefix += ".";
  }
  for (const auto& c : s.children) collect(c, prefix + c.key, rows);
}

}  // namespace

std::vector<std::string> schema_paths(const SchemaNode& schema) {
  std::vector<std::pair<std::string, const SchemaNode*>> rows;
  collect(schema, "", rows);
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.first);
  return out;
}

std::string to_markdown_table(const SchemaNode& schema) {
  std::vector<std::pair<std::string, const SchemaNode*>> rows;
  collect(schema, "", rows);
  std::ostringstream os;
  os << "| Key | Type | Unit | Default | Allowed | Description |\n";
  os << "|---|---|---|---|---|---|\n";
  for (const auto& [path, s] : rows) {
    std::string def = s->required ? "**required**" : s->default_text ? "`" + *s->default_text + "`" : "";
    os << "| `" << path << "` | " << cell(type_text(*s)) << " | " << cell(s->unit) << " | "
       << cell(def) << " | " << cell(allowed_text(*s)) << " | " << cell(s->description)
       << " |\n";
  }
  return os.str();
}

}  // namespace goodhart::engine
