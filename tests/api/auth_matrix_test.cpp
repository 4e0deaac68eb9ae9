// The authorisation matrix: every API route and method against every kind of credential, each cell with its
// expected status and body. Cells that must not reveal anything are also asked about an object that exists, one
// that does not, and one of another organizer: the three answers must be byte-identical.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "api_fixture.hpp"
#include "http/api/routes.hpp"

using namespace teamlog::testing;
using teamlog::http::Method;
using teamlog::http::method_name;

namespace {

constexpr const char* kNoPermissionBody = R"({"detail":"You do not have permission to perform this action."})";
constexpr const char* kNotFound = R"({"detail":"Not found."})";

enum class Credential {
  kNone,
  kSchemeOnly,      // "Token"
  kSpaces,          // "Token a b"
  kUnknown,         // a well-formed token nobody was given
  kRevoked,         // revoked through the API
  kDeletedTeam,     // its team was deleted
  kOtherOrganizer,  // organizer other's admin token
  kNoPermission,    // User team: every flag false
  kPermitted,       // Test-Team: can_change_teams and can_create_events
};

const std::vector<std::pair<Credential, std::string>> kCredentials = {
    {Credential::kNone, "no credentials"},
    {Credential::kSchemeOnly, "Token without a key"},
    {Credential::kSpaces, "a key with spaces"},
    {Credential::kUnknown, "an unknown token"},
    {Credential::kRevoked, "a revoked token"},
    {Credential::kDeletedTeam, "a token of a deleted team"},
    {Credential::kOtherOrganizer, "another organizer's token"},
    {Credential::kNoPermission, "a token whose team lacks the permission"},
    {Credential::kPermitted, "a token with the permission"},
};

// What one route and method needs, and does when allowed.
struct Cell {
  std::string pattern;  // the RouteSpec pattern it covers
  Method method;
  std::string body;       // JSON, for writes
  unsigned success = 200;  // the status with kPermitted
  bool write = false;      // needs the route's write permission
};

// Objects of organizer dummy that a cell acts on; destructive cells get fresh ones.
struct Objects {
  std::int64_t team = 0, invite = 0, token = 0, member = 0;
  std::string event;
};

std::string fill(const std::string& pattern, const Objects& o, const std::string& organizer = "dummy") {
  std::string out = pattern;
  auto put = [&](const std::string& name, const std::string& value) {
    if (auto at = out.find(name); at != std::string::npos) out.replace(at, name.size(), value);
  };
  put("{organizer}", organizer);
  put("{team}", std::to_string(o.team));
  put("{slug}", o.event);
  if (out.find("/invites/{id}") != std::string::npos) put("{id}", std::to_string(o.invite));
  if (out.find("/tokens/{id}") != std::string::npos) put("{id}", std::to_string(o.token));
  if (out.find("/members/{id}") != std::string::npos) put("{id}", std::to_string(o.member));
  return out;
}

class Matrix {
 public:
  Matrix() {
    // A revoked token, and a token whose team is then deleted.
    const auto kept = create_objects();
    const auto revoked = f.post_json(f.team_path(kept.team, "tokens/"), R"({"name":"revoked"})").json();
    revoked_ = std::string(revoked.at("token").as_string());
    REQUIRE(f.del(f.team_path(kept.team, "tokens/" + std::to_string(revoked.at("id").as_int64()) + "/")).status ==
            200);
    auto doomed = create_objects();
    deleted_team_token_ = std::string(
        f.post_json(f.team_path(doomed.team, "tokens/"), R"({"name":"gone"})").json().at("token").as_string());
    REQUIRE(f.del(f.team_path(doomed.team)).status == 204);

    // Organizer other's objects, to ask dummy's routes about with other's ids.
    const auto other = ApiFixture::auth_with(f.other_token);
    const auto team = f.send_json("POST", "/api/v1/organizers/other/teams/", R"({"name":"O","limit_events":[]})", other);
    REQUIRE(team.status == 201);
    foreign_.team = team.json().at("id").as_int64();
    const auto base = "/api/v1/organizers/other/teams/" + std::to_string(foreign_.team);
    foreign_.invite = f.send_json("POST", base + "/invites/", R"({"email":"o@example.org"})", other).json().at("id").as_int64();
    foreign_.token = f.send_json("POST", base + "/tokens/", R"({"name":"o"})", other).json().at("id").as_int64();
    foreign_.member = f.user_id;
    REQUIRE(f.send_json("POST", base + "/invites/", R"({"email":"dummy@dummy.dummy"})", other).status == 201);
    REQUIRE(f.send_json("POST", "/api/v1/organizers/other/events/",
                        R"({"name":"O","slug":"foreign","date_from":"2020-01-01T00:00:00Z"})", other)
                .status == 201);
    foreign_.event = "foreign";
    shared_ = create_objects();
  }

