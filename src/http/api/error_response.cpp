// Error -> HTTP status and body.
#include "http/api/error_response.hpp"

#include <algorithm>
#include <vector>

#include "http/response_head.hpp"
#include "projections/json_text.hpp"

namespace teamlog::http::api {
namespace {

// DRF's ValidationError body. Bare messages (field "") come from a serializer's create() and are never mixed with
// field errors there, so a leading bare message makes the whole body a list.
std::string field_errors_body(const std::vector<FieldError>& fields) {
  std::string out;
  if (fields.front().field.empty()) {
    out += '[';
    for (const auto& f : fields) {
      if (out.size() > 1) out += ',';
      append_json_string(out, f.message);
    }
    out += ']';
    return out;
  }
  std::vector<std::string_view> keys;
  for (const auto& f : fields) {
    if (std::find(keys.begin(), keys.end(), f.field) == keys.end()) keys.push_back(f.field);
  }
  out += '{';
  for (const auto key : keys) {
    if (out.size() > 1) out += ',';
    append_json_string(out, key);
    out += ":[";
    bool first = true;
    for (const auto& f : fields) {
      if (f.field != key) continue;
      if (!first) out += ',';
      first = false;
      append_json_string(out, f.message);
    }
    out += ']';
  }
  out += '}';
  return out;
}

HttpResponse with_body(unsigned status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

HttpResponse error_response(const Error& error, std::string_view request_id) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists:
      if (error.fields.empty()) return detail_response(400, error.message);
      return with_body(400, field_errors_body(error.fields));
    case ErrorCode::kNotFound:
      return detail_response(404, error.message.empty() ? std::string_view("Not found.") : error.message);
    case ErrorCode::kPermissionDenied:
      return detail_response(403, error.message.empty() ? kNoPermission : error.message);
    case ErrorCode::kUnauthenticated: {
      HttpResponse response = detail_response(401, error.message);
      response.headers.emplace_back("WWW-Authenticate", "Token");
      return response;
    }
    case ErrorCode::kConflict:
      return detail_response(409, error.message);
    case ErrorCode::kUnavailable:
      return detail_response(503, "Service unavailable: " + error.message);
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal:
      break;
  }
  return internal_error_response(request_id);
}

}  // namespace teamlog::http::api
