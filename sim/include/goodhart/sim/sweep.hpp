// Parameter sweeps over a scenario: the sweep file, its design points, running points with
// checkpoints and shards (results.csv), and the sensitivity tables built from the results.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/sensitivity.hpp"
#include "goodhart/sim/scenario_loader.hpp"

namespace goodhart::sim {

enum class SweepDesign { grid, lhs, sobol, saltelli, oat };
const char* design_name(SweepDesign d);

struct SweepParameter {
  std::string path;                 // dotted scenario path
  std::string name;                 // column name (default: the path)
  engine::Location at;              // the parameter's entry in the sweep file
  std::vector<std::string> values;  // a list of values, as YAML text; empty for a range
  double min = 0, max = 0;          // a range
  bool log_scale = false;
  bool integer = false;             // the scenario key is an integer: range values are rounded
  int levels = 0;                   // grid levels of a range (0: the sweep's `levels`)
  std::optional<std::string> base;  // one-at-a-time base value (YAML text)
  bool is_range() const { return values.empty(); }
};

struct SweepDefinition {
  std::string file;  // the sweep file as given, for messages
  std::string name, description;
  std::string scenario_file;  // resolved against the sweep file's directory
  engine::Location scenario_at;
  std::vector<std::pair<std::string, std::string>> set;  // fixed overrides: path, YAML text
  std::vector<engine::Location> set_at;
  std::vector<SweepParameter> parameters;
  SweepDesign design = SweepDesign::lhs;
  std::size_t points = 0;  // lhs / sobol: rows; saltelli: base rows
  int levels = 5;          // grid: levels of each range parameter
  std::optional<int> replicates;        // default: the scenario's monte_carlo.replicates
  std::optional<std::uint64_t> seed;    // default: the scenario's monte_carlo.seed
  bool common_random_numbers = false;   // every point uses the sweep seed
  std::vector<std::string> outputs;
  std::vector<std::string> variants;    // "base" is the scenario as written
  std::vector<engine::Location> variants_at;
  std::string text;                     // the sweep file's text (definition hash)
};

// Reads and checks a sweep file (its `sweep:` block); every problem at once, with
// file:line:col. The scenario is not loaded yet (Sweep does that).
SweepDefinition load_sweep_file(const std::string& path);
// `name` is used in messages; a relative `scenario:` is resolved against `base_dir`.
SweepDefinition load_sweep_string(const std::string& yaml, const std::string& name,
                                  const std::filesystem::path& base_dir);

// One row of results.csv: the replicate summary of one point and variant.
struct SweepRow {
  std::size_t point = 0;
  std::string shard;                // "i/n" of the job that ran it
  std::vector<std::string> values;  // parameter values, YAML text
  std::string variant;
  std::vector<double> p50, mean;    // per output, over replicates (NaN: never defined)
  std::uint64_t seed = 0;
};

// "i/n": this job runs the points k with k mod n == i.
struct Shard {
  std::size_t index = 0, count = 1;
  bool owns(std::size_t point) const { return point % count == index; }
  std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
};
Shard parse_shard(const std::string& text);  // throws InputError

// A loaded sweep: the scenario with the fixed overrides, and every design point.
class Sweep {
 public:
  // Loads and checks the scenario, the variants and every parameter value against it.
  // `replicates` overrides the sweep's (and changes the definition hash).
  explicit Sweep(SweepDefinition def, std::optional<int> replicates = std::nullopt);

  const SweepDefinition& definition() const { return def_; }
  std::size_t size() const { return values_.size(); }
  std::size_t dims() const { return def_.parameters.size(); }
  int replicates() const { return replicates_; }
  std::uint64_t seed() const { return seed_; }
  // Parameter values of point k (YAML text, in parameter order).
  const std::vector<std::string>& values(std::size_t point) const { return values_.at(point); }
  // The seed of point k: the (k+1)-th number of the SplitMix64 stream of the sweep seed, or
  // the sweep seed itself with common_random_numbers. It does not depend on shards.
  std::uint64_t point_seed(std::size_t point) const;

  std::vector<std::string> columns() const;
  std::string csv_header() const;
  std::string csv_line(const SweepRow& row) const;

  // Hashes (FNV-1a, hex) of the sweep file, of the scenario text and of the whole definition
  // (both texts and the effective replicates): results made under another hash are refused.
  std::string sweep_hash() const;
  std::string scenario_hash() const;
  std::string definition_hash() const;
  std::string manifest_json() const;  // sweep.json

