// The one place an Error becomes an HTTP status and a DRF-shaped body.
#pragma once

#include <string_view>

#include "events/result.hpp"
#include "http/request.hpp"

namespace teamlog::http::api {

inline constexpr std::string_view kNoPermission = "You do not have permission to perform this action.";

// kInvalidArgument and kAlreadyExists -> 400: the field errors as DRF renders them (`{"field": ["msg", ...]}` with
// keys in the order they first appear, `["msg"]` for bare errors), or `{"detail": message}` when there are none
// (parse errors). kNotFound -> 404, kPermissionDenied -> 403, kConflict -> 409, all `{"detail": message}`.
// kUnauthenticated -> 401 with `WWW-Authenticate: Token`. kUnavailable -> 503
// `{"detail":"Service unavailable: ..."}`. Anything else -> 500 naming only the request id (the detail belongs in
// the log, not in front of the client).
HttpResponse error_response(const Error& error, std::string_view request_id);

}  // namespace teamlog::http::api
