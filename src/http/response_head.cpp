// Response head serialisation, by hand: faster than building a Beast message and the order is ours to fix.
#include "http/response_head.hpp"

#include <array>
#include <charconv>

#include "events/json_string.hpp"

namespace teamlog::http {

std::string_view reason_phrase(unsigned status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

bool status_has_body(unsigned status) { return status >= 200 && status != 204 && status != 304; }

void append_response_head(std::string& out, const HttpResponse& response, const ResponseHeadOptions& options) {
  std::array<char, 24> number{};
  const auto append_number = [&](std::size_t v) {
    const auto [end, ec] = std::to_chars(number.data(), number.data() + number.size(), v);
    out.append(number.data(), end);
  };
  out += "HTTP/1.1 ";
  append_number(response.status);
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\nServer: teamlog\r\nDate: ";
  out += options.date;
  out += "\r\n";
  if (!response.content_type.empty()) {
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\n";
  }
  if (status_has_body(response.status)) {
    out += "Content-Length: ";
    append_number(response.body_view().size());
    out += "\r\n";
  }
  out += "X-Request-Id: ";
  out += options.request_id;
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (options.close) out += "Connection: close\r\n";
  else if (options.keep_alive_10) out += "Connection: keep-alive\r\n";
  out += "\r\n";
}

HttpResponse internal_error_response(std::string_view request_id) {
  HttpResponse response;
  response.status = 500;
  response.body = R"({"detail":"Internal server error.","request_id":)";
  append_json_string(response.body, request_id);
  response.body += '}';
  return response;
}

}  // namespace teamlog::http
