// Python's int(str), base 10.
#include "http/api/python_int.hpp"

#include <algorithm>
#include <limits>

namespace teamlog::http::api {
namespace {

// str.isspace() over ASCII: the usual six plus the information separators 0x1c-0x1f.
bool is_python_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }

}  // namespace

std::optional<std::int64_t> parse_python_int(std::string_view text) {
  while (!text.empty() && is_python_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_python_space(text.back())) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::uint64_t value = 0;
  bool previous_digit = false;
  for (const char c : text) {
    if (c == '_') {
      if (!previous_digit) return std::nullopt;  // leading or doubled underscore
      previous_digit = false;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    previous_digit = true;
    value = value > kMax / 10 ? kMax : std::min(kMax, value * 10 + static_cast<std::uint64_t>(c - '0'));
  }
  if (!previous_digit) return std::nullopt;  // trailing underscore
  const auto magnitude = static_cast<std::int64_t>(value);
  return negative ? -magnitude : magnitude;
}

}  // namespace teamlog::http::api
