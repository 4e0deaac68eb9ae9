// Parsing an event's payload for the folds (projections.cpp, fold.cpp): one parser and one arena reused across
// events, the value built on the arena.
#pragma once

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include "events/event.hpp"
#include "events/result.hpp"

namespace teamlog::projections {

// Parses `event`'s payload into `out`, which must live on the resource `parser` was reset with (the move from
// the parser is then a pointer move, not a deep copy). A payload that is not a JSON object is corruption: the log
// is the only source of events, so it means a bug or a damaged log.
inline Status parse_payload(const Event& event, boost::json::parser& parser, boost::json::value& out) {
  boost::system::error_code ec;
  parser.write(event.data, ec);
  if (!ec) out = parser.release();
  if (ec || !out.is_object()) {
    return Error::make(ErrorCode::kCorruption,
                       "event " + std::to_string(event.position) + " has a payload that is not a JSON object");
  }
  return {};
}

}  // namespace teamlog::projections
