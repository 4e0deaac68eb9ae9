// JSON request parsing with limits and the ujson-compatible writer used for every response body.
#include "http/json_body.hpp"

#include <boost/json/parse.hpp>

#include "events/utf8.hpp"

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

}  // namespace teamlog::http
