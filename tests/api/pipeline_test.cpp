// The request pipeline in pretix's order: route (404, 301), authentication (401), permission (403), method (405),
// lookups (404), body (415, 400); plus OPTIONS, HEAD, /healthz and /metrics.
#include <catch2/catch.hpp>

#include "api_fixture.hpp"
#include "events/crypto.hpp"
#include "http/api/auth.hpp"

using namespace teamlog::testing;

namespace {

constexpr const char* kNoPermission = R"({"detail":"You do not have permission to perform this action."})";
constexpr const char* kNotFound = R"({"detail":"Not found."})";

void check_401(const Reply& r, const std::string& body) {
  INFO(r.body);
  CHECK(r.status == 401);
  CHECK(r.body == body);
  CHECK(r.content_type == "application/json");
  CHECK(r.header("WWW-Authenticate") == std::optional<std::string>("Token"));
}

}  // namespace

TEST_CASE("an unknown path is 404 before authentication, and a GET without the slash is redirected", "[api][pipeline]") {
  ApiFixture f;
  auto r = f.request("GET", "/api/v1/organizers/dummy/nothing/");
  CHECK(r.status == 404);
  CHECK(r.body == kNotFound);
  CHECK(f.request("POST", "/api/v2/", {}, "x").status == 404);

  auto redirect = f.request("GET", "/api/v1/organizers/dummy/teams?page=2");
  CHECK(redirect.status == 301);
  CHECK(redirect.header("Location") == std::optional<std::string>("/api/v1/organizers/dummy/teams/?page=2"));
}

TEST_CASE("authentication failures are 401 with DRF's messages and WWW-Authenticate: Token", "[api][pipeline]") {
  ApiFixture f;
  const auto teams = ApiFixture::org("/teams/");
  check_401(f.request("GET", teams), R"({"detail":"Authentication credentials were not provided."})");
  check_401(f.request("GET", teams, {{"Authorization", "Bearer abc"}}),
            R"({"detail":"Authentication credentials were not provided."})");
  check_401(f.request("GET", teams, {{"Authorization", "Token"}}),
            R"({"detail":"Invalid token header. No credentials provided."})");
  check_401(f.request("GET", teams, {{"Authorization", "Token a b"}}),
            R"({"detail":"Invalid token header. Token string should not contain spaces."})");
  check_401(f.request("GET", teams, {{"Authorization", "Token \xff\xfe"}}),
            R"({"detail":"Invalid token header. Token string should not contain invalid characters."})");
  check_401(f.request("GET", teams, {{"Authorization", "Token " + std::string(64, 'x')}}),
            R"({"detail":"Invalid token."})");
  check_401(f.request("GET", teams, {{"Authorization", "Device abc"}}), R"({"detail":"Invalid token."})");
  // A secret never comes back in an error body.
  auto unknown = f.request("GET", teams, {{"Authorization", "Token secretsecret"}});
  CHECK(unknown.body.find("secretsecret") == std::string::npos);

  SECTION("the keyword is case-insensitive and surrounding whitespace is ignored") {
    CHECK(f.request("GET", teams, {{"Authorization", "tOKEN  " + f.foo_token + " "}}).status == 200);
  }
  SECTION("a revoked token is inactive") {
    REQUIRE(f.del(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.testtoken_id) + "/")).status == 200);
    check_401(f.request("GET", teams, ApiFixture::auth_with(f.testtoken_secret)),
              R"({"detail":"Token inactive or deleted."})");
  }
  SECTION("a deleted team's tokens are gone") {
    REQUIRE(f.del(f.team_path(f.second_team_id)).status == 204);
    check_401(f.request("GET", teams, ApiFixture::auth_with(f.testtoken_secret)), R"({"detail":"Invalid token."})");
  }
  SECTION("authentication comes before the method check, even on an unknown team") {
    check_401(f.request("PUT", f.team_path(999, "members/")),
              R"({"detail":"Authentication credentials were not provided."})");
  }
}

