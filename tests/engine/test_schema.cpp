// The generic schema: validation (all problems, with line:col), typed reading, defaults
// taken from struct initializers, JSON Schema and Markdown outputs.
#include <catch2/catch.hpp>

#include <algorithm>

#include "goodhart/engine/error.hpp"
#include "goodhart/engine/schema.hpp"

using namespace goodhart::engine;

namespace {

enum class Colour { red, green };

struct Rate {
  double value = 1.0;
  int count = 2;
};

struct Item {
  std::string name;
  double weight = 1.0;
};

struct Doc {
  std::string title;
  Rate rate{0.25, 7};  // differs from Rate{}: nested defaults must come from here
  std::optional<double> cap;
  std::vector<double> shares{0.5};
  bool flag = true;
  Colour colour = Colour::green;
  std::vector<Item> items;
  std::uint64_t seed = 1;
  Date start;
};

const SchemaNode& doc_schema() {
  static const SchemaNode s = root_object<Doc>(
      "doc", "A test document.",
      {
          field("title", &Doc::title, "Title.").as_required(),
          object("rate", &Doc::rate, "A rate.",
                 {field("value", &Rate::value, "Value.").with_unit("share").at_least(0).at_most(1),
                  field("count", &Rate::count, "Count.").at_least(0)}),
          field("cap", &Doc::cap, "Optional cap.").with_unit("USD").at_least(0),
          field("shares", &Doc::shares, "Shares.").above(0).at_most(1),
          field("flag", &Doc::flag, "A flag."),
          enum_field("colour", &Doc::colour, {{"red", Colour::red}, {"green", Colour::green}},
                     "Colour."),
          object_list("items", &Doc::items, "Named items.",
                      {field("name", &Item::name, "Name.").as_required(),
                       field("weight", &Item::weight, "Weight.").above(0)})
              .named_by("name", "item"),
          field("seed", &Doc::seed, "Seed."),
          field("start", &Doc::start, "Start date."),
      });
  return s;
}

std::vector<Diagnostic> check(const std::string& yaml) {
  DiagnosticList diags("t.yaml");
  validate(load_yaml_string(yaml, "t.yaml"), doc_schema(), diags);
  return diags.items();
}

bool has(const std::vector<Diagnostic>& ds, int line, int col, const std::string& text) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) {
    return d.where.line == line && d.where.col == col &&
           d.message.find(text) != std::string::npos;
  });
}

}  // namespace

TEST_CASE("schema: a valid document reads into the struct, absent keys keep defaults") {
  const YAML::Node n = load_yaml_string(
      "title: hello\nrate: {value: 0.75}\ncap: 12.5\ncolour: red\n"
      "items:\n  - {name: a, weight: 2}\n  - {name: b}\nseed: 18446744073709551615\n"
      "start: 2026-09-07\n",
      "t.yaml");
  DiagnosticList diags("t.yaml");
  validate(n, doc_schema(), diags);
  REQUIRE(diags.empty());
  Doc d;
  read_into(n, doc_schema(), d);
  CHECK(d.title == "hello");
  CHECK(d.rate.value == 0.75);
  CHECK(d.rate.count == 7);  // the Doc initializer, not Rate{}
  REQUIRE(d.cap);
  CHECK(*d.cap == 12.5);
  CHECK(d.shares == std::vector<double>{0.5});
  CHECK(d.colour == Colour::red);
  REQUIRE(d.items.size() == 2);
  CHECK(d.items[1].name == "b");
  CHECK(d.items[1].weight == 1.0);
  CHECK(d.seed == 18446744073709551615ULL);
  CHECK(d.start.iso() == "2026-09-07");
}

TEST_CASE("schema: defaults of nested keys come from the enclosing struct's initializer") {
  const SchemaNode* rate = doc_schema().child("rate");
  REQUIRE(rate);
  CHECK(rate->child("value")->default_text == "0.25");
  CHECK(rate->child("count")->default_text == "7");
  CHECK(doc_schema().child("cap")->default_text == "null");
  CHECK(doc_schema().child("colour")->default_text == "green");
  CHECK(doc_schema().child("shares")->default_text == "[0.5]");
  CHECK_FALSE(doc_schema().child("title")->default_text);  // required: no default
}

