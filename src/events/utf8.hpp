// Strict UTF-8: decoding, validation and repair, for bytes that came off the wire (bodies, query strings, path
// params), for request validation and for the JSON writers. The one place that knows the byte patterns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace teamlog {

// Decodes the code point starting at s[i] and advances i past it. Returns kInvalidCodePoint (and advances by one
// byte) for anything that is not strict UTF-8: stray continuation bytes, overlong forms, surrogates, > U+10FFFF,
// truncated sequences. Precondition: i < s.size(). With `surrogates`, encoded surrogates (ED A0..BF xx, as WTF-8
// writes Python's lone surrogates) decode as themselves, so that DRF's surrogate check can see them.
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;
char32_t decode_utf8(std::string_view s, std::size_t& i, bool surrogates = false);

// Offset of the first byte that is not valid UTF-8, or npos when all of s is valid.
std::size_t find_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return find_invalid_utf8(s) == std::string_view::npos; }

// s with every invalid byte replaced by U+FFFD, as Python's decode(errors="replace") that Django applies to
// query strings and form data; returns s unchanged (no copy) when it is already valid.
std::string to_valid_utf8(std::string s);

void append_utf8(std::string& out, char32_t cp);

}  // namespace teamlog