TEST_CASE("a token used before is seen with its team's new permissions, revoked, or gone with its team at once",
          "[api][pipeline][auth]") {
  // Each request runs on this thread, so the second use of a secret is answered from the thread's grant cache:
  // every change below must reach it.
  ApiFixture f;
  const auto teams = ApiFixture::org("/teams/");
  const auto as_test = ApiFixture::auth_with(f.testtoken_secret);
  REQUIRE(f.request("GET", teams, as_test).status == 403);  // its team may not change teams
  REQUIRE(f.request("GET", teams, as_test).status == 403);
  REQUIRE(f.send_json("PATCH", f.team_path(f.second_team_id), R"({"can_change_teams":true})").status == 200);
  CHECK(f.request("GET", teams, as_test).status == 200);
  REQUIRE(f.send_json("PATCH", f.team_path(f.second_team_id), R"({"can_change_teams":false})").status == 200);
  CHECK(f.request("GET", teams, as_test).status == 403);

  REQUIRE(f.del(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.testtoken_id) + "/")).status == 200);
  check_401(f.request("GET", teams, as_test), R"({"detail":"Token inactive or deleted."})");

  const auto created = f.post_form(f.team_path(f.second_team_id, "tokens/"), {{"name", "Another"}});
  REQUIRE(created.status == 201);
  const auto as_another = ApiFixture::auth_with(std::string(created.json().at("token").as_string()));
  REQUIRE(f.request("GET", ApiFixture::org("/events/"), as_another).status == 200);
  REQUIRE(f.request("GET", ApiFixture::org("/events/"), as_another).status == 200);
  REQUIRE(f.del(f.team_path(f.second_team_id)).status == 204);
  check_401(f.request("GET", ApiFixture::org("/events/"), as_another), R"({"detail":"Invalid token."})");
  // The first team's token was used all along and is still good.
  CHECK(f.get(teams).status == 200);
}

TEST_CASE("the grant cache serves a grant only for its exact secret, only while the rows it was read from are "
          "unchanged, and only to the cache that kept it", "[api][auth]") {
  ApiFixture f;
  using teamlog::http::api::GrantCache;
  const auto tokens = f.views->columns()[teamlog::projections::ViewId::kTokens];
  GrantCache cache(*f.store);
  GrantCache other(*f.store);
  // Secrets that share a's set of slots (256 sets of 4, by hash).
  const std::string a = std::string(63, 'a') + "0";
  std::vector<std::string> b;
  for (int i = 0; b.size() < 4; ++i) {
    std::string candidate = std::string(60, 'b') + std::to_string(1000 + i);
    const auto set_of = [](std::string_view s) { return std::hash<std::string_view>{}(s) % 256; };
    if (set_of(candidate) == set_of(a)) b.push_back(candidate);
  }
  teamlog::projections::TokenGrant grant;
  grant.team = 7;
  grant.active = true;
  grant.organizer = "dummy";
  const auto source = [&] {
    GrantCache::Source s;
    cache.watch(s, tokens, "some row");
    cache.watch(s, tokens, "another row");
    return s;
  };
  cache.keep(a, grant, source());
  REQUIRE(cache.find(a));
  CHECK(cache.find(a)->team == 7);
  CHECK_FALSE(cache.find(b[0]));
  CHECK_FALSE(cache.find(a.substr(0, 63) + "1"));
  CHECK_FALSE(other.find(a));
  // Read before a change that has become visible since: not served, and a stays.
  auto stale = source();
  stale.version -= 1;
  cache.keep(b[0], grant, stale);
  CHECK_FALSE(cache.find(b[0]));
  CHECK(cache.find(a));
  // A grant read from fewer or more rows than a token's two is not kept.
  GrantCache::Source one_row;
  cache.watch(one_row, tokens, "some row");
  cache.keep(b[1], grant, one_row);
  CHECK_FALSE(cache.find(b[1]));
  // Four secrets of one set are all kept; a fifth pushes out the one kept longest ago; a secret kept again takes
  // its own slot back.
  for (std::size_t i = 0; i < 3; ++i) cache.keep(b[i], grant, source());
  CHECK(cache.find(a));
  for (std::size_t i = 0; i < 3; ++i) CHECK(cache.find(b[i]));
  cache.keep(b[3], grant, source());
  CHECK_FALSE(cache.find(a));
  for (const auto& secret : b) CHECK(cache.find(secret));
  cache.keep(b[3], grant, source());
  for (const auto& secret : b) CHECK(cache.find(secret));

  // A real token's grant, read through the cache's watch as authenticate reads it: writes to other tokens and
  // teams leave it served; a change to its own team's row ends it, and so does revoking it.
  const teamlog::projections::Queries queries(*f.store, f.views->columns());
  const auto read = [&] {
    GrantCache::Source s;
    const auto watch = [&](teamlog::ColumnId column, std::string_view key) { cache.watch(s, column, key); };
    auto g = queries.token_by_digest(teamlog::to_hex(teamlog::sha256(f.testtoken_secret)), watch);
    REQUIRE(g);
    cache.keep(f.testtoken_secret, *g, s);
  };
  read();
  REQUIRE(cache.find(f.testtoken_secret));
  REQUIRE(f.send_json("PATCH", f.team_path(f.team_id), R"({"can_change_orders":false})").status == 200);
  REQUIRE(f.post_form(f.team_path(f.team_id, "tokens/"), {{"name", "another team's"}}).status == 201);
  CHECK(cache.find(f.testtoken_secret));
  REQUIRE(f.send_json("PATCH", f.team_path(f.second_team_id), R"({"can_view_orders":true})").status == 200);
  CHECK_FALSE(cache.find(f.testtoken_secret));
  read();
  REQUIRE(cache.find(f.testtoken_secret));
  REQUIRE(f.del(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.testtoken_id) + "/")).status == 200);
  CHECK_FALSE(cache.find(f.testtoken_secret));
}

