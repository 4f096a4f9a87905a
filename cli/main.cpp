// goodhart: the command-line entry point. Thin: dispatches to a subcommand and maps
// errors to exit codes (2 bad input or usage, 1 internal failure).
#include <boost/program_options/errors.hpp>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "goodhart/engine/error.hpp"
#include "goodhart/engine/output.hpp"
#include "signals.hpp"

namespace {

struct Subcommand {
  const char* name;
  int (*fn)(int, char**);
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"validate", goodhart::cli::cmd_validate, "check scenario files and report every problem"},
    {"run", goodhart::cli::cmd_run, "simulate a scenario and its variants (Monte Carlo)"},
    {"audit", goodhart::cli::cmd_audit, "Goodhart indicators on real usage exports"},
    {"replay", goodhart::cli::cmd_replay, "replay a governance policy on real usage exports"},
    {"sweep", goodhart::cli::cmd_sweep, "parameter sweeps and sensitivity analysis"},
};

void print_help(std::ostream& os) {
  os << "goodhart " << GOODHART_VERSION
     << " - what an organisation's AI usage really buys\n\n"
        "Usage: goodhart <command> [options]\n\nCommands:\n";
  for (const auto& s : kSubcommands) {
    os << "  " << s.name << std::string(10 - std::strlen(s.name), ' ') << s.summary << "\n";
  }
  os << "\nOptions:\n  -h, --help     show this help\n  --version      print the version\n\n"
        "Run 'goodhart <command> --help' for a command's options.\n"
        "Exit codes: 0 success, 1 internal error, 2 bad input or usage.\n";
}

}  // namespace

int main(int argc, char** argv) {
  goodhart::cli::install_signal_handlers();
  goodhart::engine::set_temp_file_hook([](const char* path, bool created) {
    if (created) goodhart::cli::register_temp_file(path);
    else goodhart::cli::unregister_temp_file(path);
  });
  if (argc < 2) {
    print_help(std::cerr);
    return goodhart::cli::kExitBadInput;
  }
  const std::string first = argv[1];
  if (first == "-h" || first == "--help" || first == "help") {
    print_help(std::cout);
    return goodhart::cli::kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "goodhart " << GOODHART_VERSION << "\n";
    return goodhart::cli::kExitOk;
  }
  for (const auto& s : kSubcommands) {
    if (first != s.name) continue;
    try {
      return s.fn(argc - 1, argv + 1);
    } catch (const goodhart::cli::Interrupted& e) {
      std::cerr << e.what() << "\n";
      return e.exit_code();
    } catch (const goodhart::engine::InputError& e) {
      std::cerr << e.what() << "\n";
      return goodhart::cli::kExitBadInput;
    } catch (const boost::program_options::error& e) {
      std::cerr << "goodhart " << s.name << ": " << e.what() << "\n"
                << "Try 'goodhart " << s.name << " --help'.\n";
      return goodhart::cli::kExitBadInput;
    } catch (const std::exception& e) {
      std::cerr << "goodhart " << s.name << ": internal error: " << e.what() << "\n";
      return goodhart::cli::kExitInternal;
    }
  }
  std::cerr << "goodhart: unknown command '" << first << "'\n";
  print_help(std::cerr);
  return goodhart::cli::kExitBadInput;
}
