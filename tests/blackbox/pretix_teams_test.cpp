// pretix's own 16 team API tests (src/tests/api/test_teams.py), run against a real teamlogd.
#include <catch2/catch.hpp>

#include <algorithm>

#include <boost/json.hpp>

#include "fixture.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;

namespace {

json::value member_res(std::int64_t user_id) {
  json::object o;
  o["id"] = user_id;
  o["email"] = "dummy@dummy.dummy";
  o["fullname"] = nullptr;
  o["require_2fa"] = false;
  return o;
}

json::value results_of(const Response& r) { return r.json().at("results"); }

}  // namespace

TEST_CASE("pretix test_team_list: the token's team is listed as TEST_TEAM_RES", "[blackbox][pretix]") {
  PretixFixture f;
  auto r = f.api->get(PretixFixture::org("/teams/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("<none>") == "application/json");
  json::array expected{test_team_res(f.team_id)};
  CHECK(results_of(r) == json::value(expected));
  REQUIRE(results_of(r).as_array().size() == 1);
  CHECK(keys_of(results_of(r).as_array()[0]) == team_key_order());
}

TEST_CASE("pretix test_team_detail: a team's detail is SECOND_TEAM_RES", "[blackbox][pretix]") {
  PretixFixture f({.second_team = true});
  auto r = f.api->get(f.team_path(f.second_team_id));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.json() == second_team_res(f.second_team_id));
  CHECK(keys_of(r.json()) == team_key_order());
}

TEST_CASE("pretix test_team_create: a created team is limited to the named event", "[blackbox][pretix]") {
  PretixFixture f;
  auto r = f.api->post_json(PretixFixture::org("/teams/"), R"({"name":"Foobar","limit_events":["dummy"]})");
  INFO(describe(r));
  REQUIRE(r.status == 201);
  CHECK(keys_of(r.json()) == team_key_order());
  auto id = r.json().at("id").as_int64();
  auto stored = f.api->get(f.team_path(id));
  INFO(describe(stored));
  REQUIRE(stored.status == 200);
  CHECK(stored.json().at("limit_events") == parse(R"(["dummy"])"));
}

TEST_CASE("pretix test_team_update: PATCH changes a flag, all_events against stored limit_events is 400",
          "[blackbox][pretix]") {
  PretixFixture f({.second_team = true});
  CHECK(f.api->get(f.team_path(f.second_team_id)).json().at("can_change_event_settings") == false);
  auto r = f.api->patch_json(f.team_path(f.second_team_id), R"({"can_change_event_settings":true})");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(f.api->get(f.team_path(f.second_team_id)).json().at("can_change_event_settings") == true);

  auto bad = f.api->patch_json(f.team_path(f.second_team_id), R"({"all_events":true})");
  INFO(describe(bad));
  CHECK(bad.status == 400);
  // Not asserted by pretix's test, but the body pretix sends (behaviour §1.1).
  CHECK(bad.body == R"({"non_field_errors":["Do not set both limit_events and all_events."]})");
}

TEST_CASE("pretix test_team_delete: deleting a team leaves one team", "[blackbox][pretix]") {
  PretixFixture f({.second_team = true});
  auto r = f.api->del(f.team_path(f.second_team_id));
  INFO(describe(r));
  REQUIRE(r.status == 204);
  CHECK(r.body.empty());
  CHECK_FALSE(r.header("Content-Type").has_value());  // DRF drops it from an empty response
  auto list = f.api->get(PretixFixture::org("/teams/"));
  REQUIRE(list.status == 200);
  CHECK(list.json().at("count") == 1);
}

TEST_CASE("pretix test_team_members_list: a member is listed with id, email, fullname null, require_2fa",
          "[blackbox][pretix]") {
  PretixFixture f;
  // team.members.add(user): through the API, an invite of an existing user adds them directly.
  REQUIRE(f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "dummy@dummy.dummy"}}).status == 201);
  auto r = f.api->get(f.team_path(f.team_id, "members/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(results_of(r) == json::value(json::array{member_res(f.user_id)}));
  REQUIRE(results_of(r).as_array().size() == 1);
  CHECK(keys_of(results_of(r).as_array()[0]) == std::vector<std::string>{"id", "email", "fullname", "require_2fa"});
}

TEST_CASE("pretix test_team_members_detail: a member's detail", "[blackbox][pretix]") {
  PretixFixture f;
  REQUIRE(f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "dummy@dummy.dummy"}}).status == 201);
  auto r = f.api->get(f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.json() == member_res(f.user_id));
}

