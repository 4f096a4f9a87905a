// Atomic output files: content goes to a temporary file beside the target and is renamed
// into place only when complete, so an interrupted or failed run leaves no half file.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace goodhart::engine {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temporary file unless commit() ran
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  void commit();  // flush, close, rename over the target; throws on I/O failure

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

void write_file_atomic(const std::filesystem::path& target, const std::string& content);

// Called with (temp path, true) when an AtomicFile creates its temporary file and with
// (temp path, false) when it is renamed or removed: lets a signal handler remove unfinished
// outputs without the engine knowing about signals. Plain function pointer, signal-safe to read.
using TempFileHook = void (*)(const char* path, bool created);
void set_temp_file_hook(TempFileHook hook);

}  // namespace goodhart::engine
