// Decision -> HTTP response.
#include "http/api/command_response.hpp"

#include "http/api/error_response.hpp"

namespace teamlog::http::api {

HttpResponse command_response(const Result<commands::Decision>& decision, std::string_view request_id) {
  if (!decision.ok()) return error_response(decision.error(), request_id);
  HttpResponse response;
  switch (decision->outcome) {
    case commands::Outcome::kCreated:
      response.status = 201;
      break;
    case commands::Outcome::kOk:
      response.status = 200;
      break;
    case commands::Outcome::kNoContent:
      response.status = 204;
      response.content_type = {};
      return response;
  }
  response.body = decision->body;
  return response;
}

}  // namespace teamlog::http::api