TEST_CASE("an unknown organizer, another organizer's token and a missing flag are 403", "[api][pipeline]") {
  ApiFixture f;
  auto unknown = f.get("/api/v1/organizers/nosuchorg/teams/");
  CHECK(unknown.status == 403);
  CHECK(unknown.body == kNoPermission);
  CHECK(f.get("/api/v1/organizers/other/teams/").status == 403);
  CHECK(f.request("GET", f.team_path(f.team_id), ApiFixture::auth_with(f.other_token)).status == 403);

  const auto weak = ApiFixture::auth_with(f.testtoken_secret);
  struct Probe {
    const char* method;
    std::string path;
  };
  for (const auto& p : std::vector<Probe>{{"GET", ApiFixture::org("/teams/")},
                                          {"GET", f.team_path(f.second_team_id)},
                                          {"GET", f.team_path(999999)},
                                          {"GET", f.team_path(f.team_id, "members/")},
                                          {"GET", f.team_path(f.team_id, "invites/1/")},
                                          {"GET", f.team_path(f.second_team_id, "tokens/")},
                                          {"GET", ApiFixture::org("/auditlog/")},
                                          {"OPTIONS", ApiFixture::org("/teams/")},
                                          {"POST", ApiFixture::org("/teams/")},
                                          {"PUT", f.team_path(f.team_id, "members/")},
                                          {"DELETE", f.team_path(f.team_id)},
                                          {"POST", ApiFixture::org("/events/")},
                                          {"DELETE", ApiFixture::org("/events/dummy/")},
                                          {"PATCH", ApiFixture::org("/events/dummy/")}}) {
    auto r = f.request(p.method, p.path, weak, "{}");
    INFO(p.method << " " << p.path << " -> " << r.status << " " << r.body);
    CHECK(r.status == 403);
    CHECK(r.body == kNoPermission);
  }
  SECTION("reading events needs only a token of the organizer") {
    CHECK(f.request("GET", ApiFixture::org("/events/"), weak).status == 200);
    CHECK(f.request("GET", ApiFixture::org("/events/dummy/"), weak).status == 200);
  }
}

TEST_CASE("a method a route does not have is 405 with Allow, before any lookup", "[api][pipeline]") {
  ApiFixture f;
  struct Case {
    const char* method;
    std::string path;
    const char* allow;
  };
  for (const auto& c : std::vector<Case>{
           {"PUT", f.team_path(f.team_id, "members/"), "GET, HEAD, OPTIONS"},
           {"POST", f.team_path(f.team_id, "members/"), "GET, HEAD, OPTIONS"},
           {"PATCH", f.team_path(f.team_id, "members/1/"), "GET, DELETE, HEAD, OPTIONS"},
           {"PUT", f.team_path(999999, "members/1/"), "GET, DELETE, HEAD, OPTIONS"},
           {"PUT", f.team_path(f.team_id, "invites/abc/"), "GET, DELETE, HEAD, OPTIONS"},
           {"PATCH", f.team_path(f.team_id, "tokens/1/"), "GET, DELETE, HEAD, OPTIONS"},
           {"DELETE", ApiFixture::org("/teams/"), "GET, POST, HEAD, OPTIONS"},
           {"POST", f.team_path(f.team_id), "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"},
           {"PUT", ApiFixture::org("/events/dummy/"), "GET, DELETE, HEAD, OPTIONS"},
           {"DELETE", ApiFixture::org("/auditlog/"), "GET, HEAD, OPTIONS"},
           {"BREW", ApiFixture::org("/teams/"), "GET, POST, HEAD, OPTIONS"},
       }) {
    auto r = f.send_json(c.method, c.path, "{}");
    INFO(c.method << " " << c.path << " -> " << r.body);
    CHECK(r.status == 405);
    CHECK(r.body == R"({"detail":"Method \")" + std::string(c.method) + R"(\" not allowed."})");
    CHECK(r.header("Allow") == std::optional<std::string>(c.allow));
  }
  auto health = f.request("POST", "/healthz");
  CHECK(health.status == 405);
  CHECK(health.header("Allow") == std::optional<std::string>("GET, HEAD"));
}

