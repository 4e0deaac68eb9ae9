// Compact JSON text the way pretix's ujson renderer writes it (ensure_ascii), and RFC 3339 UTC times.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace teamlog {

// Appends `s` (UTF-8) as a JSON string literal; non-ASCII as \uXXXX (surrogate pairs above U+FFFF). Invalid UTF-8
// bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);
// Compact serialisation of any value with the same string escaping, keys in their stored order.
void append_json(std::string& out, const boost::json::value& v);
std::string to_json(const boost::json::value& v);
// "2017-12-27T10:00:00Z", with ".ffffff" when the microseconds are not zero (Python's isoformat, Z for UTC).
std::string format_rfc3339_utc(std::int64_t us);

}  // namespace teamlog
