// JSON on the wire: request bodies parsed with limits, responses written compact and ASCII-only like pretix's ujson.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "events/result.hpp"
#include "projections/json_text.hpp"  // append_json, to_json: the response writer

namespace teamlog::http {

struct JsonLimits {
  std::size_t max_depth = 64;
  std::size_t max_bytes = std::size_t{1} << 20;
};

// Parses a request body. An empty body is `{}`, as DRF never runs its parser on an empty stream. Errors are
// kInvalidArgument whose message is DRF's `JSON parse error - <reason>` (the 400 `detail`); invalid UTF-8 is
// rejected with its byte offset.
Result<boost::json::value> parse_json_body(std::string_view body, const JsonLimits& limits = {});

}  // namespace teamlog::http
