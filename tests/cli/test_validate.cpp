// `goodhart validate` as a user runs it: exit codes, the ok line, diagnostics, --print-schema.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const std::string kSource = GOODHART_SOURCE_DIR;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the built CLI with `args` (already shell-quoted where needed).
Result run(const std::string& args) {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("goodhart_cli_" + std::to_string(::getpid()) + "_" +
                        std::to_string(++counter));
  fs::create_directories(dir);
  const std::string cmd = std::string("'") + GOODHART_CLI + "' " + args + " >'" +
                          (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  fs::remove_all(dir);
  return r;
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

TEST_CASE("cli validate: a valid scenario exits 0 with a summary") {
  const Result r = run("validate " + quoted(kSource + "/tests/regression/minimal/scenario.yaml"));
  CHECK(r.code == 0);
  CHECK(r.out.find("ok (2 cohorts, 52 employees, 60 days, 2 variants)") != std::string::npos);
  CHECK(r.out.find("leaderboard: leaderboard on tokens until day 25") != std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("cli validate: an invalid scenario exits 2 with file:line:col diagnostics") {
  const std::string bad = kSource + "/tests/sim/malformed/29_three_errors.yaml";
  const Result r = run("validate " + quoted(bad));
  CHECK(r.code == 2);
  CHECK(r.err.find(bad + ":11:5: unknown key 'seat_shar'; did you mean 'seat_share'?") !=
        std::string::npos);
  CHECK(r.err.find(bad + ":13:16:") != std::string::npos);
  CHECK(r.err.find("3 problems") != std::string::npos);
}

TEST_CASE("cli validate: several files, one bad, exit 2 and the good ones still reported") {
  const Result r =
      run("validate " + quoted(kSource + "/tests/regression/minimal/scenario.yaml") + " " +
          quoted(kSource + "/tests/sim/malformed/12_unknown_model.yaml") + " " +
          quoted(kSource + "/scenarios/pricing/2026-08.yaml"));
  CHECK(r.code == 2);
  CHECK(r.out.find("ok (2 cohorts") != std::string::npos);
  CHECK(r.out.find("ok (pricing catalog dated 2026-08-21") != std::string::npos);
  CHECK(r.out.find("2 of 3 files valid") != std::string::npos);
  CHECK(r.err.find("did you mean 'claude-sonnet-4-5'?") != std::string::npos);
}

TEST_CASE("cli validate: policy files, quiet mode, missing files and usage errors") {
  const fs::path dir = fs::temp_directory_path() / ("goodhart_cli_policy_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "policy.yaml") << "governance:\n  caps: {org_month_usd: 1000}\n";
  Result r = run("validate " + quoted((dir / "policy.yaml").string()));
  CHECK(r.code == 0);
  CHECK(r.out.find("ok (governance policy)") != std::string::npos);
  CHECK(r.out.find("org/month $1000") != std::string::npos);
  r = run("validate --quiet " + quoted((dir / "policy.yaml").string()));
  CHECK(r.code == 0);
  CHECK(r.out.empty());
  fs::remove_all(dir);

  r = run("validate " + quoted(kSource + "/no/such/file.yaml"));
  CHECK(r.code == 2);
  CHECK(r.err.find("cannot open file") != std::string::npos);
  r = run("validate");
  CHECK(r.code == 2);
  r = run("validate --no-such-option x.yaml");
  CHECK(r.code == 2);
  r = run("validate --help");
  CHECK(r.code == 0);
  CHECK(r.out.find("Usage: goodhart validate FILE...") != std::string::npos);
  CHECK(r.out.find("--print-schema") != std::string::npos);
}

TEST_CASE("cli validate: --print-schema prints scenarios/schema.json") {
  const Result r = run("validate --print-schema");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out) ==
        nlohmann::json::parse(slurp(kSource + "/scenarios/schema.json")));
}
