// The request body as DRF's request.data: JSON, urlencoded or multipart form data.
#pragma once

#include <variant>

#include "commands/input.hpp"
#include "http/request.hpp"

namespace teamlog::http::api {

// DRF's Request._parse: an empty body is {} (an empty QueryDict for form content types) whatever the Content-Type;
// otherwise the Content-Type picks the parser. When the body cannot be read, the response to send instead: 415
// `Unsupported media type "<type>" in request.` (also for a body without a Content-Type), 400
// `{"detail":"JSON parse error - ..."}` or `{"detail":"Multipart form parse error - ..."}`.
std::variant<commands::Input, HttpResponse> read_input(const HttpRequest& request);

}  // namespace teamlog::http::api
