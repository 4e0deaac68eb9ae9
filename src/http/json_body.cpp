// JSON request parsing with limits and the ujson-compatible writer used for every response body.
#include "http/json_body.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>

#include "http/number_format.hpp"
#include "http/utf8.hpp"

namespace teamlog::http {
namespace {

Error parse_error(std::string reason) {
  return Error::make(ErrorCode::kInvalidArgument, "JSON parse error - " + std::move(reason));
}

}  // namespace

Result<boost::json::value> parse_json_body(std::string_view body, const JsonLimits& limits) {
  if (body.empty()) return boost::json::value(boost::json::object());
  if (body.size() > limits.max_bytes) {
    return parse_error("body larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec, {}, options);
  if (!ec) return value;
  // Boost.JSON reports bad UTF-8 as a plain "syntax error"; name the real cause, it is a common client bug.
  if (const std::size_t bad = find_invalid_utf8(body); bad != std::string_view::npos) {
    return parse_error("invalid UTF-8 at byte " + std::to_string(bad));
  }
  return parse_error(ec.message());
}

void write_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: {
      std::array<char, 24> buf{};
      const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_int64());
      out.append(buf.data(), end);
      return;
    }
    case boost::json::kind::uint64: {
      std::array<char, 24> buf{};
      const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_uint64());
      out.append(buf.data(), end);
      return;
    }
    case boost::json::kind::double_:
      // Not representable in JSON (and Boost.JSON never parses one); ujson would refuse, we write null.
      if (!std::isfinite(v.get_double())) out += "null";
      else append_double(out, v.get_double());
      return;
    case boost::json::kind::string: write_json_string(out, v.get_string()); return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_json(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& entry : v.get_object()) {
        if (!first) out += ',';
        first = false;
        write_json_string(out, entry.key());
        out += ':';
        write_json(out, entry.value());
      }
      out += '}';
      return;
    }
  }
}

std::string to_json(const boost::json::value& v) {
  std::string out;
  write_json(out, v);
  return out;
}

}  // namespace teamlog::http
