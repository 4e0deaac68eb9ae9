// The in-process API fixture.
#include "api_fixture.hpp"

#include "projections/queries.hpp"

#include <chrono>
#include <stdexcept>

#include <boost/json/parse.hpp>

#include "http/api/idempotency.hpp"
#include "http/api/service_metrics.hpp"

namespace teamlog::testing {
namespace {

using namespace std::chrono_literals;

template <class T>
T must(Result<T> result, const std::string& what) {
  if (!result.ok()) throw std::runtime_error(what + ": " + result.error().to_string());
  return std::move(result).value();
}

// Token Foo unless `extra` brings its own Authorization.
Headers with_auth(const Headers& foo, const Headers& extra) {
  for (const auto& [name, value] : extra) {
    if (name == "Authorization") return extra;
  }
  Headers headers = foo;
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

Reply expect(Reply r, unsigned status, const std::string& what) {
  if (r.status != status) {
    throw std::runtime_error("fixture: " + what + " expected " + std::to_string(status) + ", got " +
                             std::to_string(r.status) + " " + r.body);
  }
  return r;
}

boost::json::object init_organizer(commands::CommandWriter& writer, const std::string& slug, const std::string& email) {
  auto done = writer.execute(commands::InitOrganizer{slug, "", email, std::nullopt},
                             commands::Context{Actor{ActorType::kSystem, 0, "test init"}, "init", {}});
  if (!done.decision.ok()) throw std::runtime_error("init " + slug + ": " + done.decision.error().to_string());
  return boost::json::parse(done.decision->body).as_object();
}

std::string string_at(const boost::json::value& v, std::string_view key) {
  return std::string(v.as_object().at(key).as_string());
}

}  // namespace

std::optional<std::string> Reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

boost::json::value Reply::json() const { return boost::json::parse(body); }

std::string ApiFixture::invite_secret(std::int64_t invite) const {
  const projections::Queries queries(*store, views->columns());
  auto entry = queries.outbox_entry(invite);
  return entry ? invite_key.secret(invite, entry->nonce) : std::string();
}

ApiFixture::ApiFixture() {
  const auto now_us = [this] { return http::api::system_now_us() + clock_offset_us_.load(); };
  store = must(Store::open(StoreOptions{.path = dir.str() + "/data",
                                        .expiring = {http::api::idempotency_expiry(now_us)},
                                        .faults = faults}),
               "open the store");
  views = must(projections::ViewStore::open(*store), "open the views");
  writer = std::make_unique<commands::CommandWriter>(*store, *views);
  http::api::register_service_metrics(metrics, *store, *writer);
  app = must(http::api::ApiApplication::create(*store, *views, *writer, metrics,
                                               {.clock = now_us,
                                                .invite_key = &invite_key}),
             "create the application");

  const auto dummy = init_organizer(*writer, "dummy", "admin@dummy.dummy");
  dummy_admin_token = std::string(dummy.at("token").as_string());
  const auto other = init_organizer(*writer, "other", "dummy@dummy.dummy");
  other_token = std::string(other.at("token").as_string());
  user_id = other.at("user").at("id").as_int64();

  const auto admin = auth_with(dummy_admin_token);
  expect(send_json("POST", org("/events/"), R"({"name":"Dummy","slug":"dummy","date_from":"2017-12-27T10:00:00Z"})",
                   admin),
         201, "create event dummy");
  team_id = expect(send_json("POST", org("/teams/"), R"({"name":"Test-Team","all_events":true,"limit_events":[],)"
                                                    R"("can_create_events":true,"can_change_teams":true,)"
                                                    R"("can_change_organizer_settings":true,"can_manage_gift_cards":true,)"
                                                    R"("can_change_event_settings":true,"can_change_items":true,)"
                                                    R"("can_view_orders":true,"can_change_orders":true,)"
                                                    R"("can_view_vouchers":true,"can_change_vouchers":true,)"
                                                    R"("can_checkin_orders":false,"can_manage_customers":true})",
                             admin),
                   201, "create Test-Team")
                .json().at("id").as_int64();
  const auto foo = expect(post_form(team_path(team_id, "tokens/"), {{"name", "Foo"}}, admin), 201, "create Foo").json();
  foo_token = string_at(foo, "token");
  foo_token_id = foo.at("id").as_int64();

  second_team_id = expect(post_json(org("/teams/"), R"({"name":"User team","all_events":false,"limit_events":["dummy"]})"),
                          201, "create User team")
                       .json().at("id").as_int64();
  const auto testtoken = expect(post_form(team_path(second_team_id, "tokens/"), {{"name", "Testtoken"}}), 201,
                                "create Testtoken")
                             .json();
  testtoken_secret = string_at(testtoken, "token");
  testtoken_id = testtoken.at("id").as_int64();
  expect(del(team_path(dummy.at("team").at("id").as_int64())), 204, "delete dummy's init team");
}

ApiFixture::~ApiFixture() { writer->stop(); }

std::future<Reply> ApiFixture::start(const std::string& method, const std::string& target, const Headers& headers,
                                     const std::string& body) {
  http::HttpRequest request;
  request.method = method;
  request.target = target;
  const auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);
  request.host = "testserver";
  request.headers.emplace_back("host", request.host);
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    request.headers.emplace_back(std::move(lower), value);
  }
  request.body = body;
  request.request_id = "test-" + std::to_string(++requests_);
  request.remote = "127.0.0.1:1";

