// Scenario files: the YAML document with its variants and overrides (ScenarioDocument), its
// schema, and the validating loader that turns it into a typed Scenario.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/schema.hpp"
#include "goodhart/sim/scenario.hpp"

namespace goodhart::sim {

// The YAML tree of one scenario with overrides applied. Copies are deep: the source text is
// parsed again and the overrides replayed, so that every node keeps its line:col.
class ScenarioDocument {
 public:
  static ScenarioDocument load_file(const std::string& path);
  // `name` is used in messages and to resolve a relative pricing catalog path.
  static ScenarioDocument from_string(const std::string& yaml, const std::string& name);

  ScenarioDocument(const ScenarioDocument& other);
  ScenarioDocument& operator=(const ScenarioDocument& other);
  ScenarioDocument(ScenarioDocument&&) noexcept = default;
  ScenarioDocument& operator=(ScenarioDocument&& other) noexcept;

  // Sets a dotted path ("cohorts.engineers.headcount", "governance.caps.org_month_usd"):
  // mapping keys by name, list elements by their `name`. Keys valid in the schema but absent
  // from the document are created. Throws InputError for an unknown path (with a
  // suggestion) or a value of the wrong type or out of range.
  void set(const std::string& dotted_path, const YAML::Node& value);
  void set_from_string(const std::string& dotted_path, const std::string& yaml_value);
  // The value at a dotted path (a copy); throws InputError if unknown or absent.
  YAML::Node get(const std::string& dotted_path) const;

  std::vector<std::string> variant_names() const;
  // This document with the variant's `set` applied; throws InputError for an unknown
  // variant (listing the names) or override paths that do not exist.
  ScenarioDocument with_variant(const std::string& name) const;
  // The variant applied by with_variant, or "" for the base.
  const std::string& variant() const { return variant_; }

  // Validates everything (all problems at once, as one InputError) and returns the typed
  // scenario, with its pricing catalog loaded.
  Scenario build() const;

  const std::string& file() const { return file_; }
  const YAML::Node& root() const { return root_; }

 private:
  struct Override {
    std::string path;
    YAML::Node value;       // API overrides: a private copy with no source positions
    std::string variant;    // variant overrides: value re-read from the variant each time
    engine::Location key_at;  // the override's key in the file, when it has one
  };

  ScenarioDocument(std::shared_ptr<const std::string> text, std::string file);
  void reparse();
  // Applies one override; problems with the path go to `diags`. Returns false on failure.
  bool apply(const Override& ov, const YAML::Node& value, engine::DiagnosticList& diags);
  // Problems of the variants' override paths, checked against this document.
  void check_variant_paths(engine::Reporter& out) const;
  engine::UnmarkedReporter unmarked_reporter(engine::DiagnosticList& diags) const;
  Scenario build_into(engine::DiagnosticList& diags) const;
  ScenarioDocument apply_variant(const std::string& name, engine::DiagnosticList& diags) const;

  std::shared_ptr<const std::string> text_;
  std::string file_;
  YAML::Node root_;
  std::vector<Override> overrides_;
  std::string variant_;

  friend std::vector<engine::Diagnostic> validate_scenario_file(const std::string& path);
};

// = ScenarioDocument::load_file(path).build()
Scenario load_scenario(const std::string& path);

// Every problem of the base scenario and of each of its variants; empty = valid.
std::vector<engine::Diagnostic> validate_scenario_file(const std::string& path);

// The schema of a scenario file (reads into Scenario, except pricing and timeline, which
// the loader resolves).
const engine::SchemaNode& scenario_schema();

}  // namespace goodhart::sim
