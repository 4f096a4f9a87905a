#include "goodhart/sim/limits.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/governor.hpp"
#include "goodhart/engine/yaml_util.hpp"
#include "goodhart/sim/scenario_loader.hpp"

namespace goodhart::sim {

namespace {

// Bytes per licensed seat, counted from the arrays simulate_replicate and engine::Governor
// allocate (keep these in step with them; tests/sim/test_hostile_scenario.cpp measures the
// peak resident size of a real run against this estimate).
//   traits and state: cohort 2, team 4, four float traits 16, agents 2, four flags 4,
//     loop and window floats 12, efforts in force 12, target efforts 12           =  64
//   accumulators: tokens by purpose 40, spend 8, value/PRs/commits/edits 40,
//     active and capped days 8, effort sums 12, two flags 2                       = 110
//   ranking scratch at week ends (the metric 8, ranks 8, (value, index) pairs 16 for
//     each variable ranked at once: one with one thread, two with more)         = 32..48
//   governor: engine::Governor::bytes_per_person (by policy)                      = 10..50
constexpr std::uint64_t kInFlightPerSeat = 64 + 110 + 48;
// Replicate 0's people columns built at its end (copies of cohort, team, efforts, spend,
// rewarded metric), while the in-flight arrays still exist.
constexpr std::uint64_t kPeopleCopiesPerSeat = 2 + 4 + 24 + 8 + 8;
// Replicate 0's people columns kept in the result of every variant until the run ends.
constexpr std::uint64_t kPeopleKeptPerSeat = 2 + 4 + 24 + 40 + 8 + 8 + 8 + 32 + 8 + 1;
// Per replicate: the figures and 22 daily series (doubles) are kept for the whole run.
constexpr std::uint64_t kFigures = 42;
constexpr std::uint64_t kDailySeries = 22;

// The simulator indexes seats with 32 bits in its counter-based random streams and cohorts
// with 16 bits: beyond these, two people would draw the same numbers, silently.
constexpr std::int64_t kMaxSeats = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxCohorts = std::numeric_limits<std::uint16_t>::max();

constexpr std::uint64_t kMaxBytes = std::numeric_limits<std::uint64_t>::max();

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kMaxBytes : r;
}
std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? kMaxBytes : r;
}

// Seats of a cohort as the simulator computes them, without overflowing for absurd input.
std::int64_t seats_of(const Cohort& c) {
  const double seats = std::round(static_cast<double>(c.headcount) * c.seat_share);
  if (!(seats >= 0)) return 0;
  if (seats >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(seats);
}

// Scenario::employees() without overflow, for messages about absurd headcounts.
std::int64_t saturated_employees(const Scenario& s) {
  std::int64_t n = 0;
  for (const auto& c : s.cohorts)
    n = c.headcount > std::numeric_limits<std::int64_t>::max() - n ? std::numeric_limits<std::int64_t>::max()
                                                                   : n + c.headcount;
  return n;
}

// The largest window state of any leaderboard the scenario defines (a variant may enable one
// the base leaves off), in bytes per seat: a float per period while periods leave the window
// during the run, else a float for the current period and a double for the closed ones; twice
// that for a board that ranks a ratio (outcomes per dollar).
std::uint64_t leaderboard_bytes_per_seat(const Scenario& s) {
  std::uint64_t most = 0;
  for (const auto& k : s.incentives)
    if (k.kind == SchemeKind::leaderboard) {
      const std::uint64_t one = k.window_slides_within(s.horizon.days)
                                    ? 4 * static_cast<std::uint64_t>(k.periods_in_window())
                                    : 4 + 8;
      most = std::max(most, one * (k.metric == Metric::outcome_per_usd ? 2 : 1));
    }
  return most;
}

std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

std::optional<std::uint64_t> read_meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return sat_mul(kb, 1024);
  }
  return std::nullopt;
}