TEST_CASE("pretix test_team_members_delete: removing a member keeps the user", "[blackbox][pretix]") {
  PretixFixture f;
  REQUIRE(f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "dummy@dummy.dummy"}}).status == 201);
  auto r = f.api->del(f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"));
  INFO(describe(r));
  REQUIRE(r.status == 204);
  CHECK(f.api->get(f.team_path(f.team_id, "members/")).json().at("count") == 0);
  // User.objects.filter(pk=user.pk).exists(): the user is still a member of organizer other's team.
  Api other(f.server.port(), f.other_init.token);
  auto others = other.get("/api/v1/organizers/other/teams/" + std::to_string(f.other_init.team_id()) + "/members/");
  INFO(describe(others));
  REQUIRE(others.status == 200);
  CHECK(results_of(others) == json::value(json::array{member_res(f.user_id)}));
}

TEST_CASE("pretix test_team_invites_list: the invite is listed with id and email", "[blackbox][pretix]") {
  PretixFixture f({.invite = true});
  auto r = f.api->get(f.team_path(f.team_id, "invites/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(results_of(r) == parse(R"([{"id":)" + std::to_string(f.invite_id) + R"(,"email":"foo@bar.com"}])"));
  CHECK(keys_of(results_of(r).as_array().at(0)) == std::vector<std::string>{"id", "email"});
}

TEST_CASE("pretix test_team_invites_detail: an invite's detail", "[blackbox][pretix]") {
  PretixFixture f({.invite = true});
  auto r = f.api->get(f.team_path(f.team_id, "invites/" + std::to_string(f.invite_id) + "/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.json() == parse(R"({"id":)" + std::to_string(f.invite_id) + R"(,"email":"foo@bar.com"})"));
}

TEST_CASE("pretix test_team_invites_delete: deleting the invite leaves none", "[blackbox][pretix]") {
  PretixFixture f({.invite = true});
  auto r = f.api->del(f.team_path(f.team_id, "invites/" + std::to_string(f.invite_id) + "/"));
  INFO(describe(r));
  REQUIRE(r.status == 204);
  CHECK(f.api->get(f.team_path(f.team_id, "invites/")).json().at("count") == 0);
}

TEST_CASE("pretix test_team_invites_create: new address invited, duplicates refused, existing user added",
          "[blackbox][pretix]") {
  PretixFixture f;
  const auto path = f.team_path(f.team_id, "invites/");

  auto r1 = f.api->post_form(path, {{"email", "newmail@dummy.dummy"}});
  INFO("first invite: " << describe(r1));
  REQUIRE(r1.status == 201);
  auto invites = f.api->get(path);
  REQUIRE(invites.json().at("count") == 1);
  CHECK(results_of(invites).as_array().at(0).at("email") == "newmail@dummy.dummy");

  auto r2 = f.api->post_form(path, {{"email", "newmail@dummy.dummy"}});
  INFO("second invite: " << describe(r2));
  CHECK(r2.status == 400);
  CHECK(r2.body == R"(["This user already has been invited for this team."])");

  auto r3 = f.api->post_form(path, {{"email", "dummy@dummy.dummy"}});
  INFO("existing user: " << describe(r3));
  REQUIRE(r3.status == 201);
  const auto created = r3.json();
  const auto* id = created.as_object().if_contains("id");
  CHECK((id == nullptr || id->is_null() || (id->is_int64() && id->as_int64() == 0)));  // not resp.data.get('id')
  CHECK(f.api->get(path).json().at("count") == 1);
  auto members = results_of(f.api->get(f.team_path(f.team_id, "members/"))).as_array();
  CHECK(std::any_of(members.begin(), members.end(),
                    [&](const json::value& m) { return m.at("id") == f.user_id; }));

  auto r4 = f.api->post_form(path, {{"email", "dummy@dummy.dummy"}});
  INFO("existing member: " << describe(r4));
  CHECK(r4.status == 400);
  CHECK(r4.body == R"(["This user already has permissions for this team."])");
}

// pretix's `len(mail.outbox) == 1`. Hidden until invites are mailed (the outbox of issue 8); run it with
// `blackbox_test "[mail]"`.
TEST_CASE("pretix test_team_invites_create: the new address gets one mail, the existing user none",
          "[blackbox][pretix][.][mail]") {
  PretixFixture f;
  const auto path = f.team_path(f.team_id, "invites/");
  const auto mails_before = eml_files(f.server.data_dir()).size();
  REQUIRE(f.api->post_form(path, {{"email", "newmail@dummy.dummy"}}).status == 201);
  auto mails = wait_for_eml(f.server.data_dir(), mails_before + 1);
  REQUIRE(mails.size() == mails_before + 1);
  bool to_newmail = std::any_of(mails.begin(), mails.end(), [](const auto& p) {
    return read_file(p).find("newmail@dummy.dummy") != std::string::npos;
  });
  CHECK(to_newmail);
  REQUIRE(f.api->post_form(path, {{"email", "dummy@dummy.dummy"}}).status == 201);
  CHECK(eml_files(f.server.data_dir()).size() == mails_before + 1);
}

TEST_CASE("pretix test_team_tokens_list: the token is listed without its secret", "[blackbox][pretix]") {
  PretixFixture f({.token = true});
  auto r = f.api->get(f.team_path(f.second_team_id, "tokens/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(results_of(r) ==
        parse(R"([{"id":)" + std::to_string(f.token_id) + R"(,"name":"Testtoken","active":true}])"));
  CHECK(keys_of(results_of(r).as_array().at(0)) == std::vector<std::string>{"id", "name", "active"});
}

TEST_CASE("pretix test_team_tokens_detail: a token's detail", "[blackbox][pretix]") {
  PretixFixture f({.token = true});
  auto r = f.api->get(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.token_id) + "/"));
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.json() == parse(R"({"id":)" + std::to_string(f.token_id) + R"(,"name":"Testtoken","active":true})"));
}

TEST_CASE("pretix test_team_tokens_delete: DELETE answers 200 and deactivates the token", "[blackbox][pretix]") {
  PretixFixture f({.token = true});
  const auto path = f.team_path(f.second_team_id, "tokens/" + std::to_string(f.token_id) + "/");
  auto r = f.api->del(path);
  INFO(describe(r));
  REQUIRE(r.status == 200);
  // Not asserted by pretix's test: the body is the deactivated token (behaviour §2.4).
  CHECK(r.json() == parse(R"({"id":)" + std::to_string(f.token_id) + R"(,"name":"Testtoken","active":false})"));
  auto stored = f.api->get(path);
  REQUIRE(stored.status == 200);
  CHECK(stored.json().at("active") == false);
}

TEST_CASE("pretix test_team_token_create: the new token's secret is returned once and works",
          "[blackbox][pretix]") {
  PretixFixture f({.second_team = true});
  auto r = f.api->post_form(f.team_path(f.second_team_id, "tokens/"), {{"name", "New token"}});
  INFO(describe(r));
  REQUIRE(r.status == 201);
  CHECK(keys_of(r.json()) == std::vector<std::string>{"id", "name", "active", "token"});
  auto list = f.api->get(f.team_path(f.second_team_id, "tokens/"));
  REQUIRE(list.json().at("count") == 1);
  auto t = results_of(list).as_array().at(0);
  CHECK(t.at("name") == "New token");
  CHECK(t.at("active") == true);
  CHECK(t.at("id") == r.json().at("id"));
  // resp.data['token'] == t.token: the secret is pretix-shaped and authenticates as that token (whose team
  // lacks can_change_teams, so a team read is 403, not 401).
  const std::string secret(r.json().at("token").as_string());
  CHECK(secret.size() == 64);
  CHECK(secret.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
  Api as_new(f.server.port(), secret);
  auto probe = as_new.get(PretixFixture::org("/teams/"));
  INFO(describe(probe));
  CHECK(probe.status == 403);
}