TEST_CASE("schema: unknown keys are reported at the key, with a suggestion") {
  const auto ds = check("title: x\nrate:\n  vaule: 0.5\nflgg: true\nzzzzzz: 1\n");
  REQUIRE(ds.size() == 3);
  CHECK(has(ds, 3, 3, "unknown key 'vaule'; did you mean 'value'?"));
  CHECK(has(ds, 4, 1, "unknown key 'flgg'; did you mean 'flag'?"));
  // No plausible typo: list what is expected instead.
  CHECK(has(ds, 5, 1, "unknown key 'zzzzzz' (expected title, rate,"));
}

TEST_CASE("schema: every wrong type and out-of-range value is reported at once") {
  const auto ds = check(
      "title: [a]\n"            // 1: list for text
      "rate: {value: 1.5, count: 2.5}\n"  // 2: range, not an integer
      "cap: -1\n"               // 3: below minimum
      "shares: [0.5, 0, x]\n"   // 4: exclusive minimum, not a number
      "flag: yes\n"             // 5: YAML 1.1 boolean
      "colour: gren\n"          // 6: enum typo
      "seed: -3\n"              // 7: unsigned
      "start: 2026-02-30\n");   // 8: not a date
  CHECK(has(ds, 1, 8, "'title' must be text, got a list"));
  CHECK(has(ds, 2, 15, "'value' must be in [0, 1], got 1.5"));
  CHECK(has(ds, 2, 27, "'count' must be a whole number, got 2.5"));
  CHECK(has(ds, 3, 6, "'cap' must be >= 0, got -1"));
  CHECK(has(ds, 4, 15, "'shares[1]' must be in (0, 1], got 0"));
  CHECK(has(ds, 4, 18, "'shares[2]' must be a number, got 'x'"));
  CHECK(has(ds, 5, 7, "'flag' must be true or false, got 'yes'"));
  CHECK(has(ds, 6, 9, "got 'gren' (did you mean 'green'?)"));
  CHECK(has(ds, 7, 7, "'seed' must be >= 0, got -3"));
  CHECK(has(ds, 8, 8, "'start' must be a date YYYY-MM-DD"));
  CHECK(ds.size() == 10);
}

TEST_CASE("schema: missing required keys, duplicate keys and duplicate names") {
  const auto ds = check("rate: {value: 0.5}\nrate: {value: 0.4}\nitems:\n  - {name: a}\n"
                        "  - {weight: 1}\n  - {name: a}\n");
  CHECK(has(ds, 1, 1, "missing required key 'title'"));
  CHECK(has(ds, 2, 1, "duplicate key 'rate' (first at line 1)"));
  CHECK(has(ds, 5, 5, "missing required key 'name' in 'items[1]'"));
  CHECK(has(ds, 6, 12, "duplicate item name 'a' (first at line 4)"));
  CHECK(ds.size() == 4);
}

TEST_CASE("schema: null is accepted only where a key is nullable; quoted numbers are text") {
  CHECK(check("title: x\ncap: null\n").empty());
  CHECK(check("title: x\ncap: ~\n").empty());
  const auto ds = check("title: x\nflag:\nrate:\n  count: \"3\"\n");
  CHECK(has(ds, 2, 1, "'flag' must be true or false, got nothing"));
  CHECK(has(ds, 4, 10, "'count' must be a whole number, got the text \"3\""));
}

