// A transparent hash for string-keyed unordered containers: lookups by std::string_view build no key.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace teamlog {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace teamlog
