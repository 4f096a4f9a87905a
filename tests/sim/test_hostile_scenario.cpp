// Hostile scenarios: empty and truncated files, NaN and infinities, 0 employees or 0 days (run
// and report zeros), 10^9 employees (refused up front with the memory it would need), UTF-8
// and non-UTF-8 names, Windows line endings. Errors name the file and the line and column.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "goodhart/sim/limits.hpp"
#include "goodhart/sim/report.hpp"
#include "goodhart/sim/run.hpp"
#include "goodhart/sim/scenario_loader.hpp"

using namespace goodhart;
using namespace goodhart::sim;
namespace fs = std::filesystem;

namespace {

const std::string kSource = GOODHART_SOURCE_DIR;
const std::string kPricing = kSource + "/scenarios/pricing/2026-08.yaml";

// A small scenario with a placeholder for each number the hostile values go into.
const std::string kTemplate = R"(meta: {name: hostile}
horizon: {start: 2026-03-02, days: @days@}
pricing: {catalog: )" + kPricing + R"(}
cohorts:
  - name: engineers
    headcount: @headcount@
    seat_share: @seat_share@
    model: claude-sonnet-4-6
    active_day_prob: @active_day_prob@
    tasks_per_day: {median: @tasks_median@, sigma: @tasks_sigma@}
    tokens_per_task: {median: @tokens_median@, sigma: 0.8}
behaviour:
  gaming_tokens_per_unit: @gaming@
governance:
  caps: {per_seat_day_usd: @cap@}
monte_carlo: {replicates: @replicates@, seed: 7}
)";

const std::map<std::string, std::string> kDefaults{
    {"days", "14"},         {"headcount", "10"},      {"seat_share", "1"},
    {"active_day_prob", "0.8"}, {"tasks_median", "4"}, {"tasks_sigma", "0.5"},
    {"tokens_median", "150000"}, {"gaming", "5.0e+6"}, {"cap", "50"},
    {"replicates", "1"}};

