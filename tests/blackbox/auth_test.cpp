// Authentication, permissions and request errors as a pretix client sees them: status, headers, exact bodies.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "fixture.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;

namespace {

constexpr const char* kNoPermission = R"({"detail":"You do not have permission to perform this action."})";

Response get_with(PretixFixture& f, const std::string& path, const Headers& headers) {
  return f.api->request("GET", path, headers);
}

void check_401(const Response& r, const std::string& body) {
  INFO(describe(r));
  CHECK(r.status == 401);
  CHECK(r.body == body);
  CHECK(r.header("WWW-Authenticate").value_or("<none>") == "Token");
  CHECK(r.header("Content-Type").value_or("<none>") == "application/json");
}

}  // namespace

TEST_CASE("requests without valid credentials are 401 with pretix's detail and WWW-Authenticate: Token",
          "[blackbox][auth]") {
  PretixFixture f({.token = true});
  const auto teams = PretixFixture::org("/teams/");

  SECTION("no Authorization header") {
    check_401(get_with(f, teams, {}), R"({"detail":"Authentication credentials were not provided."})");
  }
  SECTION("the keyword alone") {
    check_401(get_with(f, teams, {{"Authorization", "Token"}}),
              R"({"detail":"Invalid token header. No credentials provided."})");
  }
  SECTION("a key with a space in it") {
    check_401(get_with(f, teams, {{"Authorization", "Token a b"}}),
              R"({"detail":"Invalid token header. Token string should not contain spaces."})");
  }
  SECTION("an unknown token") {
    check_401(get_with(f, teams, {{"Authorization", "Token " + std::string(64, 'x')}}),
              R"({"detail":"Invalid token."})");
  }
  SECTION("an unknown token on a write") {
    auto r = f.api->request("POST", teams, {{"Authorization", "Token nope"}, {"Content-Type", "application/json"}},
                            R"({"name":"X","limit_events":[]})");
    check_401(r, R"({"detail":"Invalid token."})");
  }
  SECTION("a revoked token") {
    auto del = f.api->del(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.token_id) + "/"));
    REQUIRE(del.status == 200);
    check_401(get_with(f, teams, {{"Authorization", "Token " + f.testtoken_secret}}),
              R"({"detail":"Token inactive or deleted."})");
  }
  SECTION("a token of a deleted team") {
    auto del = f.api->del(f.team_path(f.second_team_id));
    REQUIRE(del.status == 204);
    check_401(get_with(f, teams, {{"Authorization", "Token " + f.testtoken_secret}}), R"({"detail":"Invalid token."})");
  }
  SECTION("another scheme counts as no credentials") {
    check_401(get_with(f, teams, {{"Authorization", "Bearer " + f.foo_token}}),
              R"({"detail":"Authentication credentials were not provided."})");
    check_401(get_with(f, teams, {{"Authorization", "Basic Zm9vOmJhcg=="}}),
              R"({"detail":"Authentication credentials were not provided."})");
  }
  SECTION("the keyword is case-insensitive") {
    auto r = get_with(f, teams, {{"Authorization", "token " + f.foo_token}});
    INFO(describe(r));
    CHECK(r.status == 200);
  }
}

TEST_CASE("an unknown organizer or another organizer's token is 403", "[blackbox][auth]") {
  PretixFixture f({.second_team = true});

  auto unknown = f.api->get("/api/v1/organizers/nosuchorg/teams/");
  INFO(describe(unknown));
  CHECK(unknown.status == 403);
  CHECK(unknown.body == kNoPermission);

  // Foo (organizer dummy) on organizer other, and other's admin token on organizer dummy.
  auto foreign = f.api->get("/api/v1/organizers/other/teams/");
  INFO(describe(foreign));
  CHECK(foreign.status == 403);
  CHECK(foreign.body == kNoPermission);

  Api other(f.server.port(), f.other_init.token);
  auto other_on_dummy = other.get(f.team_path(f.second_team_id));
  INFO(describe(other_on_dummy));
  CHECK(other_on_dummy.status == 403);
  CHECK(other_on_dummy.body == kNoPermission);
  auto other_write = other.post_json(PretixFixture::org("/teams/"), R"({"name":"X","limit_events":[]})");
  CHECK(other_write.status == 403);
  // The write did not happen.
  CHECK(f.api->get(PretixFixture::org("/teams/")).json().at("count") == 2);
}

