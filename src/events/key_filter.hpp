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
  void add(std::string_view key) { add_hash(hash(key)); }
  bool may_contain(std::string_view key) const { return may_contain_hash(hash(key)); }
  // `h`: the key's std::hash, which a caller may have at hand already (the low bits of a map's hash also pick
  // its shard, so the filter mixes them first).
  void add_hash(std::size_t h) {
    const auto m = mix(h);
    words_[(m >> 6) % kWords] |= bit(m);
  }
  bool may_contain_hash(std::size_t h) const {
    const auto m = mix(h);
    return (words_[(m >> 6) % kWords] & bit(m)) != 0;
  }
  void clear() { words_.fill(0); }
  static std::size_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

 private:
  static constexpr std::size_t kWords = Bits / 64;
  static std::uint64_t mix(std::uint64_t h) {  // splitmix64's finaliser
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  }
  static std::uint64_t bit(std::uint64_t m) { return std::uint64_t{1} << (m & 63); }
  std::array<std::uint64_t, kWords> words_{};
};

}  // namespace teamlog
