// Serialising a response's status line and headers: one fixed header order, written into a reused buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace teamlog::http {

// The reason phrase of a status code ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(unsigned status);

// False for statuses that never carry a body or Content-Length (1xx, 204, 304; RFC 9110 8.6).
bool status_has_body(unsigned status);

struct ResponseHeadOptions {
  std::string_view date;        // the Date header value
  std::string_view request_id;  // echoed as X-Request-Id
  bool close = false;           // "Connection: close"
  bool keep_alive_10 = false;   // "Connection: keep-alive", for an HTTP/1.0 client that asked for it
};

// Appends, in this order: status line, Server, Date, Content-Type (if non-empty), Content-Length = body size
// (unless !status_has_body), X-Request-Id, the response's own headers, Connection (if close or keep_alive_10), and
// the blank line. The body itself is not appended (the session writes it from its own buffer).
void append_response_head(std::string& out, const HttpResponse& response, const ResponseHeadOptions& options);

// `{"detail":"Internal server error.","request_id":"<id>"}`: the body of every 500 caused by an exception.
HttpResponse internal_error_response(std::string_view request_id);

}  // namespace teamlog::http