  // Runs point k (every variant) and returns one row per variant. Thread-safe.
  std::vector<SweepRow> run_point(std::size_t point, int threads = 1,
                                  std::atomic<std::int64_t>* progress = nullptr,
                                  const Shard& shard = {}) const;

 private:
  SweepDefinition def_;
  std::string scenario_text_;  // read once: every point runs the text that was hashed
  int replicates_ = 1;
  std::uint64_t seed_ = 0;
  std::vector<std::vector<std::string>> values_;
};

// The results of a sweep directory: sweep.json plus results.csv (unsharded) or
// results.shard-I-of-N.csv (one per shard). Opening it checks sweep.json against the sweep
// (refusing results of another definition), writes it if missing, drops a trailing partial
// row of this job's file and notes which points are already done in any file of DIR.
class SweepCheckpoint {
 public:
  SweepCheckpoint(const Sweep& sweep, const std::filesystem::path& dir, const Shard& shard);
  ~SweepCheckpoint();
  SweepCheckpoint(const SweepCheckpoint&) = delete;
  SweepCheckpoint& operator=(const SweepCheckpoint&) = delete;

  bool done(std::size_t point) const { return done_.count(point) > 0; }
  std::size_t done_count() const { return done_.size(); }
  // Appends a point's rows (all variants) as one write of complete lines, then fsync.
  // Thread-safe.
  void append(const std::vector<SweepRow>& rows);
  const std::filesystem::path& file() const { return file_; }

 private:
  const Sweep& sweep_;
  std::filesystem::path file_;
  int fd_ = -1;
  std::set<std::size_t> done_;
  std::mutex mutex_;
};

// The name of a job's results file in DIR.
std::string results_file_name(const Shard& shard);

// Every complete row of every results file in `dir`, sorted by point then variant (in the
// sweep's order), each point once. Throws InputError when a file's header is not this
// sweep's.
std::vector<SweepRow> read_sweep_results(const Sweep& sweep, const std::filesystem::path& dir);

struct SweepRunOptions {
  std::filesystem::path out_dir;  // empty: no files, rows only through on_rows
  Shard shard;
  int threads = 1;  // points run side by side; a point gets the threads left over
  std::function<void(const std::vector<SweepRow>&)> on_rows;  // called under a lock
  std::atomic<std::int64_t>* points_done = nullptr;  // incremented as points finish
  const std::atomic<bool>* stop = nullptr;  // when set, no new point starts
  std::size_t crash_after = 0;  // test hook: SIGKILL this process after that many appends
};

struct SweepRunSummary {
  std::size_t in_shard = 0;  // points of this shard
  std::size_t resumed = 0;   // already done when the run started (any file of DIR)
  std::size_t ran = 0;       // run now
  bool stopped = false;      // options.stop was raised
  double elapsed_seconds = 0;
};

// Points of this shard that are not done, in order.
std::vector<std::size_t> pending_points(const Sweep& sweep, const Shard& shard,
                                        const SweepCheckpoint* checkpoint);

SweepRunSummary run_sweep(const Sweep& sweep, const SweepRunOptions& options);

// ---- Sensitivity ----

struct SobolRow {
  std::string variant, output, parameter;
  double first = 0, first_low = 0, first_high = 0;
  double total = 0, total_low = 0, total_high = 0;
  std::size_t rows_used = 0;
};
struct TornadoRow {
  std::string variant, output, parameter;
  std::string low_value, high_value, base_value;  // parameter values (YAML text)
  double base = 0, at_low = 0, at_high = 0, swing = 0;
};
struct SweepSensitivity {
  std::string statistic;  // "mean" or "p50" of the replicates
  std::vector<SobolRow> sobol;      // design saltelli
  std::vector<TornadoRow> tornado;  // design oat
};

// Sobol' indices (saltelli) or tornado bars (oat) for every variant and output, from the full
// results (every point). Throws InputError for another design or missing points.
SweepSensitivity analyse_sweep(const Sweep& sweep, const std::vector<SweepRow>& rows,
                               const engine::SobolOptions& options,
                               const std::string& statistic = "mean");
void write_sensitivity_csv(std::ostream& os, const SweepSensitivity& s);
std::string format_sensitivity(const SweepSensitivity& s);

// CSV field quoting (RFC 4180) and splitting, shared with the results reader.
std::string csv_field(const std::string& text);
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace goodhart::sim
