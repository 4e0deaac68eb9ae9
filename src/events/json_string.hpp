// Writing JSON string literals, ASCII-only like pretix's ujson; light enough for every response path to include.
#pragma once

#include <string>
#include <string_view>

namespace teamlog {

// Appends s as a JSON string literal (with quotes) escaped like ujson with ensure_ascii: every non-ASCII code point
// as \uXXXX (lowercase hex, surrogate pairs above U+FFFF), control characters as \b \f \n \r \t or \u00XX, and DEL
// as \u007f. Unlike ujson we do not escape '/' as "\/": both are valid JSON and the plain form is easier to read.
// Invalid UTF-8 in s (which validated input never has) becomes \ufffd rather than corrupt output.
void append_json_string(std::string& out, std::string_view s);

}  // namespace teamlog