TEST_CASE("team and object lookups are 404 after the method check, a non-numeric id is 404", "[api][pipeline]") {
  ApiFixture f;
  for (const auto& path : std::vector<std::string>{
           f.team_path(999999),
           ApiFixture::org("/teams/abc/"),
           ApiFixture::org("/teams/abc/members/"),
           f.team_path(999999, "tokens/"),
           f.team_path(f.team_id, "members/abc/"),
           f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"),  // not a member of Test-Team
           f.team_path(f.team_id, "invites/12345/"),
           f.team_path(f.team_id, "tokens/1.5/"),
           ApiFixture::org("/events/nope/"),
       }) {
    auto r = f.get(path);
    INFO(path << " -> " << r.body);
    CHECK(r.status == 404);
    CHECK(r.body == kNotFound);
  }
  // Python's int() reads the id, as Django's pk lookup does.
  CHECK(f.get(ApiFixture::org("/teams/0" + std::to_string(f.team_id) + "/")).status == 200);
  CHECK(f.get(ApiFixture::org("/teams/+" + std::to_string(f.team_id) + "/")).status == 200);

  // Another organizer's team is not found on this organizer, for reads and writes.
  const std::int64_t foreign = f.request("GET", "/api/v1/organizers/other/teams/", ApiFixture::auth_with(f.other_token))
                                   .json().at("results").at(0).at("id").as_int64();
  CHECK(f.get(f.team_path(foreign)).status == 404);
  CHECK(f.del(f.team_path(foreign)).status == 404);
  CHECK(f.send_json("PATCH", f.team_path(foreign), "{}").status == 404);
  CHECK(f.post_form(f.team_path(foreign, "tokens/"), {{"name", "x"}}).status == 404);

  SECTION("a missing team answers 404 before its body is read on update, after it on create") {
    auto update = f.request("PATCH", f.team_path(999999), {{"Authorization", "Token " + f.foo_token},
                                                           {"Content-Type", "text/plain"}}, "x");
    CHECK(update.status == 404);
    auto create = f.request("POST", f.team_path(999999, "invites/"), {{"Authorization", "Token " + f.foo_token},
                                                                      {"Content-Type", "text/plain"}}, "x");
    CHECK(create.status == 415);
  }
}

TEST_CASE("bodies: 415 for other media types, 400 for malformed JSON or multipart, {} when empty", "[api][pipeline]") {
  ApiFixture f;
  const auto teams = ApiFixture::org("/teams/");
  auto plain = f.request("POST", teams, {{"Authorization", "Token " + f.foo_token}, {"Content-Type", "text/plain"}},
                         R"({"name":"X","limit_events":[]})");
  CHECK(plain.status == 415);
  CHECK(plain.body == R"({"detail":"Unsupported media type \"text/plain\" in request."})");
  auto none = f.request("POST", teams, f.auth(), R"({"name":"X","limit_events":[]})");
  CHECK(none.status == 415);
  CHECK(none.body == R"({"detail":"Unsupported media type \"\" in request."})");

  auto bad = f.post_json(teams, R"({"name": "X", )");
  CHECK(bad.status == 400);
  CHECK(bad.json().at("detail").as_string().starts_with("JSON parse error - "));

  auto broken = f.request("POST", f.team_path(f.team_id, "tokens/"),
                          {{"Authorization", "Token " + f.foo_token},
                           {"Content-Type", "multipart/form-data; boundary=xyz"}},
                          "not multipart at all");
  CHECK(broken.status == 400);
  CHECK(broken.json().at("detail").as_string().starts_with("Multipart form parse error - "));

  // An empty body is {} whatever its type: validation answers.
  auto empty = f.request("POST", teams, {{"Authorization", "Token " + f.foo_token}, {"Content-Type", "text/plain"}});
  CHECK(empty.status == 400);
  CHECK(empty.body == R"({"name":["This field is required."],"limit_events":["This field is required."]})");
  // DELETE never reads its body.
  auto del = f.request("DELETE", f.team_path(f.second_team_id),
                       {{"Authorization", "Token " + f.foo_token}, {"Content-Type", "text/plain"}}, "ignored");
  CHECK(del.status == 204);
  CHECK(del.content_type.empty());
  CHECK(del.body.empty());
  CHECK(f.get(teams).json().at("count") == 1);
}

