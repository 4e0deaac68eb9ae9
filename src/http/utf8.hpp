// UTF-8 validation and repair for bytes that came off the wire (bodies, query strings, path params).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace teamlog::http {

// Decodes the code point starting at s[i] and advances i past it. Returns kInvalidCodePoint (and advances by one
// byte) for anything that is not strict UTF-8: stray continuation bytes, overlong forms, surrogates, > U+10FFFF,
// truncated sequences. Precondition: i < s.size().
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;
char32_t decode_utf8(std::string_view s, std::size_t& i);

// Offset of the first byte that is not valid UTF-8, or npos when all of s is valid.
std::size_t find_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return find_invalid_utf8(s) == std::string_view::npos; }

// s with every invalid byte replaced by U+FFFD, as Python's decode(errors="replace") that Django applies to
// query strings and form data; returns s unchanged (no copy) when it is already valid.
std::string to_valid_utf8(std::string s);

void append_utf8(std::string& out, char32_t cp);

}  // namespace teamlog::http
