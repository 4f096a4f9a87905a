#include "goodhart/engine/pricing.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/yaml_util.hpp"

namespace goodhart::engine {

std::uint64_t TokenCounts::total() const {
  std::uint64_t t = 0;
  for (auto v : n) t += v;
  return t;
}

TokenCounts& TokenCounts::operator+=(const TokenCounts& o) {
  for (int i = 0; i < kTokenTypes; ++i) n[i] += o.n[i];
  return *this;
}

std::string normalise_model_name(std::string_view m) {
  auto all_digits = [](std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
  };
  if (m.size() > 9 && m[m.size() - 9] == '-' && all_digits(m.substr(m.size() - 8)))
    return std::string(m.substr(0, m.size() - 9));
  if (m.size() > 11 && m[m.size() - 11] == '-' && m[m.size() - 6] == '-' &&
      m[m.size() - 3] == '-' && all_digits(m.substr(m.size() - 10, 4)) &&
      all_digits(m.substr(m.size() - 5, 2)) && all_digits(m.substr(m.size() - 2)))
    return std::string(m.substr(0, m.size() - 11));
  return std::string(m);
}

const ModelPrice* PricingCatalog::find(std::string_view model) const {
  for (const std::string& name : {std::string(model), normalise_model_name(model)}) {
    if (auto it = models_.find(name); it != models_.end()) return &it->second;
    if (auto a = aliases_.find(name); a != aliases_.end()) return &models_.at(a->second);
  }
  return nullptr;
}

MicroUsd PricingCatalog::cost(const ModelPrice& price, const TokenCounts& tokens,
                              PriceModifiers mod) {
  // Units of 1e-6 micro-dollars per token summed exactly in 128 bits, rounded once.
  Int128 pico = 0;
  for (int i = 0; i < kTokenTypes; ++i)
    pico += static_cast<Int128>(tokens.n[i]) * price.micro_usd_per_mtok[i];
  pico *= mod.percent;
  const Int128 denom = static_cast<Int128>(1'000'000) * 100;
  return static_cast<MicroUsd>((pico + denom / 2) / denom);
}

PricingCatalog PricingCatalog::from_yaml(const YAML::Node& root, const std::string& file) {
  PricingCatalog cat;
  DiagnosticList diags(file);
  if (!root.IsMap()) diags.fail(root, "a pricing catalog must be a mapping with 'catalog' and 'models'");
  else {
    check_keys(root, {"catalog", "models"}, diags);
    const YAML::Node meta = root["catalog"];
    if (!meta) diags.fail(root, "missing 'catalog' (date and sources)");
    else if (!meta.IsMap()) diags.fail(meta, "'catalog' must be a mapping with 'date' and 'sources'");
    else {
      check_keys(meta, {"date", "currency", "unit", "sources", "batch_percent",
                        "us_inference_percent"}, diags);
      if (auto d = read_date(meta, "date", diags)) cat.date_ = *d;
      else if (!meta["date"]) diags.fail(meta, "missing 'date' (YYYY-MM-DD the prices were read)");
      if (meta["currency"] && meta["currency"].as<std::string>("") != "USD")
        diags.fail(meta["currency"], "only USD catalogs are supported");
      if (meta["sources"]) {
        if (!meta["sources"].IsSequence()) diags.fail(meta["sources"], "'sources' must be a list of strings");
        else for (const auto& s : meta["sources"]) cat.sources_.push_back(s.as<std::string>(""));
      }
      // Price multipliers are whole percentages; anything else is a typo, not a price.
      auto percent = [&](const char* key, int& out) {
        const YAML::Node v = meta[key];
        if (!v) return;
        int x = -1;
        if (!v.IsScalar() || !YAML::convert<int>::decode(v, x) || x < 1 || x > 1000)
          diags.fail(v, std::string("'") + key + "' must be a whole number of percent from 1 to 1000");
        else out = x;
      };
      percent("batch_percent", cat.batch_percent_);
      percent("us_inference_percent", cat.us_inference_percent_);
    }
    const YAML::Node models = root["models"];
    if (!models || !models.IsMap() || models.size() == 0)
      diags.fail(models ? models : root, "'models' must be a non-empty mapping of model name to prices");
    else {
      for (const auto& kv : models) {
        const std::string name = kv.first.as<std::string>("");
        const YAML::Node& m = kv.second;
        if (cat.models_.count(name)) {
          diags.fail(kv.first, "model '" + name + "' is listed twice");
          continue;
        }
        if (!m.IsMap()) { diags.fail(m, "model '" + name + "' must map token types to USD per million tokens"); continue; }
        check_keys(m, {"provider", "input", "output", "cache_read", "cache_write_5m",
                       "cache_write_1h", "aliases"}, diags);
        ModelPrice p;
        p.model = name;
        p.provider = m["provider"] ? m["provider"].as<std::string>("") : "";
        for (int t = 0; t < kTokenTypes; ++t) {
          const char* key = kTokenTypeNames[t];
          const YAML::Node v = m[key];
          if (!v) {
            if (t == static_cast<int>(TokenType::input) || t == static_cast<int>(TokenType::output))
              diags.fail(m, "model '" + name + "' has no '" + key + "' price");
            // Cache prices default to the input price when a provider has no such type.
            continue;
          }
          auto micro = v.IsScalar() ? parse_decimal_micro(v.Scalar(), kMicroPerUsd) : std::nullopt;
          if (!micro || *micro < 0) diags.fail(v, "'" + std::string(key) + "' must be a non-negative number of USD per million tokens");
          else p.micro_usd_per_mtok[t] = *micro;
        }
        for (int t : {static_cast<int>(TokenType::cache_read), static_cast<int>(TokenType::cache_write_5m),
                      static_cast<int>(TokenType::cache_write_1h)})
          if (!m[kTokenTypeNames[t]]) p.micro_usd_per_mtok[t] = p.micro_usd_per_mtok[0];
        if (!m["cache_write_1h"] && m["cache_write_5m"])
          p.micro_usd_per_mtok[static_cast<int>(TokenType::cache_write_1h)] =
              p.micro_usd_per_mtok[static_cast<int>(TokenType::cache_write_5m)];
        if (m["aliases"] && m["aliases"].IsSequence())
          for (const auto& a : m["aliases"]) cat.aliases_[a.as<std::string>("")] = name;
        cat.models_[name] = std::move(p);
      }
    }
  }
  diags.throw_if_any();
  return cat;
}

PricingCatalog PricingCatalog::load_file(const std::string& path) {
  return from_yaml(load_yaml_file(path), path);
}

}  // namespace goodhart::engine
