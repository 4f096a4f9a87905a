// SIGINT and SIGTERM for long runs: exit at once with a clear message and 128+signal, after
// removing the temporary files of outputs not yet committed, so no half file is left behind.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace goodhart::cli {

// Thrown by check_interrupted(); main() catches it before std::exception and returns
// exit_code() after printing what().
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

// Installs the handlers (idempotent). A signal arriving outside a DeferSignals scope removes
// every registered temporary file, prints the message and calls _exit(128 + signal): the
// simulation cannot be unwound from inside an OpenMP region, and a user pressing Ctrl-C
// expects to get the prompt back now, not after the current replicate.
void install_signal_handlers();

// The signal received so far (SIGINT, SIGTERM), or 0.
int interrupted_signal();
// Throws Interrupted when a signal has been received (in a DeferSignals scope).
void check_interrupted();
// "goodhart: interrupted by SIGINT; unfinished output files were removed"
std::string interrupted_message(int signal);

// The registry of temporary files the handler unlinks. Paths are copied into fixed storage
// the handler can read without locks; returns false when the path does not fit or the
// registry (64 entries) is full — the file is then only removed by normal unwinding.
// Plain function pointers on purpose: engine::AtomicFile can call them through a hook
// without the engine depending on the CLI.
bool register_temp_file(const char* path);
void unregister_temp_file(const char* path);

// Registers a path for its lifetime.
class TempFileGuard {
 public:
  explicit TempFileGuard(const std::filesystem::path& path);
  ~TempFileGuard();
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  bool registered() const { return registered_; }

 private:
  std::string path_;
  bool registered_ = false;
};

// While alive, a first signal is only recorded: renaming a set of finished outputs into place
// must not stop halfway. Call check_interrupted() after the scope. A second signal exits.
class DeferSignals {
 public:
  DeferSignals();
  ~DeferSignals();
  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;
};

}  // namespace goodhart::cli
