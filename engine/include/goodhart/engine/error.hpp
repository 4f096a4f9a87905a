// User-input errors that carry where they happened (file:line:col or file:record).
// Thrown by loaders and readers; caught at the CLI (exit 2) and in Python (ValueError).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace goodhart::engine {

struct Location {
  std::string file;  // path as given by the user, or "<string>" / "-" for stdin
  int line = 0;      // 1-based; 0 = unknown
  int col = 0;       // 1-based; 0 = unknown
  long long record = -1;  // 1-based record number for exports without lines; -1 = unused

  std::string str() const;
};

struct Diagnostic {
  Location where;
  std::string message;

  std::string str() const { return where.str() + ": " + message; }
};

// One or more diagnostics; what() joins them one per line.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  InputError(Location where, const std::string& message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace goodhart::engine
