// Reader benchmarks: the Claude Code Analytics reader (engine/ingest.hpp) on a generated
// JSON Lines export, in MB/s and records/s on one core; and the generator itself.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "bench_common.hpp"
#include "bench_ingest.hpp"
#include "goodhart/engine/ingest.hpp"
#include "goodhart/engine/pricing.hpp"

namespace goodhart::bench {

namespace {

struct Rng {  // splitmix64: the generator's own numbers, not the simulator's
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

constexpr const char* kTerminals[] = {"vscode", "iTerm.app", "tmux",   "cursor", "jetbrains",
                                      "ghostty", "warp",     "kitty",  "alacritty", "wezterm"};
constexpr const char* kModels[] = {"claude-sonnet-4-5-20250929", "claude-opus-4-6",
                                   "claude-haiku-4-5-20251001"};

void model_entry(std::string& out, Rng& g, const char* model, double scale) {
  const auto base = static_cast<std::uint64_t>(scale * static_cast<double>(1000 + g.below(200000)));
  const std::uint64_t in = base, outp = base / 2 + g.below(1000), cw = base + g.below(5000),
                      cr = base * 14 + g.below(100000);
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "{\"model\":\"%s\",\"tokens\":{\"input\":%llu,\"output\":%llu,\"cache_creation\":%llu,"
                "\"cache_read\":%llu},\"estimated_cost\":{\"currency\":\"USD\",\"amount\":%llu.%02llu}}",
                model, static_cast<unsigned long long>(in), static_cast<unsigned long long>(outp),
                static_cast<unsigned long long>(cw), static_cast<unsigned long long>(cr),
                static_cast<unsigned long long>(g.below(400)), static_cast<unsigned long long>(g.below(100)));
  out += buf;
}

}  // namespace

GeneratedExport generate_claude_code(const std::string& path, int people, int days, int per_day) {
  if (per_day < 1 || per_day > 20) throw std::invalid_argument("per_day must be 1..20");
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot write " + path);
  Rng g{0x5EEDULL};
  const engine::Date start = engine::Date::from_ymd(2026, 6, 1);
  GeneratedExport info;
  std::string line;
  line.reserve(2048);
  for (int d = 0; d < days; ++d) {
    const std::string date = (start + d).iso() + "T00:00:00Z";
    for (int p = 0; p < people; ++p) {
      for (int k = 0; k < per_day; ++k) {
        // Several records of one actor-day differ by terminal and remote flag (a person on
        // several machines): distinct records, the same person-day-model rows.
        char head[512];
        std::snprintf(head, sizeof head,
                      "{\"date\":\"%s\",\"actor\":{\"type\":\"user_actor\",\"email_address\":\"user%06d@example.com\"},"
                      "\"organization_id\":\"3f8c2a8e-6f1e-4b8e-9d1c-2f5b7a9e0c11\",\"customer_type\":\"subscription\","
                      "\"subscription_type\":\"enterprise\",\"terminal_type\":\"%s\",\"is_remote\":%s,",
                      date.c_str(), p, kTerminals[k % 10], k >= 10 ? "true" : "false");
        line = head;
        const std::uint64_t sessions = 1 + g.below(8);
        char core[512];
        std::snprintf(core, sizeof core,
                      "\"core_metrics\":{\"num_sessions\":%llu,\"lines_of_code\":{\"added\":%llu,\"removed\":%llu},"
                      "\"commits_by_claude_code\":%llu,\"pull_requests_by_claude_code\":%llu},"
                      "\"tool_actions\":{\"edit_tool\":{\"accepted\":%llu,\"rejected\":%llu},"
                      "\"multi_edit_tool\":{\"accepted\":%llu,\"rejected\":%llu},\"write_tool\":{\"accepted\":%llu,\"rejected\":%llu},"
                      "\"notebook_edit_tool\":{\"accepted\":%llu,\"rejected\":%llu}},\"model_breakdown\":[",
                      static_cast<unsigned long long>(sessions), static_cast<unsigned long long>(g.below(500)),
                      static_cast<unsigned long long>(g.below(200)), static_cast<unsigned long long>(g.below(8)),
                      static_cast<unsigned long long>(g.below(2)), static_cast<unsigned long long>(g.below(30)),
                      static_cast<unsigned long long>(g.below(5)), static_cast<unsigned long long>(g.below(8)),
                      static_cast<unsigned long long>(g.below(2)), static_cast<unsigned long long>(g.below(4)),
                      static_cast<unsigned long long>(g.below(2)), static_cast<unsigned long long>(g.below(3)),
                      static_cast<unsigned long long>(g.below(2)));
        line += core;
        for (int m = 0; m < 3; ++m) {
          if (m) line += ',';
          model_entry(line, g, kModels[m], m == 0 ? 1.0 : m == 1 ? 0.2 : 0.05);
        }
        line += "]}\n";
        f.write(line.data(), static_cast<std::streamsize>(line.size()));
        info.bytes += line.size();
        ++info.records;
      }
    }
  }
  info.person_days = static_cast<std::int64_t>(people) * days;
  if (!f) throw std::runtime_error("error writing " + path);
  return info;
}

ReadStats read_claude_code(const std::string& path) {
  static const engine::PricingCatalog catalog =
      engine::PricingCatalog::load_file(std::string(GOODHART_SOURCE_DIR) + "/scenarios/pricing/2026-08.yaml");
  ReadStats st;
  const double w0 = wall_seconds(), c0 = thread_cpu_seconds();
  engine::IngestOptions opt;
  opt.format = engine::ExportFormat::claude_code;
  engine::Ingestor ing(catalog, opt);
  ing.read_path(path);
  const engine::UsageDataset ds = ing.finish();
  st.cpu_seconds = thread_cpu_seconds() - c0;
  st.wall_seconds = wall_seconds() - w0;
  st.bytes = std::filesystem::file_size(path);
  st.records = ds.report().records_read;
  st.accepted = ds.report().accepted;
  st.rows = static_cast<std::int64_t>(ds.rows().size());
  return st;
}

namespace {

std::string default_export() {
  if (const char* p = std::getenv("GOODHART_BENCH_INGEST_FILE")) return p;
  const auto path = std::filesystem::temp_directory_path() / "goodhart_bench_claude_code_100MB.jsonl";
  if (!std::filesystem::exists(path)) generate_claude_code(path.string(), 10000, 9, 1);
  return path.string();
}

void run_ingest(benchmark::State& st) {
  const std::string path = default_export();
  double wall = 0, cpu = 0;
  ReadStats last;
  for (auto _ : st) {
    last = read_claude_code(path);
    wall += last.wall_seconds;
    cpu += last.cpu_seconds;
    if (last.rejected() != 0) st.SkipWithError("records rejected");
  }
  const double n = static_cast<double>(st.iterations());
  st.counters["bytes"] = static_cast<double>(last.bytes);
  st.counters["records"] = static_cast<double>(last.records);
  st.counters["rows"] = static_cast<double>(last.rows);
  st.counters["MB_per_s"] = static_cast<double>(last.bytes) * n / wall / 1e6;
  st.counters["cpu_MB_per_s"] = static_cast<double>(last.bytes) * n / cpu / 1e6;
  st.counters["records_per_s"] = static_cast<double>(last.records) * n / wall;
  st.counters["cpu_records_per_s"] = static_cast<double>(last.records) * n / cpu;
}

}  // namespace

void register_ingest_benchmarks() {
  benchmark::RegisterBenchmark("ingest/claude_code", run_ingest)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime()
      ->Iterations(1);
}

}  // namespace goodhart::bench
