// A fixed set of bits over key hashes: "certainly absent" for most keys a map does not hold, without touching the
// map (a lookup of a key that is not there still walks a bucket of cold memory). No false negatives for keys added
// since the last clear; false positives cost only the lookup they would have cost anyway.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace teamlog {

template <std::size_t Bits>
class KeyFilter {
  static_assert(Bits % 64 == 0 && (Bits & (Bits - 1)) == 0, "a power of two, in whole words");

 public:
  void add(std::string_view key) {
    const auto m = mixed_hash(key);
    words_[(m >> 6) % kWords] |= bit(m);
  }
  bool may_contain(std::string_view key) const {
    const auto m = mixed_hash(key);
    return (words_[(m >> 6) % kWords] & bit(m)) != 0;
  }
  void clear() { words_.fill(0); }

 private:
  static constexpr std::size_t kWords = Bits / 64;
  // std::hash, mixed: its low bits also pick a read-cache shard, so within one shard they would hardly vary.
  static std::uint64_t mixed_hash(std::string_view key) {
    std::uint64_t h = std::hash<std::string_view>{}(key);  // then splitmix64's finaliser
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  }
  static std::uint64_t bit(std::uint64_t m) { return std::uint64_t{1} << (m & 63); }
  std::array<std::uint64_t, kWords> words_{};
};

}  // namespace teamlog
