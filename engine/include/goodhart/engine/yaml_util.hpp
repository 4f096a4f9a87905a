// Shared YAML plumbing for every goodhart file (scenarios, policies, pricing catalogs):
// parse with locations, collect all diagnostics of a file, "did you mean" for unknown keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/error.hpp"

namespace goodhart::engine {

// Parses a YAML file; a syntax error becomes an InputError at its line:col.
YAML::Node load_yaml_file(const std::string& path);
YAML::Node load_yaml_string(const std::string& text, const std::string& name);

Location location_of(const YAML::Node& node, const std::string& file);

// Collects every problem found in one file so they can be reported together.
class DiagnosticList {
 public:
  explicit DiagnosticList(std::string file) : file_(std::move(file)) {}
  void fail(const YAML::Node& at, const std::string& message);
  void fail(Location at, const std::string& message);
  bool empty() const { return items_.empty(); }
  const std::string& file() const { return file_; }
  const std::vector<Diagnostic>& items() const { return items_; }
  void throw_if_any() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

// "a, b, c" (or with another separator), for lists in messages.
std::string joined(const std::vector<std::string>& items, const char* sep = ", ");
// The parts of `s` between each `sep` (a dotted path into its keys); empty parts kept.
std::vector<std::string> split(const std::string& s, char sep);

// Closest candidate by edit distance, if close enough to be a plausible typo.
std::optional<std::string> did_you_mean(std::string_view key,
                                        const std::vector<std::string>& candidates);

// Reports every key of `map` not in `allowed`, with a suggestion.
void check_keys(const YAML::Node& map, std::initializer_list<const char*> allowed,
                DiagnosticList& diags);
void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                DiagnosticList& diags);

std::optional<Date> read_date(const YAML::Node& map, const char* key, DiagnosticList& diags);

}  // namespace goodhart::engine
