// Typed reads of event payload fields for the folds (payloads are written by this code base, so a missing field
// reads as empty/zero rather than failing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace teamlog::projections {

inline std::string_view str_of(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}
inline std::int64_t int_of(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}
inline bool bool_of(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}
inline const boost::json::value& value_of(const boost::json::object& o, std::string_view key) {
  static const boost::json::value null_value;
  auto* v = o.if_contains(key);
  return v ? *v : null_value;
}

}  // namespace teamlog::projections
