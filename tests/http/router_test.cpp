// Router: parameters, 404 versus 405 with Allow, APPEND_SLASH redirects, pattern validation.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "http/router.hpp"

using namespace teamlog::http;

namespace {

enum RouteId { kTeams, kTeam, kMembers, kMember, kHealth, kRoot, kTeamsNew };

Router pretix_like_router() {
  Router router;
  router.add(kTeams, "/api/v1/organizers/{organizer}/teams/", {Method::kGet, Method::kPost});
  router.add(kTeam, "/api/v1/organizers/{organizer}/teams/{id}/",
             {Method::kGet, Method::kPut, Method::kPatch, Method::kDelete});
  router.add(kMembers, "/api/v1/organizers/{organizer}/teams/{team}/members/", {Method::kGet});
  router.add(kMember, "/api/v1/organizers/{organizer}/teams/{team}/members/{id}/", {Method::kGet, Method::kDelete});
  router.add(kHealth, "/healthz", {Method::kGet});
  router.add(kRoot, "/", {Method::kGet});
  return router;
}

}  // namespace

TEST_CASE("a path matching a pattern yields its route and named, percent-decoded params", "[http][router]") {
  const Router router = pretix_like_router();
  const auto m = router.match("/api/v1/organizers/demo/teams/12/members/7/");
  REQUIRE(m);
  CHECK(m->route->id == kMember);
  CHECK(m->route->pattern == "/api/v1/organizers/{organizer}/teams/{team}/members/{id}/");
  CHECK(m->param("organizer") == "demo");
  CHECK(m->param("team") == "12");
  CHECK(m->param("id") == "7");
  CHECK(m->param("nope").empty());

  const auto decoded = router.match("/api/v1/organizers/d%C3%A9mo/teams/");
  REQUIRE(decoded);
  CHECK(decoded->param("organizer") == "d\xC3\xA9mo");
}

TEST_CASE("parameter names may differ at the same position between routes", "[http][router]") {
  const Router router = pretix_like_router();
  const auto team = router.match("/api/v1/organizers/o/teams/5/");
  REQUIRE(team);
  CHECK(team->route->id == kTeam);
  CHECK(team->param("id") == "5");
  const auto members = router.match("/api/v1/organizers/o/teams/5/members/");
  REQUIRE(members);
  CHECK(members->param("team") == "5");
}

TEST_CASE("a literal segment wins over a parameter, and the walk backtracks to the parameter", "[http][router]") {
  Router router;
  router.add(kTeamsNew, "/teams/new/", {Method::kGet});
  router.add(kTeam, "/teams/{id}/", {Method::kGet});
  router.add(kMembers, "/teams/{id}/members/", {Method::kGet});
  CHECK(router.match("/teams/new/")->route->id == kTeamsNew);
  CHECK(router.match("/teams/other/")->route->id == kTeam);
  // "new" is a literal at this depth, but only the parameter branch continues to members/.
  const auto m = router.match("/teams/new/members/");
  REQUIRE(m);
  CHECK(m->route->id == kMembers);
  CHECK(m->param("id") == "new");
}

TEST_CASE("no route is a miss (404), a route without the method is a 405 with DRF's Allow", "[http][router]") {
  const Router router = pretix_like_router();
  CHECK_FALSE(router.match("/api/v1/organizers/o/unknown/"));
  CHECK_FALSE(router.match("/api/v1/organizers//teams/"));  // a parameter never matches an empty segment
  CHECK_FALSE(router.match("/api/v1/organizers/o/teams/1/extra/"));
  CHECK_FALSE(router.match("relative/"));

  const auto m = router.match("/api/v1/organizers/o/teams/");
  REQUIRE(m);
  CHECK(m->allows("GET"));
  CHECK(m->allows("HEAD"));  // implied by GET, as DRF's viewsets
  CHECK(m->allows("POST"));
  CHECK_FALSE(m->allows("PUT"));
  CHECK_FALSE(m->allows("get"));
  CHECK_FALSE(m->allows("FOO"));

  const HttpResponse response = method_not_allowed("PUT", m->route->methods);
  CHECK(response.status == 405);
  CHECK(response.content_type == "application/json");
  CHECK(response.body == R"({"detail":"Method \"PUT\" not allowed."})");
  REQUIRE(response.headers.size() == 1);
  CHECK(response.headers[0].first == "Allow");
  CHECK(response.headers[0].second == "GET, POST, HEAD");

  const auto detail = router.match("/api/v1/organizers/o/teams/3/");
  CHECK(detail->route->methods.allow_header() == "GET, PUT, PATCH, DELETE, HEAD");
}

TEST_CASE("a GET without the trailing slash is redirected to the slashed path with its query", "[http][router]") {
  const Router router = pretix_like_router();
  CHECK(router.redirect_target("GET", "/api/v1/organizers/o/teams", "") == "/api/v1/organizers/o/teams/");
  CHECK(router.redirect_target("HEAD", "/api/v1/organizers/o/teams/3", "page=2&x=%20") ==
        "/api/v1/organizers/o/teams/3/?page=2&x=%20");
  // Not for other methods, not when the path already matches or ends in '/', not when the slash does not help.
  CHECK_FALSE(router.redirect_target("POST", "/api/v1/organizers/o/teams", ""));
  CHECK_FALSE(router.redirect_target("GET", "/healthz", ""));
  CHECK_FALSE(router.redirect_target("GET", "/api/v1/organizers/o/nothing", ""));
  CHECK_FALSE(router.redirect_target("GET", "/api/v1/organizers/o/teams/", ""));

  const HttpResponse redirect = redirect_response("/a/");
  CHECK(redirect.status == 301);
  CHECK(redirect.body.empty());
  CHECK(redirect.headers == HeaderList{{"Location", "/a/"}});
}

TEST_CASE("the root and slash-less routes match exactly", "[http][router]") {
  const Router router = pretix_like_router();
  CHECK(router.match("/")->route->id == kRoot);
  CHECK(router.match("/healthz")->route->id == kHealth);
  CHECK_FALSE(router.match("/healthz/"));
}

TEST_CASE("malformed or duplicate route patterns are rejected at registration", "[http][router]") {
  Router router;
  router.add(kTeam, "/teams/{id}/", {Method::kGet});
  CHECK_THROWS_AS(router.add(kMember, "/teams/{other}/", {Method::kGet}), std::invalid_argument);
  CHECK_THROWS_AS(router.add(kMember, "teams/", {Method::kGet}), std::invalid_argument);
  CHECK_THROWS_AS(router.add(kMember, "/a//b/", {Method::kGet}), std::invalid_argument);
  CHECK_THROWS_AS(router.add(kMember, "/a/{1x}/", {Method::kGet}), std::invalid_argument);
  CHECK_THROWS_AS(router.add(kMember, "/a/x{y}/", {Method::kGet}), std::invalid_argument);
}

TEST_CASE("method names parse case-sensitively and print back", "[http][router]") {
  CHECK(parse_method("PATCH") == Method::kPatch);
  CHECK_FALSE(parse_method("patch"));
  CHECK(method_name(Method::kOptions) == "OPTIONS");
}
