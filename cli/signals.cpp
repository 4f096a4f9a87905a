#include "signals.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>

namespace goodhart::cli {

namespace {

// Everything the handler touches is a lock-free atomic or fixed storage, and it calls only
// async-signal-safe functions (unlink, write, _exit).
constexpr std::size_t kSlots = 64;
constexpr std::size_t kPathMax = 4096;
enum SlotState : int { kFree = 0, kBusy = 1, kReady = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  char path[kPathMax];
};
std::array<Slot, kSlots> g_slots;

volatile std::sig_atomic_t g_signal = 0;
std::atomic<int> g_signals_seen{0};
std::atomic<int> g_defer_depth{0};
std::atomic<bool> g_installed{false};
// Messages are formatted before any signal can arrive: the handler cannot allocate.
char g_message_int[128];
char g_message_term[128];

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

void remove_registered_files() {
  for (auto& slot : g_slots)
    if (slot.state.load(std::memory_order_acquire) == kReady) ::unlink(slot.path);
}

[[noreturn]] void exit_now(int sig) {
  remove_registered_files();
  const char* msg = sig == SIGTERM ? g_message_term : g_message_int;
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, std::strlen(msg));
  ::_exit(128 + sig);
}

extern "C" void on_signal(int sig) {
  if (g_signal == 0) g_signal = sig;
  const int seen = g_signals_seen.fetch_add(1) + 1;
  // Inside a deferral the main thread will see the flag within moments; a second signal
  // means the user does not want to wait.
  if (g_defer_depth.load() > 0 && seen == 1) return;
  exit_now(g_signal);
}

}  // namespace

Interrupted::Interrupted(int signal) : std::runtime_error(interrupted_message(signal)), signal_(signal) {}

std::string interrupted_message(int signal) {
  return std::string("goodhart: interrupted by ") + signal_name(signal) +
         "; unfinished output files were removed";
}

void install_signal_handlers() {
  if (g_installed.exchange(true)) return;
  // A progress line may be on the terminal: start the message on a fresh line there.
  const char* lead = ::isatty(STDERR_FILENO) ? "\n" : "";
  for (auto [buf, sig] : {std::pair{g_message_int, SIGINT}, std::pair{g_message_term, SIGTERM}}) {
    const std::string m = lead + interrupted_message(sig) + "\n";
    std::strncpy(buf, m.c_str(), sizeof g_message_int - 1);
    buf[sizeof g_message_int - 1] = '\0';
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  // Both signals are blocked while either handler runs, so cleanup happens once.
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

int interrupted_signal() { return g_signal; }

void check_interrupted() {
  if (const int sig = g_signal; sig != 0) throw Interrupted(sig);
}

bool register_temp_file(const char* path) {
  const std::size_t len = std::strlen(path);
  if (len == 0 || len >= kPathMax) return false;
  for (auto& slot : g_slots) {
    int expected = kFree;
    if (!slot.state.compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) continue;
    std::memcpy(slot.path, path, len + 1);
    slot.state.store(kReady, std::memory_order_release);
    return true;
  }
  return false;
}

void unregister_temp_file(const char* path) {
  for (auto& slot : g_slots) {
    int expected = kReady;
    if (slot.state.load(std::memory_order_acquire) != kReady || std::strcmp(slot.path, path) != 0) continue;
    if (slot.state.compare_exchange_strong(expected, kBusy, std::memory_order_acquire)) {
      slot.path[0] = '\0';
      slot.state.store(kFree, std::memory_order_release);
      return;
    }
  }
}

TempFileGuard::TempFileGuard(const std::filesystem::path& path) : path_(path.string()) {
  registered_ = register_temp_file(path_.c_str());
}

TempFileGuard::~TempFileGuard() {
  if (registered_) unregister_temp_file(path_.c_str());
}

DeferSignals::DeferSignals() { g_defer_depth.fetch_add(1); }
DeferSignals::~DeferSignals() { g_defer_depth.fetch_sub(1); }

}  // namespace goodhart::cli