TEST_CASE("schema: scalar readers") {
  auto node = [](const char* text) { return YAML::Load(text); };
  CHECK(as_number(node("1e3")) == 1000.0);
  CHECK(as_number(node("+2.5")) == 2.5);
  CHECK_FALSE(as_number(node("'2.5'")));
  CHECK_FALSE(as_number(node(".inf")));
  CHECK_FALSE(as_number(node("1_000")));
  CHECK(as_integer(node("-12")) == -12);
  CHECK_FALSE(as_integer(node("1.0")));
  CHECK(as_unsigned(node("18446744073709551615")) == 18446744073709551615ULL);
  CHECK_FALSE(as_unsigned(node("18446744073709551616")));
  CHECK_FALSE(as_unsigned(node("-1")));
  CHECK(as_boolean(node("false")) == false);
  CHECK_FALSE(as_boolean(node("no")));
  CHECK_FALSE(as_date(node("2026-9-7")));
  CHECK(format_number(5.0e6) == "5000000");
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(-0.0) == "0");
  CHECK(format_number(1e20) == "1e+20");
}

TEST_CASE("schema: Reporter::clean matches whole path segments") {
  DiagnosticList diags("t.yaml");
  Reporter out(diags);
  out.fail(YAML::Node(), "cohorts.eng.token_mix", "bad");
  CHECK_FALSE(out.clean("cohorts.eng"));
  CHECK_FALSE(out.clean("cohorts.eng.token_mix"));
  CHECK(out.clean("cohorts.eng.token_mix_extra"));
  CHECK(out.clean("cohorts.engineers"));
  CHECK(out.clean("cohorts.eng.model"));
  // A node without a position is reported with its path, in the file.
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].str() == "t.yaml: cohorts.eng.token_mix: bad");
}

TEST_CASE("schema: a child bound to another struct is a programming error") {
  CHECK_THROWS_AS(root_object<Doc>("doc", "", {field("value", &Rate::value, "")}),
                  std::logic_error);
}

TEST_CASE("schema: JSON Schema output") {
  const nlohmann::json j = to_json_schema(doc_schema(), "test");
  CHECK(j["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  CHECK(j["title"] == "test");
  CHECK(j["additionalProperties"] == false);
  CHECK(j["required"] == nlohmann::json::array({"title"}));
  const auto& rate = j["properties"]["rate"];
  CHECK(rate["additionalProperties"] == false);
  CHECK(rate["properties"]["value"]["minimum"] == 0.0);
  CHECK(rate["properties"]["value"]["maximum"] == 1.0);
  CHECK(rate["properties"]["value"]["default"] == 0.25);
  CHECK(rate["properties"]["value"]["description"] == "Value. Unit: share.");
  CHECK(rate["properties"]["count"]["type"] == "integer");
  const auto& cap = j["properties"]["cap"];
  CHECK(cap["type"] == nlohmann::json::array({"number", "null"}));
  CHECK(cap["default"].is_null());
  const auto& shares = j["properties"]["shares"];
  CHECK(shares["items"]["exclusiveMinimum"] == 0.0);
  CHECK(shares["default"] == nlohmann::json::array({0.5}));
  CHECK(j["properties"]["colour"]["enum"] == nlohmann::json::array({"red", "green"}));
  CHECK(j["properties"]["items"]["items"]["required"] == nlohmann::json::array({"name"}));
  CHECK(j["properties"]["start"]["format"] == "date");
  CHECK(j["properties"]["flag"]["default"] == true);
}

TEST_CASE("schema: Markdown reference lists every dotted path") {
  const std::vector<std::string> expected{"title",  "rate",         "rate.value",
                                          "rate.count", "cap",      "shares",
                                          "flag",   "colour",       "items",
                                          "items[].name", "items[].weight", "seed",
                                          "start"};
  CHECK(schema_paths(doc_schema()) == expected);
  const std::string md = to_markdown_table(doc_schema());
  CHECK(md.find("| `rate.value` | number | share | `0.25` | [0, 1] | Value. |") !=
        std::string::npos);
  CHECK(md.find("| `title` | text |  | **required** |") != std::string::npos);
  CHECK(md.find("| `cap` | number or null | USD | `null` | >= 0 |") != std::string::npos);
  CHECK(md.find("| `items` | list of mappings |  |  | unique `name` |") != std::string::npos);
}
