// Policy loader: a governance block given as text (parse_policy) and as a standalone policy
// file (load_policy_file, wrapped or bare form). Only InputError may escape, naming the file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/yaml_util.hpp"

namespace {

// load_policy_file reads a path: an in-memory file keeps the fuzzer off the disk.
int memory_file() {
  static const int fd = ::memfd_create("goodhart-fuzz-policy", 0);
  return fd;
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
  if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) return false;
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace goodhart;
  const std::string name = "policy.yaml";
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    engine::DiagnosticList diags(name);
    const YAML::Node root = engine::load_yaml_string(text, name);
    // The block as a scenario holds it; indexing a scalar would throw, so only maps are asked.
    const YAML::Node block = root.IsMap() && root["governance"] ? root["governance"] : root;
    (void)engine::parse_policy(block, diags);
    diags.throw_if_any();
  } catch (const engine::InputError& e) {
    fuzz::check_input_error(e, name);
  }
  const int fd = memory_file();
  if (fd < 0 || !write_all(fd, data, size)) return 0;
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    (void)engine::load_policy_file(path);
  } catch (const engine::InputError& e) {
    fuzz::check_input_error(e, path);
  }
  return 0;
}