TEST_CASE("a token whose team lacks can_change_teams is 403 on every team read and write", "[blackbox][auth]") {
  PretixFixture f({.token = true});
  Api weak(f.server.port(), f.testtoken_secret);
  const auto team = f.team_path(f.team_id);
  struct Probe {
    const char* method;
    std::string path;
    std::string body;
  };
  const std::vector<Probe> probes{
      {"GET", PretixFixture::org("/teams/"), ""},
      {"GET", team, ""},
      {"GET", f.team_path(f.second_team_id), ""},  // even its own team
      {"GET", f.team_path(f.second_team_id, "tokens/"), ""},
      {"GET", f.team_path(f.team_id, "members/"), ""},
      {"GET", f.team_path(f.team_id, "invites/"), ""},
      {"GET", f.team_path(999999), ""},  // permission before lookup
      {"POST", PretixFixture::org("/teams/"), R"({"name":"X","limit_events":[]})"},
      {"PATCH", team, R"({"name":"Y"})"},
      {"PUT", team, R"({"name":"Y","limit_events":[]})"},
      {"DELETE", team, ""},
      {"POST", f.team_path(f.team_id, "invites/"), R"({"email":"x@example.org"})"},
      {"POST", f.team_path(f.team_id, "tokens/"), R"({"name":"X"})"},
  };
  for (const auto& p : probes) {
    Headers h{{"Authorization", "Token " + f.testtoken_secret}};
    if (!p.body.empty()) h.emplace_back("Content-Type", "application/json");
    auto r = weak.request(p.method, p.path, h, p.body);
    INFO(p.method << " " << p.path << " -> " << describe(r));
    CHECK(r.status == 403);
    CHECK(r.body == kNoPermission);
  }
  // Nothing changed.
  auto detail = f.api->get(team);
  CHECK(detail.json() == test_team_res(f.team_id));
  CHECK(f.api->get(PretixFixture::org("/teams/")).json().at("count") == 2);
}

TEST_CASE("unrouted methods are 405 with Allow and pretix's detail, before the team is looked up",
          "[blackbox][auth]") {
  PretixFixture f;
  const std::string members = f.team_path(f.team_id, "members/");
  const std::string member = f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/");
  const std::string missing_team_members = f.team_path(999999, "members/");

  struct Case {
    const char* method;
    std::string path;
    const char* allow;
  };
  const std::vector<Case> cases{
      {"PUT", members, "GET, HEAD, OPTIONS"},
      {"POST", members, "GET, HEAD, OPTIONS"},
      {"PUT", member, "GET, DELETE, HEAD, OPTIONS"},
      {"PATCH", member, "GET, DELETE, HEAD, OPTIONS"},
      {"PUT", missing_team_members, "GET, HEAD, OPTIONS"},
      {"PUT", f.team_path(999999, "members/1/"), "GET, DELETE, HEAD, OPTIONS"},
      {"DELETE", PretixFixture::org("/teams/"), "GET, POST, HEAD, OPTIONS"},
      {"POST", f.team_path(f.team_id), "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"},
      {"PUT", f.team_path(f.team_id, "invites/"), "GET, POST, HEAD, OPTIONS"},
  };
  for (const auto& c : cases) {
    auto r = f.api->send_json(c.method, c.path, "{}");
    INFO(c.method << " " << c.path << " -> " << describe(r));
    CHECK(r.status == 405);
    CHECK(r.body == R"({"detail":"Method \")" + std::string(c.method) + R"(\" not allowed."})");
    REQUIRE(r.header("Allow").has_value());
    CHECK(*r.header("Allow") == c.allow);
  }
  SECTION("tokens and invites cannot be changed either") {
    for (const auto* what : {"tokens/1/", "invites/1/"}) {
      auto r = f.api->patch_json(f.team_path(f.team_id, what), "{}");
      INFO(what << " -> " << describe(r));
      CHECK(r.status == 405);
      CHECK(r.body == R"({"detail":"Method \"PATCH\" not allowed."})");
      CHECK(r.header("Allow").has_value());
    }
  }
}

TEST_CASE("another organizer's team id and a non-numeric id are 404 with a detail", "[blackbox][auth]") {
  PretixFixture f;
  const auto foreign = f.other_init.team_id();
  const std::vector<std::string> paths{
      f.team_path(foreign),
      f.team_path(foreign, "members/"),
      f.team_path(foreign, "tokens/"),
      f.team_path(foreign, "invites/"),
      PretixFixture::org("/teams/abc/"),
      PretixFixture::org("/teams/abc/members/"),
      f.team_path(f.team_id, "members/abc/"),
      f.team_path(f.team_id, "tokens/abc/"),
      f.team_path(f.team_id, "invites/abc/"),
      f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"),  // not a member of Test-Team
      f.team_path(999999),
  };
  for (const auto& p : paths) {
    auto r = f.api->get(p);
    INFO(p << " -> " << describe(r));
    CHECK(r.status == 404);
    CHECK(r.header("Content-Type").value_or("").starts_with("application/json"));
    auto v = r.json();
    CHECK((v.is_object() && v.as_object().size() == 1 && v.as_object().contains("detail") &&
           v.at("detail").is_string()));
  }
  auto del = f.api->del(f.team_path(foreign));
  INFO(describe(del));
  CHECK(del.status == 404);
  Api other(f.server.port(), f.other_init.token);
  CHECK(other.get("/api/v1/organizers/other/teams/" + std::to_string(foreign) + "/").status == 200);
}

