// Compact JSON text the way pretix's ujson renderer writes it (ensure_ascii), and RFC 3339 UTC times.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "events/json_string.hpp"  // append_json_string

namespace teamlog {

// Compact JSON (no spaces), object keys in insertion order, strings as append_json_string, doubles in Python's repr
// style (shortest round-trip form, always with a '.' or exponent, e.g. 1.0); non-finite doubles as null.
void append_json(std::string& out, const boost::json::value& v);
// The same for an object or an array: given to the value overload, one is first copied into a temporary value.
void append_json(std::string& out, const boost::json::object& o);
void append_json(std::string& out, const boost::json::array& a);
std::string to_json(const boost::json::value& v);
std::string to_json(const boost::json::object& o);
// "2017-12-27T10:00:00Z", with ".ffffff" when the microseconds are not zero (Python's isoformat, Z for UTC).
std::string format_rfc3339_utc(std::int64_t us);

}  // namespace teamlog