  auto promise = std::make_shared<std::promise<Reply>>();
  auto future = promise->get_future();
  app->handle(std::move(request), [promise](http::HttpResponse r) {
    std::string response_body = r.shared_body ? *r.shared_body : std::move(r.body);
    promise->set_value(
        Reply{r.status, std::string(r.content_type), std::move(r.headers), std::move(response_body), r.route});
  });
  return future;
}

Reply ApiFixture::request(const std::string& method, const std::string& target, const Headers& headers,
                          const std::string& body) {
  auto future = start(method, target, headers, body);
  if (future.wait_for(10s) != std::future_status::ready) {
    throw std::runtime_error(method + " " + target + ": no response within 10 s");
  }
  return future.get();
}

Reply ApiFixture::send_json(const std::string& method, const std::string& target, const std::string& body,
                            Headers extra) {
  Headers headers = with_auth(auth(), extra);
  headers.emplace_back("Content-Type", "application/json");
  return request(method, target, headers, body);
}

Reply ApiFixture::post_form(const std::string& target, const FormFields& fields, Headers extra) {
  auto [body, content_type] = multipart(fields);
  Headers headers = with_auth(auth(), extra);
  headers.emplace_back("Content-Type", content_type);
  return request("POST", target, headers, body);
}

Reply ApiFixture::del(const std::string& target, Headers extra) {
  Headers headers = with_auth(auth(), extra);
  return request("DELETE", target, headers);
}

std::pair<std::string, std::string> ApiFixture::multipart(const FormFields& fields) {
  const std::string boundary = "BoUnDaRyStRiNg";
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return {body, "multipart/form-data; boundary=" + boundary};
}

std::string ApiFixture::team_path(std::int64_t team, const std::string& rest) const {
  return org("/teams/" + std::to_string(team) + "/" + rest);
}

std::string test_team_res(std::int64_t id) {
  return R"({"id":)" + std::to_string(id) +
         R"(,"name":"Test-Team","all_events":true,"limit_events":[],"can_create_events":true,)"
         R"("can_change_teams":true,"can_change_organizer_settings":true,"can_manage_gift_cards":true,)"
         R"("can_change_event_settings":true,"can_change_items":true,"can_view_orders":true,"can_change_orders":true,)"
         R"("can_view_vouchers":true,"can_change_vouchers":true,"can_checkin_orders":false,"can_manage_customers":true})";
}

std::string second_team_res(std::int64_t id) {
  return R"({"id":)" + std::to_string(id) +
         R"(,"name":"User team","all_events":false,"limit_events":["dummy"],"can_create_events":false,)"
         R"("can_change_teams":false,"can_change_organizer_settings":false,"can_manage_gift_cards":false,)"
         R"("can_change_event_settings":false,"can_change_items":false,"can_view_orders":false,)"
         R"("can_change_orders":false,"can_view_vouchers":false,"can_change_vouchers":false,)"
         R"("can_checkin_orders":false,"can_manage_customers":false})";
}

}  // namespace teamlog::testing
