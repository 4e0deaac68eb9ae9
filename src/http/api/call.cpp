// Path parameters, lookups shared by the handlers, and the actor of a write.
#include "http/api/call.hpp"

#include <variant>

#include <boost/json/parse.hpp>

#include "commands/commands.hpp"
#include "http/api/error_response.hpp"
#include "http/api/python_int.hpp"
#include "http/api/request_body.hpp"

namespace teamlog::http::api {
namespace {

Error not_found() { return Error::make(ErrorCode::kNotFound, commands::kNotFound); }

}  // namespace

Result<std::int64_t> Call::id_param(std::string_view name) const {
  auto id = parse_python_int(match_.param(name));
  if (!id) return not_found();
  return *id;
}

Result<std::int64_t> Call::team() const {
  auto id = id_param("team");
  if (!id.ok() || !queries_.team(organizer(), *id)) return not_found();
  return id;
}

std::optional<commands::Input> Call::read_body() {
  auto body = read_input(request_);
  if (auto* response = std::get_if<HttpResponse>(&body)) {
    send(std::move(*response));
    return std::nullopt;
  }
  return std::get<commands::Input>(std::move(body));
}

std::string Call::link_base() const {
  if (!public_url_.empty()) return std::string(public_url_);
  return request_.host.empty() ? std::string() : "http://" + request_.host;
}

void Call::send_page(const PageFetch& fetch, const PageCheck& check) {
  const std::string base = link_base();
  const auto checked = [&] {  // false once check's error was sent
    if (!check) return true;
    auto s = check();
    if (!s.ok()) fail(s.error());
    return s.ok();
  };
  if (page_cache_ == nullptr) {
    if (checked()) send(page_response(request_, base, fetch));
    return;
  }
  std::string key = PageCache::key(base, request_.path, request_.query);
  HttpResponse response;
  if (auto body = page_cache_->find(key)) {
    response.shared_body = std::move(body);
    return send(std::move(response));
  }
  {
    auto rendering = page_cache_->rendering();  // notes the rows the page is rendered from, and those check reads
    if (!checked()) return;
    response = page_response(request_, base, fetch);
    if (response.status == 200 && response.headers.empty() && !key.empty()) {
      response.shared_body = std::make_shared<const std::string>(std::move(response.body));
      response.body.clear();
      rendering.keep(std::move(key), response.shared_body);
    }
  }
  send(std::move(response));
}

void Call::fail(const Error& error) { send(error_response(error, request_.request_id)); }

void Call::send_found(std::optional<std::string> row) {
  if (!row) return fail(not_found());
  HttpResponse response;
  response.body = std::move(*row);
  send(std::move(response));
}

void Call::write(commands::Command command) {
  // Events record the token by id and by name; the name is read only here, on writes, never on the read path.
  Actor actor{ActorType::kToken, grant_.token, {}};
  if (auto row = queries_.token_row(grant_.team, grant_.token)) {
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(*row, ec);
    const auto* object = ec ? nullptr : parsed.if_object();
    const auto* name = object ? object->if_contains("name") : nullptr;
    if (name && name->is_string()) actor.name = std::string(name->get_string());
  }
  reply_.write(std::move(command), commands::Context{std::move(actor), request_.request_id, {}, invite_key_});
}

}  // namespace teamlog::http::api
