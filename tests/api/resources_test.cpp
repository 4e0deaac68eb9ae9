// pretix's test_teams.py cases and teamlog's events and audit log, through the application in-process.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "api_fixture.hpp"
#include "projections/json_text.hpp"

using namespace teamlog::testing;
namespace json = boost::json;

namespace {

std::string member_res(std::int64_t id) {
  return R"({"id":)" + std::to_string(id) + R"(,"email":"dummy@dummy.dummy","fullname":null,"require_2fa":false})";
}

std::string results(const Reply& r) { return teamlog::to_json(r.json().at("results")); }

}  // namespace

TEST_CASE("teams: list, detail, create, update, delete", "[api][teams]") {
  ApiFixture f;
  auto list = f.get(ApiFixture::org("/teams/"));
  CHECK(list.status == 200);
  CHECK(list.body == R"({"count":2,"next":null,"previous":null,"results":[)" + test_team_res(f.team_id) + "," +
                         second_team_res(f.second_team_id) + "]}");
  CHECK(f.get(f.team_path(f.second_team_id)).body == second_team_res(f.second_team_id));

  auto created = f.post_json(ApiFixture::org("/teams/"), R"({"name":"Foobar","limit_events":["dummy"]})");
  CHECK(created.status == 201);
  CHECK(created.content_type == "application/json");
  const auto id = created.json().at("id").as_int64();
  CHECK(f.get(f.team_path(id)).json().at("limit_events") == json::parse(R"(["dummy"])"));

  auto patched = f.send_json("PATCH", f.team_path(f.second_team_id), R"({"can_change_event_settings":true})");
  CHECK(patched.status == 200);
  CHECK(patched.json().at("can_change_event_settings") == true);
  auto conflict = f.send_json("PATCH", f.team_path(f.second_team_id), R"({"all_events":true})");
  CHECK(conflict.status == 400);
  CHECK(conflict.body == R"({"non_field_errors":["Do not set both limit_events and all_events."]})");

  auto put = f.send_json("PUT", f.team_path(id), R"({"name":"Renamed","limit_events":[],"all_events":true})");
  CHECK(put.status == 200);
  CHECK(put.json().at("name") == "Renamed");
  CHECK(put.json().at("all_events") == true);
  CHECK(f.send_json("PUT", f.team_path(id), R"({"name":"Renamed"})").body ==
        R"({"limit_events":["This field is required."]})");

  auto deleted = f.del(f.team_path(f.second_team_id));
  CHECK(deleted.status == 204);
  CHECK(f.get(ApiFixture::org("/teams/")).json().at("count") == 2);
  CHECK(f.get(f.team_path(f.second_team_id)).status == 404);
}

TEST_CASE("team validation errors are DRF's bodies, byte for byte", "[api][teams]") {
  ApiFixture f;
  struct Case {
    std::string body;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {"{}", R"({"name":["This field is required."],"limit_events":["This field is required."]})"},
           {R"({"name":"","limit_events":[]})", R"({"name":["This field may not be blank."]})"},
           {R"({"name":null,"limit_events":[]})", R"({"name":["This field may not be null."]})"},
           {R"({"name":"X","limit_events":["nope"]})", R"({"limit_events":["Object with slug=nope does not exist."]})"},
           {R"({"name":"X","limit_events":[],"all_events":"maybe"})", R"({"all_events":["Must be a valid boolean."]})"},
           {"[]", R"({"non_field_errors":["Invalid data. Expected a dictionary, but got list."]})"},
       }) {
    auto r = f.post_json(ApiFixture::org("/teams/"), c.body);
    INFO(c.body);
    CHECK(r.status == 400);
    CHECK(r.body == c.expected);
  }
  CHECK(f.get(ApiFixture::org("/teams/")).json().at("count") == 2);
}

