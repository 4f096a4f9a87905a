// Sweeps: file validation with locations, design points, seeds; shards that concatenate into
// the full sweep; a sweep killed midway (SIGKILL, half-written row) resumed to the same result;
// refusal of results made under another definition; the CLI's exit codes.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "goodhart/engine/error.hpp"
#include "goodhart/sim/sweep.hpp"

using namespace goodhart;
using namespace goodhart::sim;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(GOODHART_SOURCE_DIR) / "tests" / "sim" / "data";

// A fresh directory under the system's temporary directory, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() /
           ("goodhart-sweep-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const engine::InputError& e) {
    return e.what();
  }
  return "";
}

// Everything of a row except the shard that ran it.
std::string key(const SweepRow& r) {
  std::ostringstream os;
  os.precision(17);
  os << r.point << "|" << r.variant << "|" << r.seed;
  for (const auto& v : r.values) os << "|" << v;
  for (std::size_t i = 0; i < r.p50.size(); ++i) os << "|" << r.p50[i] << "|" << r.mean[i];
  return os.str();
}

std::vector<std::string> keys(const std::vector<SweepRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(key(r));
  return out;
}

// Runs the CLI with arguments; returns the wait status.
int run_cli(const std::vector<std::string>& args, const fs::path& stderr_file) {
  std::fflush(stdout);  // or the child would flush the parent's pending output a second time
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string cli = GOODHART_CLI;
    argv.push_back(cli.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::FILE* err = std::freopen(stderr_file.c_str(), "w", stderr);
    std::FILE* out = std::freopen("/dev/null", "w", stdout);
    if (!err || !out) ::_exit(99);
    ::execv(GOODHART_CLI, argv.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", GOODHART_CLI, std::strerror(errno));
    ::_exit(98);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

const char* kLhs = "sweep_tiny_lhs.yaml";

}  // namespace

TEST_CASE("sweep files report every problem with file and line and column", "[sweep]") {
  const std::string text =
      "sweep:\n"                                                        // 1
      "  scenario: sweep_tiny.yaml\n"                                   // 2
      "  desing: lhs\n"                                                 // 3
      "  points: 0\n"                                                   // 4
      "  outputs: [spend_usd, theater_share]\n"                         // 5
      "  parameters:\n"                                                 // 6
      "    - {path: incentives.board.prize, min: 3, max: 1}\n"          // 7
      "    - {path: behaviour.know_how.spread_hazard, values: [0.1], min: 0}\n"  // 8
      "    - {path: incentives.board.top_share, min: 0, max: 0.5, scale: log}\n";  // 9
  const std::string msg =
      error_of([&] { load_sweep_string(text, "bad.yaml", kData); });
  INFO(msg);
  CHECK(msg.find("bad.yaml:3:3: unknown key 'desing'; did you mean 'design'?") !=
        std::string::npos);
  CHECK(msg.find("bad.yaml:4:11: 'points' must be in [1,") != std::string::npos);
  CHECK(msg.find("bad.yaml:5:24: unknown output 'theater_share'; did you mean 'theatre_share'?") !=
        std::string::npos);
  CHECK(msg.find("bad.yaml:7:") != std::string::npos);
  CHECK(msg.find("'max' must be greater than 'min'") != std::string::npos);
  CHECK(msg.find("bad.yaml:8:7: parameter 'behaviour.know_how.spread_hazard' needs either") !=
        std::string::npos);
  CHECK(msg.find("bad.yaml:9:") != std::string::npos);
  CHECK(msg.find("a log scale needs 'min' > 0") != std::string::npos);
  CHECK(msg.find("missing 'design'") != std::string::npos);

  CHECK(error_of([&] { load_sweep_string("meta: {name: x}\n", "m.yaml", kData); })
            .find("m.yaml:1:1: not a sweep file") != std::string::npos);
  CHECK(error_of([&] { load_sweep_string("sweep: [1]\n", "x.yaml", kData); })
            .find("x.yaml:1:8: 'sweep' must be a mapping") != std::string::npos);
  CHECK(error_of([&] {
          load_sweep_string("sweep:\n  design: lhs\n  design: grid\n", "d.yaml", kData);
        })
            .find("d.yaml:3:3: duplicate key 'design'") != std::string::npos);
}

TEST_CASE("sweep parameters and variants are checked against the scenario", "[sweep]") {
  const std::string text =
      "sweep:\n"
      "  scenario: sweep_tiny.yaml\n"
      "  design: lhs\n"
      "  points: 4\n"
      "  variants: [base, cap]\n"
      "  parameters:\n"
      "    - {path: incentives.bord.prize, min: 1, max: 3}\n"
      "    - {path: incentives.board.top_share, values: [0.1, 2.0]}\n";
  const std::string msg = error_of([&] { Sweep s(load_sweep_string(text, "p.yaml", kData)); });
  INFO(msg);
  // Variants first (one problem at a time is enough for them), then the parameters.
  CHECK(msg.find("p.yaml:5:20: unknown variant 'cap'") != std::string::npos);
  CHECK(msg.find("did you mean 'caps'?") != std::string::npos);

  const std::string text2 =
      "sweep:\n"
      "  scenario: sweep_tiny.yaml\n"
      "  design: lhs\n"
      "  points: 4\n"
      "  parameters:\n"
      "    - {path: incentives.bord.prize, min: 1, max: 3}\n"
      "    - {path: incentives.board.top_share, values: [0.1, 2.0]}\n"
      "    - {path: cohorts.engineers.model, min: 1, max: 2}\n";
  const std::string msg2 = error_of([&] { Sweep s(load_sweep_string(text2, "p.yaml", kData)); });
  INFO(msg2);
  CHECK(msg2.find("p.yaml:6:7: parameter 'incentives.bord.prize': no incentive scheme named "
                  "'bord'") != std::string::npos);
  CHECK(msg2.find("did you mean 'board'") != std::string::npos);
  CHECK(msg2.find("p.yaml:7:7: parameter 'incentives.board.top_share'") != std::string::npos);
  CHECK(msg2.find("p.yaml:8:7: parameter 'cohorts.engineers.model' is not a number") !=
        std::string::npos);

  CHECK(error_of([&] {
          Sweep s(load_sweep_string("sweep:\n  scenario: nowhere.yaml\n  design: oat\n"
                                    "  parameters: [{path: incentives.board.prize, "
                                    "min: 0, max: 1}]\n",
                                    "n.yaml", kData));
        }).find("n.yaml:2:13: scenario file") != std::string::npos);
}

TEST_CASE("design points map ranges and lists onto scenario values", "[sweep]") {
  const Sweep lhs(load_sweep_file((kData / kLhs).string()));
  REQUIRE(lhs.size() == 12);
  std::set<long> headcounts;
  for (std::size_t k = 0; k < lhs.size(); ++k) {
    const auto& v = lhs.values(k);
    const double hazard = std::stod(v[0]), prize = std::stod(v[1]);
    CHECK(hazard >= 0.01);
    CHECK(hazard < 0.5);
    CHECK(prize >= 0);
    CHECK(prize < 8);
    CHECK(v[2].find_first_not_of("0123456789") == std::string::npos);  // an integer key
    headcounts.insert(std::stol(v[2]));
  }
  CHECK(headcounts.size() > 6);
  // Log scale: a Latin hypercube puts a quarter of the points in each quarter of log space.
  std::size_t low = 0;
  for (std::size_t k = 0; k < lhs.size(); ++k)
    if (std::stod(lhs.values(k)[0]) < std::exp(std::log(0.01) + 0.25 * std::log(50.0))) ++low;
  CHECK(low == 3);

  const std::string grid =
      "sweep:\n  scenario: sweep_tiny.yaml\n  design: grid\n  levels: 3\n  parameters:\n"
      "    - {path: incentives.board.prize, min: 0.1, max: 0.3}\n"
      "    - {path: incentives.board.enabled, values: [true, false]}\n";
  const Sweep g(load_sweep_string(grid, "g.yaml", kData));
  REQUIRE(g.size() == 6);
  CHECK(g.values(0) == std::vector<std::string>{"0.1", "true"});
  CHECK(g.values(1) == std::vector<std::string>{"0.1", "false"});
  CHECK(g.values(2) == std::vector<std::string>{"0.2", "true"});
  // Exactly max, not 0.1 + 1 x (0.3 - 0.1) = 0.30000000000000004.
  CHECK(g.values(5) == std::vector<std::string>{"0.3", "false"});

  const Sweep oat(load_sweep_file((kData / "sweep_tiny_oat.yaml").string()));
  REQUIRE(oat.size() == 9);
  // Base: the scenario's values (an explicit base for 'enabled'), then low/high of each.
  CHECK(oat.values(0) == std::vector<std::string>{"0.1", "3", "true", "claude-sonnet-4-5"});
  CHECK(oat.values(1) == std::vector<std::string>{"0.02", "3", "true", "claude-sonnet-4-5"});
  CHECK(oat.values(2) == std::vector<std::string>{"0.4", "3", "true", "claude-sonnet-4-5"});
  CHECK(oat.values(7) == std::vector<std::string>{"0.1", "3", "true", "claude-haiku-4-5"});

  const std::string salt =
      "sweep:\n  scenario: sweep_tiny.yaml\n  design: saltelli\n  points: 16\n  parameters:\n"
      "    - {path: incentives.board.prize, min: 0, max: 8}\n"
      "    - {path: behaviour.know_how.spread_hazard, min: 0.01, max: 0.3}\n";
  CHECK(Sweep(load_sweep_string(salt, "s.yaml", kData)).size() == 16 * 4);
}

TEST_CASE("point seeds come from the sweep seed and the point index", "[sweep]") {
  const Sweep s(load_sweep_file((kData / kLhs).string()));
  CHECK(s.seed() == 99);
  std::set<std::uint64_t> seeds;
  for (std::size_t k = 0; k < s.size(); ++k) seeds.insert(s.point_seed(k));
  CHECK(seeds.size() == s.size());
  CHECK(s.point_seed(3) == Sweep(load_sweep_file((kData / kLhs).string())).point_seed(3));
  const Sweep crn(load_sweep_file((kData / "sweep_tiny_oat.yaml").string()));
  CHECK(crn.point_seed(0) == 7);  // common random numbers: the scenario's seed for every point
  CHECK(crn.point_seed(5) == 7);
}

TEST_CASE("a sweep split into 3 shards equals the unsharded sweep", "[sweep]") {
  TempDir whole("whole"), sharded("sharded");
  const Sweep s(load_sweep_file((kData / kLhs).string()));
  SweepRunOptions o;
  o.out_dir = whole.path;
  o.threads = 2;  // and a different thread count from the shards'
  const auto sum = run_sweep(s, o);
  CHECK(sum.ran == 12);
  const auto full = read_sweep_results(s, whole.path);
  REQUIRE(full.size() == 24);  // 12 points x 2 variants

  for (std::size_t i = 0; i < 3; ++i) {
    SweepRunOptions so;
    so.out_dir = sharded.path;
    so.shard = Shard{i, 3};
    const auto r = run_sweep(s, so);
    CHECK(r.in_shard == 4);
    CHECK(r.ran == 4);
    // Each shard's file holds exactly the points k with k mod 3 == i.
    const std::string text = read_file(sharded.path / results_file_name(so.shard));
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      const auto fields = split_csv_line(line);
      CHECK(std::stoul(fields[0]) % 3 == i);
      CHECK(fields[1] == std::to_string(i) + "/3");
    }
  }
  const auto parts = read_sweep_results(s, sharded.path);
  CHECK(keys(parts) == keys(full));
  for (std::size_t k = 0; k < full.size(); ++k) CHECK(full[k].shard == "0/1");
}

TEST_CASE("a sweep killed midway and resumed equals an uninterrupted one", "[sweep]") {
  TempDir reference("reference"), killed("killed");
  const fs::path file = kData / kLhs;
  const Sweep s(load_sweep_file(file.string()));
  SweepRunOptions o;
  o.out_dir = reference.path;
  run_sweep(s, o);
  const auto expected = keys(read_sweep_results(s, reference.path));

  // The CLI kills itself (SIGKILL, no cleanup) right after its third point is saved, with a
  // second worker thread in the middle of another point.
  const fs::path err = killed.path / "stderr.txt";
  const fs::path out = killed.path / "out";
  const int status = run_cli({"sweep", file.string(), "--out", out.string(), "--threads", "2",
                              "--quiet", "--test-crash-after", "3"},
                             err);
  INFO(read_file(err));
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  const auto after_kill = read_sweep_results(s, out);
  CHECK(after_kill.size() == 6);  // three points, two variants each

  // A row half-written when the machine went down: no newline, cut mid-number.
  {
    std::ofstream app(out / "results.csv", std::ios::app | std::ios::binary);
    app << "11,0/1,0.1181205332159,1.57775";
  }
  const int resumed = run_cli({"sweep", file.string(), "--out", out.string(), "--quiet"}, err);
  REQUIRE(WIFEXITED(resumed));
  CHECK(WEXITSTATUS(resumed) == 0);
  CHECK(keys(read_sweep_results(s, out)) == expected);

  // The file itself: the header and 24 complete rows, each point once, nothing half-written.
  const std::string text = read_file(out / "results.csv");
  CHECK(text.back() == '\n');
  std::istringstream lines(text);
  std::string line;
  std::size_t n = 0;
  std::set<std::string> seen;
  std::getline(lines, line);
  CHECK(line + "\n" == s.csv_header());
  while (std::getline(lines, line)) {
    ++n;
    const auto f = split_csv_line(line);
    CHECK(f.size() == s.columns().size());
    CHECK(seen.insert(f[0] + "/" + f[2 + s.dims()]).second);
  }
  CHECK(n == 24);

  // A third run finds nothing to do.
  SweepRunOptions again;
  again.out_dir = out;
  const auto sum = run_sweep(s, again);
  CHECK(sum.ran == 0);
  CHECK(sum.resumed == 12);
}

TEST_CASE("results made under another definition are refused", "[sweep]") {
  TempDir dir("changed");
  const fs::path file = kData / kLhs;
  {
    const Sweep s(load_sweep_file(file.string()));
    // Opening the checkpoint writes the manifest; no point needs to run.
    SweepCheckpoint cp(s, dir.path, Shard{});
  }
  const std::string replicates_msg = error_of([&] {
    const Sweep s(load_sweep_file(file.string()), 3);
    SweepCheckpoint cp(s, dir.path, Shard{});
  });
  CHECK(replicates_msg.find("sweep.json") != std::string::npos);
  CHECK(replicates_msg.find("replicates were 2, now 3") != std::string::npos);

  std::string text = read_file(file);
  text.replace(text.find("seed: 99"), 8, "seed: 98");
  const std::string edited_msg = error_of([&] {
    const Sweep s(load_sweep_string(text, file.string(), kData));
    SweepCheckpoint cp(s, dir.path, Shard{});
  });
  CHECK(edited_msg.find("the sweep file changed") != std::string::npos);
  CHECK(edited_msg.find("another definition") != std::string::npos);

  // Same definition: accepted.
  CHECK_NOTHROW([&] {
    const Sweep s(load_sweep_file(file.string()));
    SweepCheckpoint cp(s, dir.path, Shard{});
  }());

  // Results whose manifest is gone cannot be trusted either.
  fs::remove(dir.path / "sweep.json");
  CHECK(error_of([&] {
          const Sweep s(load_sweep_file(file.string()));
          SweepCheckpoint cp(s, dir.path, Shard{});
        }).find("holds sweep results but no sweep.json") != std::string::npos);
}

TEST_CASE("sensitivity needs the right design and every point", "[sweep]") {
  const Sweep lhs(load_sweep_file((kData / kLhs).string()));
  CHECK(error_of([&] { analyse_sweep(lhs, {}, {}); }).find("needs design saltelli") !=
        std::string::npos);

  const Sweep oat(load_sweep_file((kData / "sweep_tiny_oat.yaml").string()));
  std::vector<SweepRow> rows;
  SweepRunOptions o;
  o.on_rows = [&](const std::vector<SweepRow>& r) { rows.insert(rows.end(), r.begin(), r.end()); };
  run_sweep(oat, o);
  REQUIRE(rows.size() == 9);
  auto partial = rows;
  partial.pop_back();
  CHECK(error_of([&] { analyse_sweep(oat, partial, {}); }).find("1 of 9 are missing") !=
        std::string::npos);
  const auto t = analyse_sweep(oat, rows, {});
  REQUIRE(t.tornado.size() == 8);  // 2 outputs x 4 parameters
  // Turning the leaderboard off lowers spend; a sonnet seat costs more than a haiku one.
  for (const auto& b : t.tornado) {
    if (b.output != "spend_usd") continue;
    if (b.parameter == "incentives.board.enabled") CHECK(b.at_low < b.at_high);
    if (b.parameter == "cohorts.engineers.model") CHECK(b.at_low < b.at_high);
  }
}

TEST_CASE("goodhart sweep exits 2 on a bad sweep file with its location", "[sweep]") {
  TempDir dir("cli");
  write_file(dir.path / "bad.yaml",
             "sweep:\n  scenario: " + (kData / "sweep_tiny.yaml").string() +
                 "\n  design: lhs\n  points: 4\n  parameters:\n"
                 "    - {path: incentives.board.prize, min: 1, max: 3, scale: logarithmic}\n");
  const fs::path err = dir.path / "stderr.txt";
  const int status = run_cli({"sweep", (dir.path / "bad.yaml").string(), "--out",
                              (dir.path / "out").string()},
                             err);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  const std::string msg = read_file(err);
  CHECK(msg.find("bad.yaml:6:") != std::string::npos);
  CHECK(msg.find("'scale' must be linear or log") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "out"));  // nothing written for a definition that failed

  const int shard = run_cli({"sweep", (kData / kLhs).string(), "--shard", "3/3"}, err);
  CHECK(WEXITSTATUS(shard) == 2);
  CHECK(read_file(err).find("is not a shard") != std::string::npos);
}
