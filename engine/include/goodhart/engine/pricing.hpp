// The dated pricing catalog (a YAML file: prices are data, never code) and exact costing
// of token counts into micro-dollars. Unknown models are reported, never priced at zero.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "goodhart/engine/dates.hpp"
#include "goodhart/engine/money.hpp"

namespace YAML {
class Node;
}

namespace goodhart::engine {

enum class TokenType : int { input = 0, output, cache_read, cache_write_5m, cache_write_1h };
inline constexpr int kTokenTypes = 5;
inline constexpr std::array<const char*, kTokenTypes> kTokenTypeNames{
    "input", "output", "cache_read", "cache_write_5m", "cache_write_1h"};

struct TokenCounts {
  std::array<std::uint64_t, kTokenTypes> n{};

  std::uint64_t& operator[](TokenType t) { return n[static_cast<int>(t)]; }
  std::uint64_t operator[](TokenType t) const { return n[static_cast<int>(t)]; }
  std::uint64_t total() const;
  TokenCounts& operator+=(const TokenCounts& o);
};

struct ModelPrice {
  std::string model;
  std::string provider;
  // Price of one million tokens of each type, in micro-dollars (so $0.125/MTok = 125000).
  std::array<std::int64_t, kTokenTypes> micro_usd_per_mtok{};
};

// Price multipliers as exact ratios in percent (batch = 50, US-only inference = 110).
struct PriceModifiers {
  int percent = 100;
};

class PricingCatalog {
 public:
  // Loads a catalog file; throws InputError with file:line:col on any problem.
  static PricingCatalog load_file(const std::string& path);
  // Loads from a parsed node ("inline" catalogs inside scenarios); `file` names the source.
  static PricingCatalog from_yaml(const YAML::Node& node, const std::string& file);

  Date effective_date() const { return date_; }
  const std::vector<std::string>& sources() const { return sources_; }
  const std::map<std::string, ModelPrice>& models() const { return models_; }
  int batch_percent() const { return batch_percent_; }
  int us_inference_percent() const { return us_inference_percent_; }

  // Finds a model by name; accepts dated ids ("claude-opus-4-5-20251101",
  // "gpt-5-2025-08-07") and the catalog's aliases. nullptr when unknown.
  const ModelPrice* find(std::string_view model) const;

  // Exact cost: sum of tokens x price, rounded once to the nearest micro-dollar.
  static MicroUsd cost(const ModelPrice& price, const TokenCounts& tokens,
                       PriceModifiers mod = {});

 private:
  Date date_{};
  std::vector<std::string> sources_;
  std::map<std::string, ModelPrice> models_;
  std::map<std::string, std::string> aliases_;
  int batch_percent_ = 50;
  int us_inference_percent_ = 110;
};

// Strips a trailing release date ("-20251101" or "-2025-08-07") from a model id.
std::string normalise_model_name(std::string_view model);

}  // namespace goodhart::engine