  // A team with a member, an invite and a token, and an event, all of organizer dummy.
  Objects create_objects() {
    Objects o;
    const auto n = std::to_string(++counter_);
    o.team = f.post_json(ApiFixture::org("/teams/"), R"({"name":"M)" + n + R"(","limit_events":[]})").json().at("id").as_int64();
    o.invite = f.post_json(f.team_path(o.team, "invites/"), R"({"email":"i)" + n + R"(@example.org"})").json().at("id").as_int64();
    o.token = f.post_json(f.team_path(o.team, "tokens/"), R"({"name":"t)" + n + R"("})").json().at("id").as_int64();
    REQUIRE(f.post_json(f.team_path(o.team, "invites/"), R"({"email":"dummy@dummy.dummy"})").status == 201);
    o.member = f.user_id;
    o.event = "e" + n;
    REQUIRE(f.post_json(ApiFixture::org("/events/"),
                        R"({"name":"E","slug":")" + o.event + R"(","date_from":"2020-01-01T00:00:00Z"})")
                .status == 201);
    return o;
  }

  Headers headers(Credential c) const {
    switch (c) {
      case Credential::kNone: return {};
      case Credential::kSchemeOnly: return {{"Authorization", "Token"}};
      case Credential::kSpaces: return {{"Authorization", "Token a b"}};
      case Credential::kUnknown: return ApiFixture::auth_with(std::string(64, 'q'));
      case Credential::kRevoked: return ApiFixture::auth_with(revoked_);
      case Credential::kDeletedTeam: return ApiFixture::auth_with(deleted_team_token_);
      case Credential::kOtherOrganizer: return ApiFixture::auth_with(f.other_token);
      case Credential::kNoPermission: return ApiFixture::auth_with(f.testtoken_secret);
      case Credential::kPermitted: return ApiFixture::auth_with(f.foo_token);
    }
    return {};
  }

  Reply send(const Cell& cell, Credential c, const std::string& path) {
    Headers h = headers(c);
    if (!cell.body.empty()) h.emplace_back("Content-Type", "application/json");
    return f.request(std::string(method_name(cell.method)), path, h, cell.body);
  }

  ApiFixture f;
  Objects shared_;
  Objects foreign_;

 private:
  std::string revoked_;
  std::string deleted_team_token_;
  int counter_ = 0;
};

// Every route and method of the API, with what a permitted token gets.
std::vector<Cell> cells() {
  const std::string team_body = R"({"name":"Matrix","limit_events":[]})";
  return {
      {"/api/v1/organizers/{organizer}/teams/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/", Method::kPost, team_body, 201, true},
      {"/api/v1/organizers/{organizer}/teams/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/", Method::kPut, team_body, 200, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/", Method::kPatch, R"({"name":"Patched"})", 200, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/", Method::kDelete, "", 204, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/members/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/members/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/members/{id}/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/members/{id}/", Method::kDelete, "", 204, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/members/{id}/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/", Method::kPost, R"({"email":"new@example.org"})", 201, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/", Method::kDelete, "", 204, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/resend/", Method::kPost, "", 200, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/resend/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/tokens/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/tokens/", Method::kPost, R"({"name":"New"})", 201, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/tokens/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/tokens/{id}/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/teams/{team}/tokens/{id}/", Method::kDelete, "", 200, true},
      {"/api/v1/organizers/{organizer}/teams/{team}/tokens/{id}/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/events/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/events/", Method::kPost,
       R"({"name":"New","slug":"new-event","date_from":"2020-01-01T00:00:00Z"})", 201, true},
      {"/api/v1/organizers/{organizer}/events/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/events/{slug}/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/events/{slug}/", Method::kDelete, "", 204, true},
      {"/api/v1/organizers/{organizer}/events/{slug}/", Method::kOptions, "", 200},
      {"/api/v1/organizers/{organizer}/auditlog/", Method::kGet, "", 200},
      {"/api/v1/organizers/{organizer}/auditlog/", Method::kOptions, "", 200},
  };
}

// The 401 bodies, exactly as DRF's TokenAuthentication writes them.
std::optional<std::string> unauthenticated_body(Credential c) {
  switch (c) {
    case Credential::kNone: return R"({"detail":"Authentication credentials were not provided."})";
    case Credential::kSchemeOnly: return R"({"detail":"Invalid token header. No credentials provided."})";
    case Credential::kSpaces: return R"({"detail":"Invalid token header. Token string should not contain spaces."})";
    case Credential::kUnknown:
    case Credential::kDeletedTeam: return R"({"detail":"Invalid token."})";
    case Credential::kRevoked: return R"({"detail":"Token inactive or deleted."})";
    default: return std::nullopt;
  }
}

std::string cell_name(const Cell& cell, const std::string& credential) {
  return std::string(method_name(cell.method)) + " " + cell.pattern + " with " + credential;
}

}  // namespace

