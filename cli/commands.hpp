// The goodhart subcommands. Each takes its own arguments (argv[0] is the subcommand name),
// parses them with Boost.Program_options and returns the process exit code.
#pragma once

namespace goodhart::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;

int cmd_validate(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_audit(int argc, char** argv);
int cmd_replay(int argc, char** argv);
int cmd_sweep(int argc, char** argv);

}  // namespace goodhart::cli