TEST_CASE("validation errors are 400 with pretix's bodies, byte for byte", "[blackbox][auth]") {
  PretixFixture f;
  const auto teams = PretixFixture::org("/teams/");
  struct Case {
    std::string body;
    std::string expected;
  };
  const std::vector<Case> team_cases{
      {"{}", R"({"name":["This field is required."],"limit_events":["This field is required."]})"},
      {R"({"name":"","limit_events":[]})", R"({"name":["This field may not be blank."]})"},
      {R"({"name":"   ","limit_events":[]})", R"({"name":["This field may not be blank."]})"},
      {R"({"name":null,"limit_events":[]})", R"({"name":["This field may not be null."]})"},
      {R"({"name":")" + std::string(191, 'a') + R"(","limit_events":[]})",
       R"({"name":["Ensure this field has no more than 190 characters."]})"},
      {R"({"name":"X","limit_events":["nope"]})", R"({"limit_events":["Object with slug=nope does not exist."]})"},
      {R"({"name":"X","limit_events":"dummy"})", R"({"limit_events":["Expected a list of items but got type \"str\"."]})"},
      {R"({"name":"X","limit_events":[],"all_events":"maybe"})", R"({"all_events":["Must be a valid boolean."]})"},
      {R"({"name":"X","limit_events":null})", R"({"limit_events":["This field may not be null."]})"},
      // Django str()s a non-string slug before the lookup (checked against real DRF + Django; the reference's
      // "Invalid value." for a dict item is not what DRF answers).
      {R"({"name":"X","limit_events":[{}]})", R"({"limit_events":["Object with slug={} does not exist."]})"},
      {R"({"name":"X","limit_events":[],"all_events":2})", R"({"all_events":["Must be a valid boolean."]})"},
      {"[]", R"({"non_field_errors":["Invalid data. Expected a dictionary, but got list."]})"},
      {R"({"name":"X","limit_events":["dummy"],"all_events":true})",
       R"({"non_field_errors":["Do not set both limit_events and all_events."]})"},
  };
  for (const auto& c : team_cases) {
    auto r = f.api->post_json(teams, c.body);
    INFO("POST teams " << c.body << " -> " << describe(r));
    CHECK(r.status == 400);
    CHECK(r.body == c.expected);
  }
  SECTION("invites and tokens") {
    auto bad_email = f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "not-an-email"}});
    INFO(describe(bad_email));
    CHECK(bad_email.status == 400);
    CHECK(bad_email.body == R"({"email":["Enter a valid email address."]})");

    auto no_email = f.api->post_form(f.team_path(f.team_id, "invites/"), {});
    INFO(describe(no_email));
    CHECK(no_email.status == 400);
    CHECK(no_email.body == R"(["No email address given."])");

    auto no_name = f.api->post_form(f.team_path(f.team_id, "tokens/"), {});
    INFO(describe(no_name));
    CHECK(no_name.status == 400);
    CHECK(no_name.body == R"({"name":["This field is required."]})");
  }
  // None of these created anything.
  CHECK(f.api->get(teams).json().at("count") == 1);
}

TEST_CASE("an unsupported content type is 415 and malformed JSON is 400 with a detail", "[blackbox][auth]") {
  PretixFixture f;
  const auto teams = PretixFixture::org("/teams/");
  Headers auth{{"Authorization", "Token " + f.foo_token}};

  auto plain = auth;
  plain.emplace_back("Content-Type", "text/plain");
  auto r415 = f.api->request("POST", teams, plain, R"({"name":"X","limit_events":[]})");
  INFO(describe(r415));
  CHECK(r415.status == 415);
  CHECK(r415.body == R"({"detail":"Unsupported media type \"text/plain\" in request."})");

  auto charset = auth;
  charset.emplace_back("Content-Type", "application/json; charset=utf-8");
  auto with_charset = f.api->request("POST", teams, charset, R"({"name":"X","limit_events":[]})");
  INFO(describe(with_charset));
  CHECK(with_charset.status == 201);

  auto bad = f.api->post_json(teams, R"({"name": "X", )");
  INFO(describe(bad));
  CHECK(bad.status == 400);
  auto v = bad.json();
  REQUIRE(v.is_object());
  REQUIRE(v.as_object().contains("detail"));
  CHECK(std::string(v.at("detail").as_string()).starts_with("JSON parse error - "));
  CHECK(f.api->get(teams).json().at("count") == 2);
}

TEST_CASE("a GET without the trailing slash is redirected (301) to the slash form", "[blackbox][auth]") {
  PretixFixture f;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/organizers/dummy/teams", "/api/v1/organizers/dummy/teams/"},
           {"/api/v1/organizers/dummy/teams?page=2", "/api/v1/organizers/dummy/teams/?page=2"},
           {f.team_path(f.team_id, "members"), f.team_path(f.team_id, "members/")}}) {
    auto r = f.api->get(from);
    INFO(from << " -> " << describe(r));
    CHECK(r.status == 301);
    auto location = r.header("Location").value_or("");
    // Django answers with the path; an absolute URL on this host is as good for a client.
    CHECK((location == to || location == f.server.base_url() + to));
  }
}
