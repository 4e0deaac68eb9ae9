// Python's int(str) for numbers that arrive as text (ids in paths, page numbers and sizes): what Django parses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace teamlog::http::api {

// int(text) in base 10: surrounding whitespace, an optional sign, digits with single underscores between them
// ("1_000"); nullopt for anything else. Python's ints are unbounded; beyond int64 the value saturates, which keeps
// every comparison the callers make (ids that cannot exist, pages past the end, sizes over the cap) the same.
// Non-ASCII digits and spaces, which Python also accepts, are rejected: no client sends them.
std::optional<std::int64_t> parse_python_int(std::string_view text);

}  // namespace teamlog::http::api
