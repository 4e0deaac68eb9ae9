// Request ids: SplitMix64 over a per-thread random seed plus a counter, a bijection, so no repeats within a thread.
#include "http/request_id.hpp"

#include <cstdint>
#include <random>

namespace teamlog::http {

bool is_sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

std::string generate_request_id() {
  thread_local std::uint64_t seed = [] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }();
  thread_local std::uint64_t counter = 0;
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * ++counter;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[static_cast<std::size_t>(i)] = kHex[z & 0xF];
    z >>= 4;
  }
  return id;
}

}  // namespace teamlog::http