TEST_CASE("OPTIONS answers DRF's metadata after authentication and permission", "[api][pipeline]") {
  ApiFixture f;
  auto r = f.request("OPTIONS", f.team_path(f.team_id, "tokens/"), f.auth());
  CHECK(r.status == 200);
  CHECK(r.body == R"({"name":"Team API Token List","description":"","renders":["application/json"],)"
                  R"("parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]})");
  CHECK(f.request("OPTIONS", ApiFixture::org("/teams/")).status == 401);
}

TEST_CASE("HEAD is answered as GET", "[api][pipeline]") {
  ApiFixture f;
  auto head = f.request("HEAD", f.team_path(f.team_id), f.auth());
  CHECK(head.status == 200);
  CHECK(head.body == test_team_res(f.team_id));
}

TEST_CASE("/healthz needs no credentials and reports the log position, /metrics is Prometheus text",
          "[api][pipeline]") {
  ApiFixture f;
  auto health = f.request("GET", "/healthz");
  CHECK(health.status == 200);
  CHECK(health.content_type == "application/json");
  CHECK(health.body == R"({"status":"ok","position":)" + std::to_string(f.store->head_position()) + "}");

  auto metrics = f.request("GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.content_type.starts_with("text/plain; version=0.0.4"));
  CHECK_THAT(metrics.body, Catch::Contains("teamlog_log_position " + std::to_string(f.store->head_position()) + "\n"));
  CHECK_THAT(metrics.body, Catch::Contains("# TYPE teamlog_group_commit_batches_total counter"));
  CHECK_THAT(metrics.body, Catch::Contains("teamlog_group_commit_events_total "));
  CHECK_THAT(metrics.body, Catch::Contains("teamlog_fsync_seconds_total "));
  CHECK_THAT(metrics.body, Catch::Contains("teamlog_group_commit_batch_jobs_bucket{le=\"+Inf\"} "));
  // Responses carry their route pattern for the server's request metrics.
  CHECK(f.get(f.team_path(f.team_id)).route == "/api/v1/organizers/{organizer}/teams/{team}/");
}

// A disk that fails under the server: the write in flight is answered 503 and not acknowledged, every later write
// is refused with 503 even once the disk is healthy again, reads keep working, and /healthz says so.
TEST_CASE("a failing disk makes writes 503, acknowledges nothing, and leaves the server read-only", "[api][faults]") {
  using Kind = teamlog::StorageFaults::Kind;
  const auto kind = GENERATE(Kind::kSyncError, Kind::kWriteError, Kind::kNoSpace);
  ApiFixture f;
  const auto before = f.get(ApiFixture::org("/teams/"));
  REQUIRE(before.status == 200);

  f.faults->set(kind);
  auto refused = f.post_json(ApiFixture::org("/teams/"), R"({"name":"Lost","limit_events":[]})");
  INFO(refused.body);
  CHECK(refused.status == 503);
  CHECK_THAT(refused.body, Catch::StartsWith(R"({"detail":"Service unavailable: )"));

  f.faults->set(Kind::kNone);
  auto after = f.send_json("POST", ApiFixture::org("/teams/"), R"({"name":"Later","limit_events":[]})");
  CHECK(after.status == 503);
  auto revoke = f.del(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.testtoken_id) + "/"));
  CHECK(revoke.status == 503);

  // Reads answer from what was durable: the same teams as before, the token still active.
  auto list = f.get(ApiFixture::org("/teams/"));
  CHECK(list.status == 200);
  CHECK(list.body == before.body);
  auto health = f.request("GET", "/healthz");
  CHECK(health.status == 503);
  CHECK_THAT(health.body, Catch::StartsWith(R"({"status":"read-only",)"));
}