TEST_CASE("the table covers every route and method of the API", "[api][authz]") {
  std::set<std::pair<std::string, Method>> covered;
  for (const auto& c : cells()) covered.insert({c.pattern, c.method});
  for (const auto& spec : teamlog::http::api::route_specs()) {
    if (!spec.api) continue;
    for (Method m : {Method::kGet, Method::kPost, Method::kPut, Method::kPatch, Method::kDelete, Method::kOptions}) {
      INFO(method_name(m) << " " << spec.pattern);
      CHECK(covered.count({std::string(spec.pattern), m}) == (spec.methods.contains(m) ? 1u : 0u));
    }
  }
}

TEST_CASE("every route and method answers every kind of credential as pretix does, and leaks nothing",
          "[api][authz]") {
  Matrix m;
  for (const auto& cell : cells()) {
    const bool needs_teams = cell.pattern.find("/events/") == std::string::npos;
    for (const auto& [credential, credential_name] : kCredentials) {
      INFO(cell_name(cell, credential_name));
      // Destructive or creating cells that may succeed act on objects of their own.
      const Objects objects = (credential == Credential::kPermitted && cell.write) ? m.create_objects() : m.shared_;
      const auto path = fill(cell.pattern, objects);
      const auto r = m.send(cell, credential, path);
      INFO(r.status << " " << r.body);
      // No answer repeats the secret it was given, not even an error.
      for (const auto& [name, value] : m.headers(credential)) {
        const auto key = value.substr(value.find(' ') + 1);
        if (key.size() > 8) CHECK(r.body.find(key) == std::string::npos);
      }
      if (auto body = unauthenticated_body(credential)) {
        CHECK(r.status == 401);
        CHECK(r.body == *body);
        CHECK(r.header("WWW-Authenticate") == std::optional<std::string>("Token"));
        continue;
      }
      const bool permitted = credential == Credential::kPermitted ||
                             (credential == Credential::kNoPermission && !needs_teams && !cell.write);
      if (!permitted) {
        CHECK(r.status == 403);
        CHECK(r.body == kNoPermissionBody);
        // Nothing tells an id that exists from one that does not, or from another organizer's.
        if (cell.pattern.find("{team}") != std::string::npos || cell.pattern.find("{slug}") != std::string::npos) {
          Objects missing = objects;
          missing.team = missing.invite = missing.token = missing.member = 987654;
          missing.event = "no-such-event";
          CHECK(m.send(cell, credential, fill(cell.pattern, missing)).body == r.body);
          CHECK(m.send(cell, credential, fill(cell.pattern, m.foreign_)).body == r.body);
        }
        continue;
      }
      CHECK(r.status == cell.success);
    }
  }
}

TEST_CASE("a permitted token cannot tell another organizer's objects from missing ones", "[api][authz]") {
  Matrix m;
  Objects missing;
  missing.team = missing.invite = missing.token = missing.member = 987654;
  missing.event = "no-such-event";
  for (const auto& cell : cells()) {
    if (cell.pattern.find("{team}") == std::string::npos && cell.pattern.find("{slug}") == std::string::npos) continue;
    INFO(cell_name(cell, "a token with the permission"));
    const auto foreign = m.send(cell, Credential::kPermitted, fill(cell.pattern, m.foreign_));
    const auto absent = m.send(cell, Credential::kPermitted, fill(cell.pattern, missing));
    INFO(foreign.body);
    // OPTIONS describes the endpoint without looking the object up (DRF's metadata), the same for any id.
    CHECK(foreign.status == (cell.method == Method::kOptions ? 200u : 404u));
    if (cell.method != Method::kOptions) CHECK(foreign.body == kNotFound);
    CHECK(absent.status == foreign.status);
    CHECK(absent.body == foreign.body);
    // Within dummy's own team, another organizer's invite, token or member id is just as unknown.
    if (cell.pattern.find("{id}") != std::string::npos) {
      Objects mixed = m.shared_;
      mixed.invite = m.foreign_.invite;
      mixed.token = m.foreign_.token;
      mixed.member = 987654;  // user ids are global; a user in no team of dummy's
      const auto r = m.send(cell, Credential::kPermitted, fill(cell.pattern, mixed));
      if (cell.pattern.find("/members/") == std::string::npos && cell.method != Method::kOptions) {
        CHECK(r.status == 404);
        CHECK(r.body == kNotFound);
      }
    }
  }
}