// cgroup v2: memory.max ("max" when unlimited) minus memory.current, of this process's group.
std::optional<std::uint64_t> read_cgroup_available() {
  std::ifstream self("/proc/self/cgroup");
  std::string line, group;
  while (std::getline(self, line))
    if (line.rfind("0::", 0) == 0) group = line.substr(3);
  if (group.empty()) return std::nullopt;
  const std::string dir = "/sys/fs/cgroup" + (group == "/" ? std::string() : group);
  std::ifstream max_in(dir + "/memory.max"), cur_in(dir + "/memory.current");
  std::string max_text;
  std::uint64_t current = 0;
  if (!(max_in >> max_text) || max_text == "max" || !(cur_in >> current)) return std::nullopt;
  std::uint64_t limit = 0;
  try {
    limit = std::stoull(max_text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return limit > current ? limit - current : 0;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  static const char* kUnits[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000.0 && u < 6) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, kUnits[u]);
  return buf;
}

RunSizeEstimate estimate_run_size(const Scenario& s, int replicates, int variants, int in_flight) {
  RunSizeEstimate e;
  for (const auto& c : s.cohorts) {
    const std::int64_t add = seats_of(c);
    e.seats = add > std::numeric_limits<std::int64_t>::max() - e.seats
                  ? std::numeric_limits<std::int64_t>::max()
                  : e.seats + add;
  }
  if (variants <= 0) variants = 1 + static_cast<int>(s.variants.size());
  const auto seats = static_cast<std::uint64_t>(e.seats);
  e.bytes_per_seat = kInFlightPerSeat + engine::Governor::bytes_per_person(s.governance) + kPeopleCopiesPerSeat +
                     leaderboard_bytes_per_seat(s);
  e.in_flight_bytes = sat_mul(sat_mul(seats, e.bytes_per_seat), static_cast<std::uint64_t>(std::max(1, in_flight)));
  // The variant in flight builds its own people at its end (counted above as copies); the
  // variants run before it keep theirs.
  e.people_bytes = sat_mul(sat_mul(seats, kPeopleKeptPerSeat), static_cast<std::uint64_t>(variants - 1));
  const std::uint64_t per_replicate =
      8 * (kFigures + kDailySeries * static_cast<std::uint64_t>(std::max(0, s.horizon.days)));
  e.results_bytes = sat_mul(sat_mul(per_replicate, static_cast<std::uint64_t>(std::max(0, replicates))),
                            static_cast<std::uint64_t>(variants));
  e.total_bytes = sat_add(sat_add(e.in_flight_bytes, e.people_bytes), e.results_bytes);
  return e;
}

std::optional<std::uint64_t> available_memory_bytes() {
  const auto mem = read_meminfo_available();
  const auto cg = read_cgroup_available();
  if (mem && cg) return std::min(*mem, *cg);
  return mem ? mem : cg;
}

namespace {

struct Problem {
  const Cohort* cohort = nullptr;  // the cohort to change (most seats), if any
  std::string message;             // starts with the dotted path of the place
};

std::optional<Problem> size_problem(const Scenario& s, int replicates, int variants,
                                    std::uint64_t available_bytes, int in_flight) {
  Problem p;
  for (const auto& c : s.cohorts)
    if (!p.cohort || seats_of(c) > seats_of(*p.cohort)) p.cohort = &c;
  const std::string path = p.cohort ? "cohorts." + p.cohort->name + ".headcount" : "cohorts";

  if (s.cohorts.size() > kMaxCohorts) {
    p.message = "cohorts: " + std::to_string(s.cohorts.size()) + " cohorts; at most " +
                std::to_string(kMaxCohorts) + " are supported";
    return p;
  }
  const RunSizeEstimate e = estimate_run_size(s, replicates, variants, in_flight);
  if (e.seats > kMaxSeats) {
    p.message = path + ": " + with_commas(saturated_employees(s)) + " employees (" + with_commas(e.seats) +
                " licensed seats); the simulator supports at most " + with_commas(kMaxSeats) +
                " (its random streams index people with 32 bits), and would need about " +
                format_bytes(e.total_bytes) + " of memory. Reduce the headcount or seat_share.";
    return p;
  }
  if (e.total_bytes <= available_bytes) return std::nullopt;

  std::ostringstream msg;
  msg << path << ": " << with_commas(saturated_employees(s)) << " employees ("
      << with_commas(e.seats) << " licensed seats) need about "
      << format_bytes(e.total_bytes) << " of memory (about " << e.bytes_per_seat << " bytes per seat for "
      << (in_flight > 1 ? "each of the " + std::to_string(in_flight) + " replicates in flight" : "the replicate in flight");
  if (e.people_bytes > 0)
    msg << ", " << format_bytes(e.people_bytes) << " for the people of earlier variants";
  if (e.results_bytes >= e.total_bytes / 10)
    msg << ", " << format_bytes(e.results_bytes) << " for " << replicates << " replicates' results";
  msg << "), but only " << format_bytes(available_bytes)
      << " is available. Reduce the headcount or seat_share, run fewer variants or replicates, "
         "or use a machine with more memory.";
  p.message = msg.str();
  return p;
}

std::uint64_t available_or_unlimited() {
  // Unknown available memory (no /proc): refuse only what exceeds the index space.
  return available_memory_bytes().value_or(kMaxBytes);
}

}  // namespace

std::optional<std::string> check_run_size(const Scenario& s, int replicates, int variants,
                                          std::uint64_t available_bytes, int in_flight) {
  const auto p = size_problem(s, replicates, variants, available_bytes, in_flight);
  if (!p) return std::nullopt;
  return (s.file.empty() ? std::string("<scenario>") : s.file) + ": " + p->message;
}

void require_run_size(const ScenarioDocument& doc, const Scenario& s, int replicates, int variants,
                      int in_flight) {
  const auto p = size_problem(s, replicates, variants, available_or_unlimited(), in_flight);
  if (!p) return;
  const std::string file = s.file.empty() ? doc.file() : s.file;
  engine::Location where{file};
  // The line of the headcount to change, when the document has it.
  if (p->cohort) {
    const YAML::Node cohorts = doc.root()["cohorts"];
    if (cohorts.IsSequence())
      for (const auto& c : cohorts)
        if (c.IsMap() && c["name"] && c["name"].IsScalar() && c["name"].Scalar() == p->cohort->name &&
            c["headcount"])
          where = engine::location_of(c["headcount"], file);
  }
  throw engine::InputError(where, p->message);
}

std::optional<std::string> check_run_size(const Scenario& s, int replicates, int variants) {
  return check_run_size(s, replicates, variants, available_or_unlimited());
}

}  // namespace goodhart::sim
