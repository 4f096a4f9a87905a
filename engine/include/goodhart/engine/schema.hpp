// A generic schema for goodhart's YAML files: one tree per file type gives validation (every
// problem at once, with line:col), typed reading into structs, the JSON Schema and the docs.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/yaml_util.hpp"

namespace goodhart::engine {

enum class SchemaType {
  object,       // mapping with the keys in `children`
  number,
  integer,
  boolean,
  string,
  date,         // YYYY-MM-DD
  enumeration,  // one of `enum_values`
  number_list,
  string_list,  // restricted to `enum_values` when that is not empty
  object_list,  // sequence of mappings with the keys in `children`
  object_map,   // mapping of free names to mappings with the keys in `children`
  any_map,      // mapping whose content is checked elsewhere (e.g. a variant's overrides)
};

struct SchemaNode;

// Reads a value that has been validated into the field it is bound to, inside `parent`.
// Readers tolerate invalid values (they leave the default), so a document with errors can
// still be read for the cross-field checks that follow validation.
using SchemaBinding =
    std::function<void(const SchemaNode& self, void* parent, const YAML::Node& value)>;

struct SchemaNode {
  std::string key;
  SchemaType type = SchemaType::object;
  std::string description;
  std::string unit;
  std::optional<std::string> default_text;  // as YAML text
  std::optional<double> minimum;            // for numbers, integers and list items
  std::optional<double> maximum;
  bool minimum_exclusive = false;
  bool maximum_exclusive = false;
  std::optional<std::size_t> min_items;  // lists and maps
  std::optional<std::size_t> max_items;
  std::vector<std::string> enum_values;
  bool required = false;
  bool nullable = false;       // `null` is accepted (an unset optional)
  bool unique_items = false;   // string lists
  int integer_bits = 64;       // representable range of integer fields
  bool integer_unsigned = false;
  std::vector<SchemaNode> children;         // object keys; keys of each list/map item
  std::string name_key;                     // object_list: unique key naming an element
  std::string item_label;                   // "cohort" in "no cohort named 'x'"
  std::vector<std::string> exactly_one_of;  // object: exactly one of these keys is present

  // Typed binding (set by the field builders below; empty for descriptive-only nodes).
  const std::type_info* owner = nullptr;        // struct holding the field
  const std::type_info* object_type = nullptr;  // struct the children read into
  SchemaBinding bind;
  // The default of a bound field as found in a given parent object, and the sub-object of
  // a bound mapping: nested defaults come from the enclosing struct's initializers
  // (Cohort::tasks_per_day{4.0, 0.5}), not from the nested type's (LogNormalSpec{}).
  std::function<std::optional<std::string>(const void* parent)> default_from;
  std::function<const void*(const void* parent)> member_of;

  const SchemaNode* child(std::string_view name) const;
  std::vector<std::string> child_keys() const;
  bool is_leaf() const;

  SchemaNode&& with_unit(std::string u) &&;
  SchemaNode&& with_default(std::string yaml_text) &&;
  SchemaNode&& at_least(double v) &&;
  SchemaNode&& above(double v) &&;
  SchemaNode&& at_most(double v) &&;
  SchemaNode&& below(double v) &&;
  SchemaNode&& items(std::size_t min, std::optional<std::size_t> max = std::nullopt) &&;
  SchemaNode&& values(std::vector<std::string> allowed) &&;
  SchemaNode&& as_required() &&;
  SchemaNode&& as_nullable() &&;
  SchemaNode&& as_unique() &&;
  SchemaNode&& named_by(std::string name_key, std::string item_label) &&;
  SchemaNode&& labelled(std::string item_label) &&;
  SchemaNode&& one_of_keys(std::vector<std::string> keys) &&;
};

// ---- Descriptive nodes (no typed binding) ----
SchemaNode leaf_node(std::string key, SchemaType type, std::string description);
SchemaNode object_node(std::string key, std::string description, std::vector<SchemaNode> children);
SchemaNode object_list_node(std::string key, std::string description,
                            std::vector<SchemaNode> children);
SchemaNode object_map_node(std::string key, std::string description,
                           std::vector<SchemaNode> children);

// ---- Node predicates ----
// Safe on the "zombie" nodes yaml-cpp returns for a missing key of a const mapping, whose
// own IsMap()/IsNull() throw.
inline bool is_map(const YAML::Node& n) { return n.IsDefined() && n.IsMap(); }
inline bool is_seq(const YAML::Node& n) { return n.IsDefined() && n.IsSequence(); }
inline bool is_null(const YAML::Node& n) { return n.IsDefined() && n.IsNull(); }
inline bool is_scalar(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }

// ---- Scalar reading shared by validation, bindings and cross-field checks ----
// Each returns nullopt when the node is not a plain scalar of that type (quoted text is text).
std::optional<double> as_number(const YAML::Node& node);
std::optional<std::int64_t> as_integer(const YAML::Node& node);
std::optional<std::uint64_t> as_unsigned(const YAML::Node& node);
std::optional<bool> as_boolean(const YAML::Node& node);
std::optional<Date> as_date(const YAML::Node& node);
std::optional<std::string> as_text(const YAML::Node& node);  // any scalar

// Shortest text that reads back to the same double, without exponent for whole numbers.
std::string format_number(double v);
// "[0, 1]", "(0, 1]", ">= 0", "< 24", or "" when unbounded.
std::string range_text(const SchemaNode& node);

// ---- Validation ----

// Reports a problem at a node that has no position in the file (one created by an
// override); gets the dotted path of the node.
using UnmarkedReporter = std::function<void(const std::string& path, const std::string& message)>;

// Routes problems to a DiagnosticList and remembers which paths had any, so cross-field
// checks can skip parts that are already known to be wrong.
class Reporter {
 public:
  explicit Reporter(DiagnosticList& diags, UnmarkedReporter unmarked = {})
      : diags_(diags), unmarked_(std::move(unmarked)) {}
  void fail(const YAML::Node& at, const std::string& path, const std::string& message);
  // True when no problem was reported at `path` or below it.
  bool clean(const std::string& path) const;
  DiagnosticList& diags() { return diags_; }