// The template with `key` set to `value` and every other placeholder at its default; the
// line and column (1-based) where the value starts.
struct Placed {
  std::string text;
  int line = 0, col = 0;
};
Placed place(const std::string& key, const std::string& value) {
  Placed p;
  p.text = kTemplate;
  for (const auto& [k, def] : kDefaults) {
    const std::string token = "@" + k + "@";
    const std::size_t at = p.text.find(token);
    REQUIRE(at != std::string::npos);
    if (k == key) {
      p.line = 1 + static_cast<int>(std::count(p.text.begin(), p.text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
      p.col = static_cast<int>(at - p.text.rfind('\n', at));
    }
    p.text.replace(at, token.size(), k == key ? value : def);
  }
  return p;
}

std::vector<engine::Diagnostic> problems(const std::string& text, const std::string& name = "hostile.yaml") {
  try {
    ScenarioDocument::from_string(text, name).build();
  } catch (const engine::InputError& e) {
    return e.diagnostics();
  }
  return {};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string with_absolute_catalog(std::string text) {
  const std::string rel = "../../../scenarios/pricing/";
  for (std::size_t at; (at = text.find(rel)) != std::string::npos;)
    text.replace(at, rel.size(), kSource + "/scenarios/pricing/");
  return text;
}

// Runs the base with one replicate and renders every output, as `goodhart run --out` does.
struct Rendered {
  RunResult run;
  std::string summary, daily, people, table;
};
Rendered run_and_render(const ScenarioDocument& doc) {
  RunOptions opt;
  opt.replicates = 1;
  Rendered r;
  r.run = run_scenario(doc, {"base"}, opt);
  const auto checks = check_targets(doc.build().targets, r.run);
  r.summary = dump_json(summary_json(r.run, checks));  // as goodhart run writes it
  std::ostringstream d, p;
  write_daily_csv(d, r.run);
  write_people_csv(p, r.run);
  r.daily = d.str();
  r.people = p.str();
  r.table = format_table(r.run, checks);
  return r;
}

double figure(const ReplicateResult& r, const std::string& name) {
  const auto& names = figure_names();
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE(it != names.end());
  return r.figures[static_cast<std::size_t>(it - names.begin())];
}

}  // namespace

TEST_CASE("hostile scenario: empty and blank files are refused at line 1 naming the file", "[scenario][hostile]") {
  for (const std::string text : {"", "\n\n  \n", "# nothing but a comment\n", "\xEF\xBB\xBF", "---\n...\n"}) {
    INFO("'" << text << "'");
    const auto ds = problems(text, "blank.yaml");
    REQUIRE_FALSE(ds.empty());
    CHECK(ds.front().where.file == "blank.yaml");
    CHECK(ds.front().where.line == 1);
  }
}

// A target cut before its 'metric' key once also drew "unknown figure ''" with no line.
TEST_CASE("hostile scenario: a scenario cut at every byte builds or is refused with file and line", "[scenario][hostile]") {
  const std::string text = with_absolute_catalog(slurp(kSource + "/tests/regression/minimal/scenario.yaml"));
  for (std::size_t n = 0; n < text.size(); ++n) {
    INFO("cut after " << n << " bytes");
    try {
      const auto doc = ScenarioDocument::from_string(text.substr(0, n), "cut.yaml");
      (void)doc.build();
      for (const auto& v : doc.variant_names()) (void)doc.with_variant(v).build();
    } catch (const engine::InputError& e) {
      CHECK(std::string(e.what()).rfind("cut.yaml:", 0) == 0);
      for (const auto& d : e.diagnostics()) CHECK(d.where.line >= 1);
    }
  }
}

TEST_CASE("hostile scenario: NaN and infinite and negative numbers are refused at the value", "[scenario][hostile]") {
  REQUIRE(problems(place("days", "14").text).empty());
  const std::vector<std::string> non_finite{".nan", ".NaN", ".inf", "-.inf", ".Inf", "1e400", "-1e400", "nan", "inf"};
  for (const auto& [key, def] : kDefaults) {
    std::vector<std::string> values = non_finite;
    values.push_back("-1");
    for (const auto& v : values) {
      INFO(key << ": " << v);
      const Placed p = place(key, v);
      const auto ds = problems(p.text);
      bool at_value = false;
      for (const auto& d : ds) at_value = at_value || (d.where.line == p.line && d.where.col == p.col);
      CHECK(at_value);
      for (const auto& d : ds) CHECK(d.where.file == "hostile.yaml");
    }
  }
}

TEST_CASE("hostile scenario: 0 employees runs and reports zeros", "[scenario][hostile]") {
  auto doc = ScenarioDocument::from_string(place("headcount", "0").text, "nobody.yaml");
  const Scenario s = doc.build();
  CHECK(s.employees() == 0);
  CHECK_FALSE(check_run_size(s, 1, 1).has_value());
  const Rendered r = run_and_render(doc);
  REQUIRE(r.run.variants.size() == 1);
  const ReplicateResult& rep = r.run.variants[0].replicates.at(0);
  CHECK(rep.spend_micro_total == 0);
  for (auto p : rep.spend_micro_by_purpose) CHECK(p == 0);
  CHECK(figure(rep, "spend_usd") == 0.0);
  CHECK(figure(rep, "value_usd") == 0.0);
  // Per-dollar and per-person ratios are undefined, not zero and not infinite.
  CHECK_FALSE(std::isfinite(figure(rep, "value_per_usd")));
  CHECK(r.run.employee_days() == 0);
  CHECK(rep.people.size() == 0);
  const auto j = nlohmann::json::parse(r.summary);
  CHECK(j["employees"] == 0);
  CHECK(j["employee_days"] == 0);
  CHECK(r.people.find('\n') == r.people.size() - 1);  // the header only
}

TEST_CASE("hostile scenario: 0 days runs and reports zeros", "[scenario][hostile]") {
  auto doc = ScenarioDocument::from_string(place("days", "0").text, "no_days.yaml");
  const Rendered r = run_and_render(doc);
  const ReplicateResult& rep = r.run.variants.at(0).replicates.at(0);
  CHECK(r.run.days == 0);
  CHECK(rep.spend_micro_total == 0);
  CHECK(figure(rep, "spend_usd") == 0.0);
  for (const auto& series : rep.daily) CHECK(series.empty());
  CHECK(rep.people.size() == 10);  // everyone exists, nobody worked
  const auto j = nlohmann::json::parse(r.summary);
  CHECK(j["days"] == 0);
  CHECK(r.daily.find('\n') == r.daily.size() - 1);  // the header only
}

TEST_CASE("hostile scenario: 10^9 employees are refused up front with the memory they would need", "[scenario][hostile][limits]") {
  auto doc = ScenarioDocument::from_string(place("headcount", "1000000000").text, "huge.yaml");
  const Scenario s = doc.build();  // loading allocates nothing per person
  CHECK(s.employees() == 1'000'000'000);
  const RunSizeEstimate e = estimate_run_size(s, 20, 1);
  CHECK(e.seats == 1'000'000'000);
  CHECK(e.bytes_per_seat >= 250);
  CHECK(e.total_bytes >= 250'000'000'000ULL);
  // 64 GB of memory: refused, saying how much it needs and where to change it.
  const auto msg = check_run_size(s, 20, 1, 64'000'000'000ULL);
  REQUIRE(msg);
  INFO(*msg);
  CHECK(msg->rfind("huge.yaml: cohorts.engineers.headcount: ", 0) == 0);
  CHECK(msg->find("1,000,000,000 employees (1,000,000,000 licensed seats) need about ") != std::string::npos);
  CHECK(msg->find(format_bytes(e.total_bytes)) != std::string::npos);
  CHECK(msg->find(" GB of memory") != std::string::npos);
  CHECK(msg->find("64.0 GB is available") != std::string::npos);
  // The check is about memory, not a cap on ambition: with enough of it, the run may go.
  CHECK_FALSE(check_run_size(s, 20, 1, e.total_bytes));
  // This machine: refused unless it really has a third of a terabyte free, and then at the
  // headcount's line and column (line 6 of the template).
  const auto avail = available_memory_bytes();
  REQUIRE(avail);
  CHECK(check_run_size(s, 20, 1).has_value() == (*avail < e.total_bytes));
  if (*avail < e.total_bytes)
    CHECK_THROWS_WITH(require_run_size(doc, s, 20, 1),
                      Catch::StartsWith("huge.yaml:6:16: cohorts.engineers.headcount: 1,000,000,000 employees"));
}

TEST_CASE("hostile scenario: more seats than the random streams can index are refused at any memory", "[scenario][hostile][limits]") {
  auto doc = ScenarioDocument::from_string(place("headcount", "5000000000").text, "too_many.yaml");
  const auto msg = check_run_size(doc.build(), 1, 1, std::numeric_limits<std::uint64_t>::max());
  REQUIRE(msg);
  CHECK(msg->rfind("too_many.yaml: cohorts.engineers.headcount: ", 0) == 0);
  CHECK(msg->find("at most 4,294,967,295") != std::string::npos);
  // Headcounts whose sum overflows 64 bits: saturated, still refused, no undefined behaviour.
  doc.set_from_string("cohorts.engineers.headcount", "9000000000000000000");
  const Scenario s = doc.build();
  Scenario twice = s;
  twice.cohorts.push_back(s.cohorts.front());
  twice.cohorts.back().name = "clones";
  const RunSizeEstimate e = estimate_run_size(twice, 1'000'000, 0);
  CHECK(e.seats == std::numeric_limits<std::int64_t>::max());
  CHECK(e.total_bytes == std::numeric_limits<std::uint64_t>::max());
  CHECK(check_run_size(twice, 1'000'000, 0, std::numeric_limits<std::uint64_t>::max()).has_value());
}

TEST_CASE("hostile scenario: the memory estimate is close to the peak resident size of a real run", "[scenario][hostile][limits]") {
#if defined(__SANITIZE_ADDRESS__)
  SUCCEED("AddressSanitizer's shadow memory and redzones inflate resident size: measured in the plain build");
  return;
#else
  const fs::path dir = fs::temp_directory_path() / ("goodhart_rss_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Peak resident size (kB) of `goodhart run` on the template with this headcount.
  auto peak_kb = [&](const std::string& headcount) {
    const std::string path = (dir / ("s" + headcount + ".yaml")).string();
    std::string text = place("headcount", headcount).text;
    text.replace(text.find("days: 14"), 8, "days: 3");
    std::ofstream(path) << text;
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::execl(GOODHART_CLI, GOODHART_CLI, "run", path.c_str(), "-q", "-r", "1", "-t", "1", "-f", "json",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    struct rusage ru {};
    REQUIRE(::wait4(pid, &status, 0, &ru) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return static_cast<double>(ru.ru_maxrss);
  };
  const std::int64_t seats = 400'000;
  const double measured = (peak_kb(std::to_string(seats)) - peak_kb("1")) * 1024.0;
  const Scenario s = ScenarioDocument::from_string(place("headcount", std::to_string(seats)).text, "x.yaml").build();
  const double estimated = static_cast<double>(estimate_run_size(s, 1, 1).total_bytes);
  fs::remove_all(dir);
  INFO("measured " << measured / seats << " bytes per seat, estimated " << estimated / seats);
  // An estimate to refuse runs by: never far below the truth, and not so far above it that
  // it would refuse runs that fit.
  CHECK(measured <= 1.25 * estimated);
  CHECK(measured >= 0.6 * estimated);
#endif
}

TEST_CASE("hostile scenario: UTF-8 names run and render byte for byte", "[scenario][hostile]") {
  std::string text = place("days", "7").text;
  const std::string name = "Entwicklung \xC3\xA9quipe \xE9\x96\x8B\xE7\x99\xBA";  // Entwicklung équipe 開発
  text.replace(text.find("{name: hostile}"), 15, "{name: \"" + name + "\", description: \"\xE2\x82\xAC \xE2\x80\x94 caf\xC3\xA9\"}");
  const std::string cohort = "ing\xC3\xA9nieurs";
  text.replace(text.find("name: engineers"), 15, "name: " + cohort);
  auto doc = ScenarioDocument::from_string(text, "utf8.yaml");
  const Rendered r = run_and_render(doc);
  CHECK(nlohmann::json::parse(r.summary)["scenario"]["name"] == name);
  CHECK(r.people.find(cohort) != std::string::npos);
  CHECK(r.table.find(name) != std::string::npos);
}

TEST_CASE("hostile scenario: a name that is not UTF-8 is refused with its place or rendered without failing", "[scenario][hostile]") {
  // Saved from a Windows-1252 editor: "José" with é as the single byte 0xE9.
  std::string text = place("days", "7").text;
  text.replace(text.find("{name: hostile}"), 15, "{name: Jos\xE9}");
  std::optional<ScenarioDocument> doc;
  try {
    doc = ScenarioDocument::from_string(text, "latin1.yaml");
    (void)doc->build();
  } catch (const engine::InputError& e) {
    // Refused: the file and the line of the name.
    INFO(e.what());
    CHECK(std::string(e.what()).rfind("latin1.yaml:1:", 0) == 0);
    CHECK(std::string(e.what()).find("UTF-8") != std::string::npos);
    return;
  }
  // Accepted: then every output must be written, not fail at the end of the run.
  CHECK_NOTHROW(run_and_render(*doc));
}

TEST_CASE("hostile scenario: Windows line endings build the same scenario and report the same places", "[scenario][hostile]") {
  auto crlf = [](const std::string& t) {
    std::string out;
    for (char c : t) {
      if (c == '\n') out += '\r';
      out += c;
    }
    return out;
  };
  const std::string text = with_absolute_catalog(slurp(kSource + "/tests/regression/minimal/scenario.yaml"));
  const auto unix_doc = ScenarioDocument::from_string(text, "lf.yaml");
  const auto windows_doc = ScenarioDocument::from_string(crlf(text), "crlf.yaml");
  const Scenario a = unix_doc.build(), b = windows_doc.build();
  CHECK(a.meta.name == b.meta.name);
  CHECK(a.meta.description == b.meta.description);
  CHECK(a.employees() == b.employees());
  CHECK(windows_doc.variant_names() == unix_doc.variant_names());
  const auto ra = simulate_replicate(a, 11, 0, 1, false, {}, nullptr);
  const auto rb = simulate_replicate(b, 11, 0, 1, false, {}, nullptr);
  CHECK(ra.spend_micro_total == rb.spend_micro_total);
  // Errors point at the same line and column.
  const std::string bad = with_absolute_catalog(slurp(kSource + "/tests/sim/malformed/29_three_errors.yaml"));
  const auto pa = problems(bad, "bad.yaml"), pb = problems(crlf(bad), "bad.yaml");
  REQUIRE(pa.size() == pb.size());
  REQUIRE_FALSE(pa.empty());
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].str() == pb[i].str());
}
