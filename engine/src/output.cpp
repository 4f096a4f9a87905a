#include "goodhart/engine/output.hpp"

#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace goodhart::engine {

namespace {
TempFileHook g_hook = nullptr;
}

void set_temp_file_hook(TempFileHook hook) { g_hook = hook; }

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  if (target_.has_parent_path()) std::filesystem::create_directories(target_.parent_path());
  temp_ = target_;
  temp_ += ".tmp." + std::to_string(::getpid());
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error("cannot write " + temp_.string());
  if (g_hook) g_hook(temp_.c_str(), true);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
    if (g_hook) g_hook(temp_.c_str(), false);
  }
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw std::runtime_error("write failed: " + temp_.string());
  out_.close();
  std::filesystem::rename(temp_, target_);
  committed_ = true;
  if (g_hook) g_hook(temp_.c_str(), false);
}

void write_file_atomic(const std::filesystem::path& target, const std::string& content) {
  AtomicFile f(target);
  f.stream() << content;
  f.commit();
}

}  // namespace goodhart::engine