 private:
  DiagnosticList& diags_;
  UnmarkedReporter unmarked_;
  std::vector<std::string> failed_paths_;
};

// Checks `node` against `schema`: unknown keys (with a suggestion), wrong types, values out
// of range, missing required keys, duplicate keys and names. `path` is the dotted path of
// `node` ("" for a file's root), used in messages and for unmarked nodes.
void validate(const YAML::Node& node, const SchemaNode& schema, Reporter& out,
              const std::string& path = "");
void validate(const YAML::Node& node, const SchemaNode& schema, DiagnosticList& diags);

// The path of list element `index` in messages: "cohorts.engineers" when it has a valid
// name, "cohorts[2]" otherwise.
std::string element_path(const std::string& list_path, const SchemaNode& list_schema,
                         const YAML::Node& element, std::size_t index);
std::string join_path(const std::string& prefix, const std::string& key);

// ---- Typed reading ----
void read_object(const YAML::Node& node, const SchemaNode& schema, void* target);

template <class T>
void read_into(const YAML::Node& node, const SchemaNode& schema, T& out) {
  if (schema.object_type == nullptr || *schema.object_type != typeid(T))
    throw std::logic_error("schema '" + schema.key + "' does not read into this type");
  read_object(node, schema, &out);
}

// ---- Documentation outputs ----
// JSON Schema (draft 2020-12) of a file whose root is `schema`.
nlohmann::json to_json_schema(const SchemaNode& schema, const std::string& title);
// Markdown table with one row per dotted key path ("cohorts[].agents.per_person_mean").
std::string to_markdown_table(const SchemaNode& schema);
// Every dotted key path of the table, in order.
std::vector<std::string> schema_paths(const SchemaNode& schema);

// ---- Field builders binding a key to a struct member ----
namespace schema_detail {

void check_children(const std::string& key, const std::vector<SchemaNode>& children,
                    const std::type_info& object_type);
// Recomputes the defaults of `node`'s children from the object they will read into.
void apply_defaults(SchemaNode& node, const void* object);

template <class T>
struct Leaf;

template <>
struct Leaf<double> {
  static constexpr SchemaType type = SchemaType::number;
  static std::optional<std::string> text(double v) { return format_number(v); }
  static void read(const YAML::Node& n, double& out) {
    if (auto v = as_number(n)) out = *v;
  }
};
template <>
struct Leaf<int> {
  static constexpr SchemaType type = SchemaType::integer;
  static std::optional<std::string> text(int v) { return std::to_string(v); }
  static void read(const YAML::Node& n, int& out) {
    if (auto v = as_integer(n);
        v && *v >= std::numeric_limits<int>::min() && *v <= std::numeric_limits<int>::max())
      out = static_cast<int>(*v);
  }
};
template <>
struct Leaf<std::int64_t> {
  static constexpr SchemaType type = SchemaType::integer;
  static std::optional<std::string> text(std::int64_t v) { return std::to_string(v); }
  static void read(const YAML::Node& n, std::int64_t& out) {
    if (auto v = as_integer(n)) out = *v;
  }
};
template <>
struct Leaf<std::uint64_t> {
  static constexpr SchemaType type = SchemaType::integer;
  static std::optional<std::string> text(std::uint64_t v) { return std::to_string(v); }
  static void read(const YAML::Node& n, std::uint64_t& out) {
    if (auto v = as_unsigned(n)) out = *v;
  }
};
template <>
struct Leaf<bool> {
  static constexpr SchemaType type = SchemaType::boolean;
  static std::optional<std::string> text(bool v) { return v ? "true" : "false"; }
  static void read(const YAML::Node& n, bool& out) {
    if (auto v = as_boolean(n)) out = *v;
  }
};
template <>
struct Leaf<std::string> {
  static constexpr SchemaType type = SchemaType::string;
  static std::optional<std::string> text(const std::string& v) {
    if (v.empty()) return std::nullopt;
    return v;
  }
  static void read(const YAML::Node& n, std::string& out) {
    if (auto v = as_text(n)) out = *v;
  }
};
template <>
struct Leaf<Date> {
  static constexpr SchemaType type = SchemaType::date;
  static std::optional<std::string> text(Date) { return std::nullopt; }
  static void read(const YAML::Node& n, Date& out) {
    if (auto v = as_date(n)) out = *v;
  }
};
template <>
struct Leaf<std::optional<double>> {
  static constexpr SchemaType type = SchemaType::number;
  static std::optional<std::string> text(const std::optional<double>& v) {
    return v ? format_number(*v) : "null";
  }
  static void read(const YAML::Node& n, std::optional<double>& out) {
    if (is_null(n)) out.reset();
    else if (auto v = as_number(n)) out = *v;
  }
};
template <>
struct Leaf<std::vector<double>> {
  static constexpr SchemaType type = SchemaType::number_list;
  static std::optional<std::string> text(const std::vector<double>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + format_number(v[i]);
    return s + "]";
  }
  static void read(const YAML::Node& n, std::vector<double>& out) {
    if (!is_seq(n)) return;
    out.clear();
    for (const auto& item : n) out.push_back(as_number(item).value_or(0.0));
  }
};
template <>
struct Leaf<std::vector<std::string>> {
  static constexpr SchemaType type = SchemaType::string_list;
  static std::optional<std::string> text(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + "]";
  }
  static void read(const YAML::Node& n, std::vector<std::string>& out) {
    if (!is_seq(n)) return;
    out.clear();
    for (const auto& item : n) out.push_back(as_text(item).value_or(""));
  }
};
template <std::size_t N>
struct Leaf<std::array<double, N>> {
  static constexpr SchemaType type = SchemaType::number_list;
  static std::optional<std::string> text(const std::array<double, N>& v) {
    return Leaf<std::vector<double>>::text(std::vector<double>(v.begin(), v.end()));
  }
  static void read(const YAML::Node& n, std::array<double, N>& out) {
    if (!is_seq(n) || n.size() != N) return;
    for (std::size_t i = 0; i < N; ++i) out[i] = as_number(n[i]).value_or(out[i]);
  }
};

template <class T>
struct ArraySize : std::integral_constant<std::size_t, 0> {};
template <std::size_t N>
struct ArraySize<std::array<double, N>> : std::integral_constant<std::size_t, N> {};

}  // namespace schema_detail

// A leaf bound to `P::*member`; its type and default come from the member and from a
// default-constructed P, so the struct's initializers stay the only source of defaults.
template <class P, class T>
SchemaNode field(std::string key, T P::*member, std::string description) {
  using L = schema_detail::Leaf<T>;
  SchemaNode n = leaf_node(std::move(key), L::type, std::move(description));
  const P defaults{};
  n.default_text = L::text(defaults.*member);
  if constexpr (std::is_same_v<T, int>) n.integer_bits = 32;
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    n.integer_unsigned = true;
    n.minimum = 0;
  }
  if constexpr (std::is_same_v<T, std::optional<double>>) n.nullable = true;
  if constexpr (schema_detail::ArraySize<T>::value > 0) {
    n.min_items = schema_detail::ArraySize<T>::value;
    n.max_items = schema_detail::ArraySize<T>::value;
  }
  n.owner = &typeid(P);
  n.bind = [member](const SchemaNode&, void* parent, const YAML::Node& v) {
    L::read(v, static_cast<P*>(parent)->*member);
  };
  n.default_from = [member](const void* parent) {
    return L::text(static_cast<const P*>(parent)->*member);
  };
  return n;
}

