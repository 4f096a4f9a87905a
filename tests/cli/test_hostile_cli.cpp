// The CLI under hostile conditions: SIGINT and SIGTERM during a run (exit 130/143, a clear
// message, no file left in --out), runs too large for memory (refused at once), and inputs
// that must give exit code 2 with file and place rather than an internal error.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// The signal module lives in the CLI executable, not in a library: compiled in here to be
// tested directly.
#include "../../cli/signals.cpp"

namespace fs = std::filesystem;
using goodhart::cli::DeferSignals;
using goodhart::cli::Interrupted;

namespace {

const std::string kSource = GOODHART_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("goodhart_hostile_cli_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Every file under `dir` (temporary files included), relative to it.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (!e.is_directory()) out.push_back(fs::relative(e.path(), dir).string());
  return out;
}

struct Outcome {
  bool exited = false;
  int code = -1;    // exit code when exited
  int signal = 0;   // terminating signal otherwise
  std::string out, err;
  double seconds = 0;
};

// Runs the CLI with `args`; `during(pid)` runs while it does. Address-space limit in kB
// (0 = none) guards the machine against a run that would allocate without bound.
Outcome run_cli(const std::vector<std::string>& args, const fs::path& scratch,
                const std::function<void(pid_t)>& during = {}, long address_space_kb = 0,
                double timeout_seconds = 120) {
  const fs::path out = scratch / "stdout", err = scratch / "stderr";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (address_space_kb > 0) {
#if defined(__SANITIZE_ADDRESS__)
      // ASan reserves terabytes of shadow address space, so RLIMIT_AS would stop it at start:
      // its own resident-size limit does the job instead.
      const char* old = std::getenv("ASAN_OPTIONS");
      const std::string opts = std::string(old ? old : "") + ":allocator_may_return_null=1:hard_rss_limit_mb=" +
                               std::to_string(address_space_kb / 1024);
      ::setenv("ASAN_OPTIONS", opts.c_str(), 1);
#else
      struct rlimit lim {static_cast<rlim_t>(address_space_kb) * 1024, static_cast<rlim_t>(address_space_kb) * 1024};
      ::setrlimit(RLIMIT_AS, &lim);
#endif
    }
    const int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fo, STDOUT_FILENO);
    ::dup2(fe, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(GOODHART_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(GOODHART_CLI, argv.data());
    ::_exit(127);
  }
  if (during) during(pid);
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (elapsed > timeout_seconds) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("the CLI did not finish within " << timeout_seconds << " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Outcome o;
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  o.exited = WIFEXITED(status);
  o.code = o.exited ? WEXITSTATUS(status) : -1;
  o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  o.out = slurp(out);
  o.err = slurp(err);
  return o;
}

// A scenario long enough that a signal always lands in the middle of the simulation.
std::string long_scenario(const fs::path& dir) {
  std::string text = slurp(kSource + "/tests/regression/minimal/scenario.yaml");
  const std::string rel = "../../../scenarios/pricing/";
  text.replace(text.find(rel), rel.size(), kSource + "/scenarios/pricing/");
  text.replace(text.find("headcount: 40"), 13, "headcount: 200000");
  text.replace(text.find("replicates: 4"), 13, "replicates: 50");
  const std::string path = (dir / "long.yaml").string();
  std::ofstream(path) << text;
  return path;
}

// Forks a child that runs `body` with the handlers installed and stderr in `err`; returns
// the child's wait status.
int in_child(const fs::path& err, const std::function<void()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fe, STDERR_FILENO);
    goodhart::cli::install_signal_handlers();
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

TEST_CASE("signals: a signal removes registered temporary files and exits with 128 plus its number", "[cli][signals]") {
  for (const int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    TempDir dir;
    const fs::path registered = dir.path / "summary.json.tmp.1", kept = dir.path / "finished.csv";
    const int status = in_child(dir.path / "err", [&] {
      std::ofstream(registered) << "half";
      std::ofstream(kept) << "whole";
      goodhart::cli::register_temp_file(registered.c_str());
      ::kill(::getpid(), sig);
      // Not reached when the handler works.
      std::this_thread::sleep_for(std::chrono::seconds(5));
      ::_exit(99);
    });
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 128 + sig);
    CHECK_FALSE(fs::exists(registered));
    CHECK(fs::exists(kept));
    CHECK(slurp(dir.path / "err") == goodhart::cli::interrupted_message(sig) + "\n");
  }
  CHECK(goodhart::cli::interrupted_message(SIGINT) ==
        "goodhart: interrupted by SIGINT; unfinished output files were removed");
}

TEST_CASE("signals: inside a deferral a signal is recorded and check_interrupted throws", "[cli][signals]") {
  TempDir dir;
  const int caught = in_child(dir.path / "err", [] {
    try {
      DeferSignals defer;
      ::kill(::getpid(), SIGTERM);
      if (goodhart::cli::interrupted_signal() != SIGTERM) ::_exit(97);
      goodhart::cli::check_interrupted();
    } catch (const Interrupted& e) {
      ::_exit(e.exit_code() == 143 && e.signal() == SIGTERM ? 50 : 96);
    }
    ::_exit(95);
  });
  REQUIRE(WIFEXITED(caught));
  CHECK(WEXITSTATUS(caught) == 50);
  // A second signal does not wait for the deferral to end.
  const int twice = in_child(dir.path / "err", [] {
    DeferSignals defer;
    ::kill(::getpid(), SIGINT);
    ::kill(::getpid(), SIGINT);
    ::_exit(94);
  });
  REQUIRE(WIFEXITED(twice));
  CHECK(WEXITSTATUS(twice) == 130);
}

TEST_CASE("signals: the temporary file registry holds 64 paths and refuses more without failing", "[cli][signals]") {
  std::vector<std::string> paths;
  for (int i = 0; i < 65; ++i) paths.push_back("/nonexistent/goodhart/" + std::to_string(i) + ".tmp");
  for (int i = 0; i < 64; ++i) CHECK(goodhart::cli::register_temp_file(paths[i].c_str()));
  CHECK_FALSE(goodhart::cli::register_temp_file(paths[64].c_str()));
  goodhart::cli::unregister_temp_file(paths[10].c_str());
  CHECK(goodhart::cli::register_temp_file(paths[64].c_str()));
  CHECK_FALSE(goodhart::cli::register_temp_file(std::string(5000, 'x').c_str()));
  CHECK_FALSE(goodhart::cli::register_temp_file(""));
  for (const auto& p : paths) goodhart::cli::unregister_temp_file(p.c_str());
  {
    goodhart::cli::TempFileGuard guard("/nonexistent/guarded.tmp");
    CHECK(guard.registered());
  }
  CHECK(goodhart::cli::register_temp_file(paths[0].c_str()));
  goodhart::cli::unregister_temp_file(paths[0].c_str());
}

TEST_CASE("cli run: SIGINT and SIGTERM stop a long run with 130 and 143 and leave no file behind", "[cli][signals]") {
  for (const int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    TempDir dir;
    const std::string scenario = long_scenario(dir.path);
    const fs::path out = dir.path / "out", events = dir.path / "events";
    fs::create_directories(events);
    const Outcome o = run_cli({"run", scenario, "--out", out.string(), "--events", (events / "e.csv").string()},
                              dir.path, [&](pid_t pid) {
                                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                                ::kill(pid, sig);
                              });
    INFO(o.err);
    REQUIRE(o.exited);
    CHECK(o.code == 128 + sig);
    CHECK(o.err.find(std::string("interrupted by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM")) != std::string::npos);
    CHECK(files_under(out).empty());
    CHECK(files_under(events).empty());
    CHECK(o.seconds < 10);  // stopped promptly, not after the current replicate
  }
}

TEST_CASE("cli run: an empty scenario file exits 2 naming the file and line", "[cli][hostile]") {
  TempDir dir;
  const std::string path = (dir.path / "empty.yaml").string();
  std::ofstream(path) << "";
  const Outcome o = run_cli({"run", path, "-q"}, dir.path);
  CHECK(o.code == 2);
  CHECK(o.err.rfind(path + ":1:", 0) == 0);
}

TEST_CASE("cli run: 10^9 employees exit 2 at once with the memory the run would need", "[cli][hostile][limits]") {
  TempDir dir;
  std::string text = slurp(kSource + "/tests/regression/minimal/scenario.yaml");
  const std::string rel = "../../../scenarios/pricing/";
  text.replace(text.find(rel), rel.size(), kSource + "/scenarios/pricing/");
  text.replace(text.find("headcount: 40"), 13, "headcount: 1000000000");
  const std::string path = (dir.path / "huge.yaml").string();
  std::ofstream(path) << text;
  // 4 GB of address space: without the up-front check the run dies on allocation, not the machine.
  const Outcome o = run_cli({"run", path, "-q", "--out", (dir.path / "out").string()}, dir.path, {}, 4L << 20, 60);
  INFO(o.err);
  CHECK(o.code == 2);
  // At the headcount's line and column (line 21 of the minimal scenario).
  CHECK(o.err.rfind(path + ":21:16: cohorts.engineers.headcount: 1,000,000,012 employees (900,000,012 licensed seats) need about ", 0) == 0);
  CHECK(o.err.find(" GB of memory") != std::string::npos);
  CHECK(o.seconds < 10);
  CHECK(files_under(dir.path / "out").empty());
}

TEST_CASE("cli audit: a name that is not UTF-8 is bad input with its place or audited and never an internal error", "[cli][hostile]") {
  TempDir dir;
  const std::string path = (dir.path / "latin1.csv").string();
  std::ofstream(path, std::ios::binary) << "date,person,model,cost_usd\n2026-05-04,Jos\xE9,gpt-5,1\n";
  for (const std::string format : {"json", "table", "csv"}) {
    INFO(format);
    const Outcome o = run_cli({"audit", path, "-f", format}, dir.path);
    INFO(o.err);
    CHECK(o.code != 1);
    if (o.code == 2) CHECK(o.err.rfind(path + ":2:", 0) == 0);
  }
  const Outcome written = run_cli({"audit", path, "--out", (dir.path / "audit").string()}, dir.path);
  CHECK(written.code != 1);
}

TEST_CASE("cli audit: a truncated export page exits 2 naming the file and the place", "[cli][hostile]") {
  TempDir dir;
  const std::string page = slurp(kSource + "/tests/engine/data/ingest/claude_code/page1.json");
  const std::string path = (dir.path / "cut.json").string();
  std::ofstream(path, std::ios::binary) << page.substr(0, page.size() / 2);
  const Outcome o = run_cli({"audit", path}, dir.path);
  INFO(o.err);
  CHECK(o.code == 2);
  CHECK(o.err.rfind(path + ":", 0) == 0);
  CHECK(o.err.find("internal error") == std::string::npos);
}

TEST_CASE("cli audit: a record dated a century away is rejected with its place and the rest audited", "[cli][hostile]") {
  // Found by the audit fuzz target: one mistyped year made the audit walk every calendar day
  // of the span for every person (1,000 people, 100 years: 10 s instead of 0.05 s). Dates
  // outside 2020-2099 are now rejected like any other bad record.
  TempDir dir;
  const std::string path = (dir.path / "typo.csv").string();
  {
    std::ofstream f(path);
    f << "date,person,model,cost_usd\n";
    for (int i = 0; i < 1000; ++i) f << "2026-06-01,p" << i << ",gpt-5,1\n";
    f << "2126-06-01,p0,gpt-5,1\n";  // line 1002
  }
  const Outcome o = run_cli({"audit", path, "-f", "json"}, dir.path);
  INFO(o.err);
  CHECK(o.code == 0);
  CHECK(o.err.find("1 of 1001 records rejected") != std::string::npos);
  CHECK(o.err.find(path + ":1002: date 2126-06-01 is outside 2020-01-01 to 2099-12-31") != std::string::npos);
  const auto j = nlohmann::json::parse(o.out);
  CHECK(j.at("people").size() == 1000);
  CHECK(j.at("range").at("last_day") == "2026-06-01");

  const Outcome strict = run_cli({"audit", path, "--strict", "-f", "json"}, dir.path);
  CHECK(strict.code == 2);
  CHECK(strict.out.empty());
}

TEST_CASE("cli audit: a mistyped year 9999 by day is refused within bounded memory", "[cli][hostile]") {
  // One row dated 9999 beside a thousand from 2026: by day, the audit made 2.9 million periods
  // (6.5 GB resident, 645 MB of JSON, 26 s). Now the row is rejected and the audit is small.
  TempDir dir;
  const std::string path = (dir.path / "year9999.csv").string();
  {
    std::ofstream f(path);
    f << "date,person,model,cost_usd\n";
    for (int i = 0; i < 1000; ++i) f << "2026-06-01,p" << i << ",gpt-5,1\n";
    f << "9999-06-01,p0,gpt-5,1\n";  // line 1002
  }
  const Outcome o = run_cli({"audit", path, "--period", "day", "-f", "json"}, dir.path, {}, 2L << 20);
  INFO(o.err.substr(0, 2000));
  CHECK(o.code == 0);
  CHECK(o.err.find(path + ":1002: date 9999-06-01 is outside") != std::string::npos);
  CHECK(o.out.size() < 5'000'000);
}
