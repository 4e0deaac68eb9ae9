// A transparent hash for string-keyed unordered containers: lookups by std::string_view build no key.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace teamlog {

// Deliberately not noexcept: libstdc++ keeps each node's hash code only for hashes it does not consider cheap
// (std::hash<std::string> is one of them, a noexcept functor of ours is not). Without the stored code, a lookup
// hashes the keys of the nodes it walks past to see where its bucket ends: with ~5,000 cached rows that was most
// of the read cache's find and of the publication's cache upkeep.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace teamlog