TEST_CASE("the invite-secret routes ignore credentials: every kind gets the same answer", "[api][authz]") {
  Matrix m;
  const auto secret = m.f.invite_secret(m.shared_.invite);
  REQUIRE(secret.size() == 32);
  const std::string unknown(32, 'a');
  struct Probe {
    std::string method, path, body;
    unsigned status;
  };
  const std::vector<Probe> probes = {
      {"GET", "/api/v1/invites/" + secret + "/", "", 200},
      {"GET", "/api/v1/invites/" + unknown + "/", "", 404},
      {"POST", "/api/v1/invites/" + unknown + "/accept/", R"({"fullname":"x"})", 404},
      {"POST", "/api/v1/invites/" + secret + "/accept/", R"({"fullname":)", 400},  // does not parse: nothing happens
      {"GET", "/invite/" + secret, "", 200},
      {"GET", "/invite/" + unknown, "", 404},
      {"POST", "/invite/" + unknown, "", 404},
      {"DELETE", "/api/v1/invites/" + secret + "/", "", 405},
  };
  // Every route whose credential is the secret is probed.
  std::set<std::string> probed;
  for (const auto& spec : teamlog::http::api::route_specs()) {
    if (!spec.secret_link) continue;
    CHECK_FALSE(spec.api);
    probed.insert(std::string(spec.pattern));
  }
  CHECK(probed == std::set<std::string>{"/api/v1/invites/{secret}/", "/api/v1/invites/{secret}/accept/",
                                        "/invite/{secret}"});
  for (const auto& probe : probes) {
    std::optional<std::string> first;
    for (const auto& [credential, credential_name] : kCredentials) {
      INFO(probe.method << " " << probe.path << " with " << credential_name);
      Headers h = m.headers(credential);
      if (!probe.body.empty()) h.emplace_back("Content-Type", "application/json");
      const auto r = m.f.request(probe.method, probe.path, h, probe.body);
      INFO(r.status << " " << r.body);
      CHECK(r.status == probe.status);
      CHECK_FALSE(r.header("WWW-Authenticate"));
      if (!first) first = r.body;
      // HTML pages differ by nothing but the request id they do not show; JSON bodies are identical.
      CHECK(r.body == *first);
    }
  }
  // The invite is still there: none of the probes accepted it.
  CHECK(m.f.get(m.f.team_path(m.shared_.team, "invites/" + std::to_string(m.shared_.invite) + "/")).status == 200);
}

// DRF splits the header's bytes with bytes.split(): any run of ASCII whitespace separates, none counts at the ends,
// and a non-ASCII space is part of a word.
TEST_CASE("the Authorization header splits on runs of ASCII whitespace, as DRF's bytes.split()", "[api][authz]") {
  ApiFixture f;
  const auto teams = ApiFixture::org("/teams/");
  const auto with = [&](const std::string& value) { return f.request("GET", teams, {{"Authorization", value}}); };
  for (const std::string separator : {" ", "\t", "  \t ", "\v", "\f"}) {
    INFO("separator bytes: " << separator.size());
    CHECK(with("Token" + separator + f.foo_token).status == 200);
  }
  CHECK(with(" \tToken " + f.foo_token + "\t ").status == 200);
  auto r = with("Token " + f.foo_token + "\tx");
  CHECK(r.status == 401);
  CHECK(r.body == R"({"detail":"Invalid token header. Token string should not contain spaces."})");
  r = with("Token\t ");
  CHECK(r.status == 401);
  CHECK(r.body == R"({"detail":"Invalid token header. No credentials provided."})");
  r = with("Token\xc2\xa0" + f.foo_token);  // U+00A0: one word, whose scheme is not "token"
  CHECK(r.status == 401);
  CHECK(r.body == R"({"detail":"Authentication credentials were not provided."})");
}
