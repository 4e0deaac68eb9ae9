// The JSON string escaper: the hottest formatting code, every response body and JSON log line goes through it.
#include "events/json_string.hpp"

#include "events/utf8.hpp"

namespace teamlog {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned unit) {
  const char esc[6] = {'\\', 'u', kHex[(unit >> 12) & 0xF], kHex[(unit >> 8) & 0xF], kHex[(unit >> 4) & 0xF],
                       kHex[unit & 0xF]};
  out.append(esc, sizeof esc);
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one append.
    std::size_t run = i;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x80) {
      append_u_escape(out, c);
      ++i;
      continue;
    }
    char32_t cp = decode_utf8(s, i);
    if (cp == kInvalidCodePoint) cp = 0xFFFD;
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      append_u_escape(out, static_cast<unsigned>(0xD800 + (v >> 10)));
      append_u_escape(out, static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
    } else {
      append_u_escape(out, static_cast<unsigned>(cp));
    }
  }
  out += '"';
}

}  // namespace teamlog
