// What a command's outcome looks like on the wire.
#pragma once

#include <string_view>

#include "commands/commands.hpp"
#include "http/request.hpp"

namespace teamlog::http::api {

// kCreated -> 201, kOk -> 200, both with the decision's JSON body; kNoContent -> 204 without a body or
// Content-Type (DRF drops the header when nothing was rendered); an error -> error_response().
HttpResponse command_response(const Result<commands::Decision>& decision, std::string_view request_id);

}  // namespace teamlog::http::api