TEST_CASE("members: list, detail, delete, the user stays", "[api][members]") {
  ApiFixture f;
  // pretix's fixture adds `user` to the team directly; here the invite of an existing account does it.
  auto added = f.post_form(f.team_path(f.team_id, "invites/"), {{"email", "dummy@dummy.dummy"}});
  REQUIRE(added.status == 201);
  auto list = f.get(f.team_path(f.team_id, "members/"));
  CHECK(list.status == 200);
  CHECK(results(list) == "[" + member_res(f.user_id) + "]");
  auto detail = f.get(f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"));
  CHECK(detail.body == member_res(f.user_id));
  auto removed = f.del(f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"));
  CHECK(removed.status == 204);
  CHECK(f.get(f.team_path(f.team_id, "members/")).json().at("count") == 0);
  CHECK(f.del(f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/")).status == 404);
  // The account still exists: inviting the address again adds it directly.
  CHECK(f.post_form(f.team_path(f.team_id, "invites/"), {{"email", "DUMMY@dummy.dummy"}}).body ==
        R"({"id":null,"email":"dummy@dummy.dummy"})");
}

TEST_CASE("invites: pretix's four-step create, list, detail, delete", "[api][invites]") {
  ApiFixture f;
  const auto invites = f.team_path(f.team_id, "invites/");
  auto first = f.post_form(invites, {{"email", "newmail@dummy.dummy"}});
  CHECK(first.status == 201);
  const auto id = first.json().at("id").as_int64();
  CHECK(first.body == R"({"id":)" + std::to_string(id) + R"(,"email":"newmail@dummy.dummy"})");
  auto again = f.post_form(invites, {{"email", "newmail@dummy.dummy"}});
  CHECK(again.status == 400);
  CHECK(again.body == R"(["This user already has been invited for this team."])");
  auto existing = f.post_form(invites, {{"email", "dummy@dummy.dummy"}});
  CHECK(existing.status == 201);
  CHECK(existing.json().at("id").is_null());
  auto member = f.post_form(invites, {{"email", "dummy@dummy.dummy"}});
  CHECK(member.status == 400);
  CHECK(member.body == R"(["This user already has permissions for this team."])");

  CHECK(f.post_form(invites, {}).body == R"(["No email address given."])");
  CHECK(f.post_form(invites, {{"email", "not-an-email"}}).body == R"({"email":["Enter a valid email address."]})");
  CHECK(f.send_json("POST", invites, R"({"email":"json@dummy.dummy"})").status == 201);

  auto list = f.get(invites);
  CHECK(list.json().at("count") == 2);
  CHECK(teamlog::to_json(list.json().at("results").at(1)) ==
        R"({"id":)" + std::to_string(id) + R"(,"email":"newmail@dummy.dummy"})");
  CHECK(f.get(invites + std::to_string(id) + "/").body ==
        R"({"id":)" + std::to_string(id) + R"(,"email":"newmail@dummy.dummy"})");
  CHECK(f.del(invites + std::to_string(id) + "/").status == 204);
  CHECK(f.get(invites + std::to_string(id) + "/").status == 404);
  CHECK(f.get(invites).json().at("count") == 1);
}

TEST_CASE("tokens: list without secrets, detail, create with the secret once, revoke with 200", "[api][tokens]") {
  ApiFixture f;
  const auto tokens = f.team_path(f.second_team_id, "tokens/");
  const std::string testtoken = R"({"id":)" + std::to_string(f.testtoken_id) + R"(,"name":"Testtoken","active":true})";
  CHECK(results(f.get(tokens)) == "[" + testtoken + "]");
  CHECK(f.get(tokens + std::to_string(f.testtoken_id) + "/").body == testtoken);

  auto created = f.post_form(tokens, {{"name", "New token"}, {"active", "false"}});
  CHECK(created.status == 201);
  const auto secret = std::string(created.json().at("token").as_string());
  CHECK(secret.size() == 64);
  const auto id = created.json().at("id").as_int64();
  CHECK(created.body == R"({"id":)" + std::to_string(id) + R"(,"name":"New token","active":true,"token":")" + secret +
                            R"("})");
  CHECK(f.get(tokens + std::to_string(id) + "/").body.find(secret) == std::string::npos);
  // The new token authenticates, with its team's (empty) permissions.
  CHECK(f.request("GET", ApiFixture::org("/events/"), ApiFixture::auth_with(secret)).status == 200);

  auto revoked = f.del(tokens + std::to_string(f.testtoken_id) + "/");
  CHECK(revoked.status == 200);
  CHECK(revoked.body == R"({"id":)" + std::to_string(f.testtoken_id) + R"(,"name":"Testtoken","active":false})");
  CHECK(f.del(tokens + std::to_string(f.testtoken_id) + "/").status == 200);  // again: 200, logged again
  CHECK(f.get(tokens).json().at("count") == 2);  // inactive tokens stay listed
  CHECK(f.post_form(tokens, {}).body == R"({"name":["This field is required."]})");
}

TEST_CASE("events: list, detail, create and delete need can_create_events for writes", "[api][events]") {
  ApiFixture f;
  const auto events = ApiFixture::org("/events/");
  CHECK(results(f.get(events)) == R"([{"name":"Dummy","slug":"dummy","date_from":"2017-12-27T10:00:00Z"}])");
  auto created = f.post_json(events, R"({"name":{"en":"Second"},"slug":"second","date_from":"2018-01-01T10:00:00+01:00"})");
  CHECK(created.status == 201);
  CHECK(created.body == R"({"name":{"en":"Second"},"slug":"second","date_from":"2018-01-01T09:00:00Z"})");
  CHECK(f.get(events + "second/").body == created.body);
  CHECK(f.post_json(events, R"({"name":"Again","slug":"second","date_from":"2018-01-01T10:00:00Z"})").body ==
        R"({"slug":["This slug has already been used for a different event."]})");
  CHECK(f.del(events + "second/").status == 204);
  CHECK(f.get(events + "second/").status == 404);
  CHECK(f.del(events + "second/").status == 404);
  CHECK(f.get(events).json().at("count") == 1);
}

TEST_CASE("audit log: entries oldest first with filters, and the token as actor", "[api][audit]") {
  ApiFixture f;
  const auto audit = ApiFixture::org("/auditlog/");
  auto all = f.get(audit);
  REQUIRE(all.status == 200);
  const auto entries = all.json().at("results").as_array();
  REQUIRE(entries.size() >= 6);
  for (std::size_t i = 1; i < entries.size(); ++i) {
    CHECK(entries[i].at("position").as_int64() > entries[i - 1].at("position").as_int64());
  }

  auto tokens = f.get(audit + "?action_type=pretix.team.token.created&team=" + std::to_string(f.second_team_id));
  REQUIRE(tokens.json().at("count") == 1);
  const auto entry = tokens.json().at("results").at(0);
  CHECK(entry.at("data") == json::parse(R"({"id":)" + std::to_string(f.testtoken_id) + R"(,"name":"Testtoken"})"));
  CHECK(entry.at("actor") == json::parse(R"({"type":"token","id":)" + std::to_string(f.foo_token_id) +
                                         R"(,"name":"Foo"})"));
  const auto position = entry.at("position").as_int64();
  const auto later = f.get(audit + "?after=" + std::to_string(position)).json();
  for (const auto& e : later.at("results").as_array()) {
    CHECK(e.at("position").as_int64() > position);
  }
  CHECK(f.get(audit + "?since=2999-01-01T00:00:00Z").json().at("count") == 0);
  CHECK(f.get(audit + "?since=2000-01-01T00:00:00Z").json().at("count") == all.json().at("count"));
  CHECK(f.get(audit + "?team=").json().at("count") == all.json().at("count"));  // empty: no filter

  auto bad = f.get(audit + "?team=x&after=y&since=yesterday");
  CHECK(bad.status == 400);
  CHECK(bad.body == R"({"team":["Enter a number."],"after":["Enter a number."],"since":["Enter a valid date/time."]})");
}
