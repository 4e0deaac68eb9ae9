// Content-Type dispatch to the JSON and form parsers.
#include "http/api/request_body.hpp"

#include <boost/json/object.hpp>

#include "http/api/error_response.hpp"
#include "http/form.hpp"
#include "http/json_body.hpp"

namespace teamlog::http::api {

std::variant<commands::Input, HttpResponse> read_input(const HttpRequest& request) {
  const std::string_view content_type = request.header("content-type").value_or("");
  const BodyKind kind = classify_content_type(content_type);
  const bool form = kind == BodyKind::kForm || kind == BodyKind::kMultipart;
  if (request.body.empty()) {
    return form ? commands::Input::from_form({}) : commands::Input::from_json(boost::json::object{});
  }
  if (kind == BodyKind::kJson) {
    auto parsed = parse_json_body(request.body);
    if (!parsed.ok()) return error_response(parsed.error(), request.request_id);
    return commands::Input::from_json(std::move(parsed).value());
  }
  if (form) {
    auto fields = parse_form(content_type, request.body);
    if (!fields.ok()) return error_response(fields.error(), request.request_id);
    return commands::Input::from_form(std::move(fields).value());
  }
  return detail_response(415, unsupported_media_type_detail(content_type));
}

}  // namespace teamlog::http::api