// An enumeration bound to `P::*member`; `values` maps each YAML spelling to its value.
template <class P, class E>
SchemaNode enum_field(std::string key, E P::*member,
                      std::vector<std::pair<std::string, E>> values, std::string description) {
  SchemaNode n = leaf_node(std::move(key), SchemaType::enumeration, std::move(description));
  const P defaults{};
  for (const auto& [name, value] : values) {
    n.enum_values.push_back(name);
    if (value == defaults.*member) n.default_text = name;
  }
  n.owner = &typeid(P);
  n.bind = [member, values](const SchemaNode&, void* parent, const YAML::Node& v) {
    const auto text = as_text(v);
    for (const auto& [name, value] : values)
      if (text && *text == name) static_cast<P*>(parent)->*member = value;
  };
  n.default_from = [member, values](const void* parent) -> std::optional<std::string> {
    for (const auto& [name, value] : values)
      if (value == static_cast<const P*>(parent)->*member) return name;
    return std::nullopt;
  };
  return n;
}

// A described node read by a custom function (for fields whose YAML and C++ shapes differ).
template <class P>
SchemaNode custom_field(SchemaNode described, std::function<void(P&, const YAML::Node&)> read) {
  described.owner = &typeid(P);
  described.bind = [read = std::move(read)](const SchemaNode&, void* parent,
                                            const YAML::Node& v) {
    read(*static_cast<P*>(parent), v);
  };
  return described;
}

