// Python-compatible float formatting, shared by the JSON writer and the metrics exposition.
#include "events/number_format.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace teamlog {

void append_double(std::string& out, double d, bool add_dot_zero) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
    return;
  }
  // Shortest round-trip digits in scientific form tell the decimal exponent; Python's repr goes positional
  // when that exponent is in [-4, 16).
  std::array<char, 32> buf{};
  auto result = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  std::string_view text(buf.data(), static_cast<std::size_t>(result.ptr - buf.data()));
  const std::size_t e = text.find('e');
  int exponent = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(), exponent);
  if (exponent >= -4 && exponent < 16) {
    result = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
    text = std::string_view(buf.data(), static_cast<std::size_t>(result.ptr - buf.data()));
    out += text;
    if (add_dot_zero && text.find('.') == std::string_view::npos) out += ".0";
    return;
  }
  // to_chars writes "1e-05" / "1.5e+16", exactly as Python.
  out += text;
}

}  // namespace teamlog
