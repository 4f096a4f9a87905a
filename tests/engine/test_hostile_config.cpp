// Hostile pricing catalogs and policy files: empty, truncated at every byte, NaN and infinite
// numbers, absurd prices and percentages, duplicated models, CRLF and byte-order marks. Each
// is loaded exactly or refused with the file, line and column of the problem.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/pricing.hpp"
#include "goodhart/engine/yaml_util.hpp"

using namespace goodhart::engine;
namespace fs = std::filesystem;

namespace {

const std::string kCatalog = std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PricingCatalog catalog_from(const std::string& text, const std::string& name = "cat.yaml") {
  return PricingCatalog::from_yaml(load_yaml_string(text, name), name);
}

// The diagnostics of loading `text`, or an empty list when it loads.
std::vector<Diagnostic> catalog_problems(const std::string& text, const std::string& name = "cat.yaml") {
  try {
    catalog_from(text, name);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return {};
}

bool has_problem_at(const std::vector<Diagnostic>& ds, const std::string& file, int line, int col) {
  for (const auto& d : ds)
    if (d.where.file == file && d.where.line == line && d.where.col == col) return true;
  return false;
}

std::string one_model(const std::string& prices, const std::string& meta_extra = "") {
  return "catalog:\n  date: 2026-08-21\n" + meta_extra + "models:\n  m:\n" + prices;
}

struct TempFile {
  fs::path dir;
  std::string path;
  explicit TempFile(const std::string& text, const std::string& name = "policy.yaml") {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("goodhart_hostile_cfg_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
    fs::create_directories(dir);
    path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string crlf_with_bom(const std::string& text) {
  std::string out = "\xEF\xBB\xBF";
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("hostile pricing: an empty or blank catalog is refused naming the file", "[pricing][hostile]") {
  for (const std::string text : {"", "\n\n", "# only a comment\n", "\xEF\xBB\xBF"}) {
    INFO("'" << text << "'");
    const auto ds = catalog_problems(text, "empty.yaml");
    REQUIRE_FALSE(ds.empty());
    CHECK(ds.front().where.file == "empty.yaml");
  }
}

TEST_CASE("hostile pricing: the shipped catalog cut at every byte loads or is refused with its place", "[pricing][hostile]") {
  const std::string text = slurp(kCatalog);
  for (std::size_t n = 0; n < text.size(); ++n) {
    INFO("cut after " << n << " bytes");
    try {
      const PricingCatalog c = catalog_from(text.substr(0, n), "cut.yaml");
      // Whatever loads prices every model it lists with non-negative prices.
      for (const auto& [name, price] : c.models()) {
        CHECK(c.find(name) != nullptr);
        for (auto p : price.micro_usd_per_mtok) CHECK(p >= 0);
      }
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).rfind("cut.yaml:", 0) == 0);
    }
  }
}

TEST_CASE("hostile pricing: a catalog block that is not a mapping is refused at it", "[pricing][hostile]") {
  // Found by the pricing fuzz target: indexing a scalar node threw a yaml-cpp exception,
  // which the CLI reported as an internal error (exit 1) for validate, run, audit and replay.
  for (const std::string v : {"2026-08-21", "[2026-08-21]", "null"}) {
    INFO("catalog: " << v);
    const auto ds = catalog_problems("catalog: " + v + "\nmodels:\n  m: {input: 1, output: 2}\n");
    CHECK(has_problem_at(ds, "cat.yaml", 1, 10));
  }
}

TEST_CASE("hostile pricing: NaN and infinite and negative prices are refused at the value", "[pricing][hostile]") {
  for (const std::string v : {".nan", ".NaN", ".inf", "-.inf", "1e400", "-1", "-0.000001", "abc", "[1]", "{a: 1}"}) {
    INFO(v);
    const auto ds = catalog_problems(one_model("    input: 1\n    output: " + v + "\n"));
    CHECK(has_problem_at(ds, "cat.yaml", 6, 13));
  }
}

TEST_CASE("hostile pricing: price percentages must be sane whole numbers", "[pricing][hostile]") {
  // A negative batch percentage turns every batch dollar into a refund; a huge one overflows
  // the int arithmetic that combines percentages.
  for (const std::string v : {"-50", "abc", ".nan", "1.5e10", "3000000000", "[50]"}) {
    INFO("batch_percent: " << v);
    const auto ds = catalog_problems(one_model("    input: 1\n    output: 5\n", "  batch_percent: " + v + "\n"));
    CHECK(has_problem_at(ds, "cat.yaml", 3, 18));
  }
  for (const std::string v : {"-10", "zero"}) {
    INFO("us_inference_percent: " << v);
    const auto ds = catalog_problems(one_model("    input: 1\n    output: 5\n", "  us_inference_percent: " + v + "\n"));
    CHECK(has_problem_at(ds, "cat.yaml", 3, 25));
  }
}

TEST_CASE("hostile pricing: a price whose ordinary costs overflow 64 bits is refused at the value", "[pricing][hostile]") {
  // $10^13 per million tokens (a price pasted in the wrong unit many times over): a heavy
  // day of 10^9 tokens would cost 10^16 dollars, 10^22 micro-dollars. PricingCatalog::cost
  // cannot return that; accepting the catalog means wrapped costs later.
  const auto ds = catalog_problems(one_model("    input: 10000000000000\n    output: 5\n"));
  CHECK(has_problem_at(ds, "cat.yaml", 5, 12));
}

TEST_CASE("hostile pricing: a model listed twice is refused at its second entry", "[pricing][hostile]") {
  const std::string text =
      "catalog: {date: 2026-08-21}\n"
      "models:\n"
      "  gpt-5: {input: 1.25, output: 10}\n"
      "  gpt-5: {input: 12.5, output: 100}\n";
  const auto ds = catalog_problems(text);
  CHECK(has_problem_at(ds, "cat.yaml", 4, 3));
}

TEST_CASE("hostile pricing: CRLF and a byte-order mark load the same catalog", "[pricing][hostile]") {
  const std::string text = slurp(kCatalog);
  const PricingCatalog unix_cat = catalog_from(text);
  const PricingCatalog windows = catalog_from(crlf_with_bom(text));
  REQUIRE(windows.models().size() == unix_cat.models().size());
  for (const auto& [name, price] : unix_cat.models()) {
    REQUIRE(windows.find(name) != nullptr);
    CHECK(windows.find(name)->micro_usd_per_mtok == price.micro_usd_per_mtok);
  }
  CHECK(windows.effective_date() == unix_cat.effective_date());
  CHECK(windows.sources() == unix_cat.sources());
}

TEST_CASE("hostile policy: NaN and infinite and negative limits are refused at the value", "[policy][hostile]") {
  for (const std::string v : {".nan", ".inf", "-.inf", "1e400", "-1", "'100'"}) {
    INFO(v);
    DiagnosticList diags("p.yaml");
    parse_policy(load_yaml_string("caps:\n  org_month_usd: " + v + "\n", "p.yaml"), diags);
    REQUIRE_FALSE(diags.empty());
    CHECK(diags.items().front().where.file == "p.yaml");
    CHECK(diags.items().front().where.line == 2);
    CHECK(diags.items().front().where.col == 18);
  }
}

TEST_CASE("hostile policy: a policy file cut at every byte loads or is refused with its place", "[policy][hostile]") {
  const std::string text =
      "# Finance's policy for the replay of last quarter.\n"
      "meta: {name: tight, sources: [finance]}\n"
      "governance:\n"
      "  caps: {per_seat_day_usd: 20, per_seat_month_usd: 300, org_month_usd: 50000}\n"
      "  budgets: {team_month_usd: 1500}\n"
      "  alerts: {thresholds: [0.5, 0.75, 0.9]}\n"
      "  anomaly: {enabled: true, halflife_days: 3, z: 2.5, action: throttle}\n"
      "  model_approval: {enabled: true, models: [claude-opus-4-7], substitute: claude-sonnet-4-6}\n"
      "  enforcement: {settle_delay_hours: 1.5}\n";
  TempFile whole(text);
  CHECK(load_policy_file(whole.path).caps.org_month_usd == 50000.0);
  for (std::size_t n = 0; n < text.size(); ++n) {
    INFO("cut after " << n << " bytes");
    TempFile f(text.substr(0, n));
    try {
      (void)load_policy_file(f.path);
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).rfind(f.path + ":", 0) == 0);
    }
  }
}

TEST_CASE("hostile policy: CRLF and a byte-order mark load the same policy", "[policy][hostile]") {
  const std::string text = "governance:\n  caps: {per_seat_month_usd: 300}\n  anomaly: {enabled: true, action: stop_agents}\n";
  TempFile unix_file(text), windows_file(crlf_with_bom(text));
  const PolicyConfig a = load_policy_file(unix_file.path), b = load_policy_file(windows_file.path);
  CHECK(a.caps.per_seat_month_usd == b.caps.per_seat_month_usd);
  CHECK(b.caps.per_seat_month_usd == 300.0);
  CHECK(b.anomaly.action == AnomalyAction::stop_agents);
}