// The root of a file's schema, reading into T.
template <class T>
SchemaNode root_object(std::string key, std::string description,
                       std::vector<SchemaNode> children) {
  schema_detail::check_children(key, children, typeid(T));
  SchemaNode n = object_node(std::move(key), std::move(description), std::move(children));
  n.object_type = &typeid(T);
  return n;
}

// A nested mapping bound to the sub-struct `P::*member`.
template <class P, class S>
SchemaNode object(std::string key, S P::*member, std::string description,
                  std::vector<SchemaNode> children) {
  SchemaNode n = root_object<S>(std::move(key), std::move(description), std::move(children));
  n.owner = &typeid(P);
  n.bind = [member](const SchemaNode& self, void* parent, const YAML::Node& v) {
    read_object(v, self, &(static_cast<P*>(parent)->*member));
  };
  n.member_of = [member](const void* parent) -> const void* {
    return &(static_cast<const P*>(parent)->*member);
  };
  const P defaults{};
  schema_detail::apply_defaults(n, &(defaults.*member));
  return n;
}

// A mapping whose keys read into the parent struct itself (YAML groups what C++ keeps flat).
template <class P>
SchemaNode flattened(std::string key, std::string description, std::vector<SchemaNode> children) {
  SchemaNode n = root_object<P>(std::move(key), std::move(description), std::move(children));
  n.owner = &typeid(P);
  n.bind = [](const SchemaNode& self, void* parent, const YAML::Node& v) {
    read_object(v, self, parent);
  };
  n.member_of = [](const void* parent) { return parent; };
  return n;
}

// An existing object schema (e.g. the governance block) placed under `P::*member`.
template <class P, class S>
SchemaNode embed(S P::*member, const SchemaNode& schema) {
  if (schema.object_type == nullptr || *schema.object_type != typeid(S))
    throw std::logic_error("schema '" + schema.key + "' does not read into this member");
  SchemaNode n = schema;
  n.owner = &typeid(P);
  n.bind = [member](const SchemaNode& self, void* parent, const YAML::Node& v) {
    read_object(v, self, &(static_cast<P*>(parent)->*member));
  };
  n.member_of = [member](const void* parent) -> const void* {
    return &(static_cast<const P*>(parent)->*member);
  };
  const P defaults{};
  schema_detail::apply_defaults(n, &(defaults.*member));
  return n;
}

// A list of mappings bound to `std::vector<S> P::*member`. Every element of the YAML list
// yields one element (defaults where invalid), so indices match between YAML and C++.
template <class P, class S>
SchemaNode object_list(std::string key, std::vector<S> P::*member, std::string description,
                       std::vector<SchemaNode> children) {
  schema_detail::check_children(key, children, typeid(S));
  SchemaNode n = object_list_node(std::move(key), std::move(description), std::move(children));
  n.owner = &typeid(P);
  n.object_type = &typeid(S);
  n.bind = [member](const SchemaNode& self, void* parent, const YAML::Node& v) {
    auto& out = static_cast<P*>(parent)->*member;
    out.clear();
    if (!is_seq(v)) return;
    for (const auto& item : v) {
      S element{};
      read_object(item, self, &element);
      out.push_back(std::move(element));
    }
  };
  const S defaults{};
  schema_detail::apply_defaults(n, &defaults);
  return n;
}

}  // namespace goodhart::engine
