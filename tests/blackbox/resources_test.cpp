// Resource semantics beyond pretix's own tests that a pretix client still relies on: PUT/PATCH rules, unknown and
// read-only fields, email case handling, list orderings, token revocation, request encodings.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "fixture.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;

namespace {

std::vector<std::string> column(const Response& r, const char* key) {
  std::vector<std::string> out;
  const auto body = r.json();
  for (const auto& item : body.at("results").as_array()) out.emplace_back(item.at(key).as_string());
  return out;
}

}  // namespace

TEST_CASE("PUT needs name and limit_events and keeps omitted booleans, PATCH can switch to all events",
          "[blackbox][resources]") {
  PretixFixture f({.second_team = true});
  const auto team = f.team_path(f.second_team_id);
  REQUIRE(f.api->patch_json(team, R"({"can_view_orders":true})").status == 200);

  auto put = f.api->put_json(team, R"({"name":"Renamed","limit_events":[]})");
  INFO(describe(put));
  REQUIRE(put.status == 200);
  auto expected = second_team_res(f.second_team_id);
  expected.as_object()["name"] = "Renamed";
  expected.as_object()["limit_events"] = json::array{};
  expected.as_object()["can_view_orders"] = true;  // a boolean left out of a JSON PUT keeps its value (DRF)
  CHECK(put.json() == expected);
  CHECK(keys_of(put.json()) == team_key_order());
  CHECK(f.api->get(team).body == put.body);

  auto empty_put = f.api->put_json(team, "{}");
  INFO(describe(empty_put));
  CHECK(empty_put.status == 400);
  CHECK(empty_put.body == R"({"name":["This field is required."],"limit_events":["This field is required."]})");

  // Back to an event limit, then switching to all events needs limit_events cleared in the same request.
  REQUIRE(f.api->patch_json(team, R"({"limit_events":["dummy"]})").status == 200);
  CHECK(f.api->patch_json(team, R"({"all_events":true})").status == 400);
  auto both = f.api->patch_json(team, R"({"all_events":true,"limit_events":[]})");
  INFO(describe(both));
  REQUIRE(both.status == 200);
  CHECK(both.json().at("all_events") == true);
  CHECK(both.json().at("limit_events") == json::value(json::array{}));
}

TEST_CASE("unknown fields and a sent id are ignored on create, names round-trip non-ASCII text",
          "[blackbox][resources]") {
  PretixFixture f;
  auto r = f.api->post_json(PretixFixture::org("/teams/"),
                            R"({"id":999999,"name":"Caf\u00e9 \u2615 \ud83d\ude00","limit_events":[],"bogus":1})");
  INFO(describe(r));
  REQUIRE(r.status == 201);
  CHECK(r.json().at("id") != 999999);
  CHECK(keys_of(r.json()) == team_key_order());
  CHECK(r.json().at("name") == "Caf\xC3\xA9 \xE2\x98\x95 \xF0\x9F\x98\x80");
  auto stored = f.api->get(f.team_path(r.json().at("id").as_int64()));
  CHECK(stored.json() == r.json());
  CHECK(f.api->get(f.team_path(999999)).status == 404);

  // DRF's field parsing: strings and numbers as booleans, names trimmed.
  auto loose = f.api->post_json(PretixFixture::org("/teams/"),
                                R"({"name":"  Padded  ","limit_events":[],"can_view_orders":"true",)"
                                R"("can_change_items":1,"all_events":"False"})");
  INFO(describe(loose));
  REQUIRE(loose.status == 201);
  CHECK(loose.json().at("name") == "Padded");
  CHECK(loose.json().at("can_view_orders") == true);
  CHECK(loose.json().at("can_change_items") == true);
  CHECK(loose.json().at("all_events") == false);
}

TEST_CASE("invite emails are kept as sent and matched case-insensitively against invites and users",
          "[blackbox][resources]") {
  PretixFixture f;
  const auto invites = f.team_path(f.team_id, "invites/");
  auto first = f.api->post_form(invites, {{"email", "Foo@Bar.com"}});
  INFO(describe(first));
  REQUIRE(first.status == 201);
  CHECK(first.json().at("email") == "Foo@Bar.com");
  CHECK(keys_of(first.json()) == std::vector<std::string>{"id", "email"});

  auto again = f.api->post_form(invites, {{"email", "foo@bar.COM"}});
  INFO(describe(again));
  CHECK(again.status == 400);
  CHECK(again.body == R"(["This user already has been invited for this team."])");

  auto user = f.api->post_form(invites, {{"email", "DUMMY@Dummy.dummy"}});
  INFO(describe(user));
  CHECK(user.status == 201);
  CHECK(user.body == R"({"id":null,"email":"dummy@dummy.dummy"})");

  // teamlog's deliberate improvement: an empty address is a field error (pretix would accept it).
  auto empty = f.api->post_form(invites, {{"email", ""}});
  INFO(describe(empty));
  CHECK(empty.status == 400);
  CHECK(keys_of(empty.json()) == std::vector<std::string>{"email"});
  CHECK(f.api->get(invites).json().at("count") == 1);

  // JSON and urlencoded bodies work as well as multipart.
  auto as_json = f.api->post_json(invites, R"({"email":"json@example.org"})");
  CHECK(as_json.status == 201);
  auto urlencoded = f.api->request("POST", invites,
                                   {{"Authorization", "Token " + f.foo_token},
                                    {"Content-Type", "application/x-www-form-urlencoded"}},
                                   "email=url%40example.org");
  INFO(describe(urlencoded));
  CHECK(urlencoded.status == 201);
  CHECK(urlencoded.json().at("email") == "url@example.org");
}

TEST_CASE("members and invites are listed by email, tokens by name", "[blackbox][resources]") {
  PretixFixture f({.second_team = true});
  const auto team = [&](const std::string& rest) { return f.team_path(f.second_team_id, rest); };
  // Existing users are added directly: dummy@ first, then admin@ (the init's admin, whose team is gone).
  REQUIRE(f.api->post_form(team("invites/"), {{"email", "dummy@dummy.dummy"}}).status == 201);
  REQUIRE(f.api->post_form(team("invites/"), {{"email", "admin@dummy.dummy"}}).status == 201);
  CHECK(column(f.api->get(team("members/")), "email") ==
        std::vector<std::string>{"admin@dummy.dummy", "dummy@dummy.dummy"});

  for (const auto* email : {"zeta@example.org", "alpha@example.org", "mu@example.org"}) {
    REQUIRE(f.api->post_form(team("invites/"), {{"email", email}}).status == 201);
  }
  CHECK(column(f.api->get(team("invites/")), "email") ==
        std::vector<std::string>{"alpha@example.org", "mu@example.org", "zeta@example.org"});

  for (const auto* name : {"Zeta", "Alpha", "Mu"}) {
    REQUIRE(f.api->post_form(team("tokens/"), {{"name", name}}).status == 201);
  }
  CHECK(column(f.api->get(team("tokens/")), "name") == std::vector<std::string>{"Alpha", "Mu", "Zeta"});
}

TEST_CASE("a token is created active whatever is sent, and revoking it twice answers 200 both times",
          "[blackbox][resources]") {
  PretixFixture f({.second_team = true});
  const auto tokens = f.team_path(f.second_team_id, "tokens/");
  auto created = f.api->post_form(tokens, {{"name", "Forced"}, {"active", "false"}});
  INFO(describe(created));
  REQUIRE(created.status == 201);
  CHECK(created.json().at("active") == true);
  const auto path = tokens + std::to_string(created.json().at("id").as_int64()) + "/";
  const std::string expected =
      R"({"id":)" + std::to_string(created.json().at("id").as_int64()) + R"(,"name":"Forced","active":false})";
  auto first = f.api->del(path);
  auto second = f.api->del(path);
  INFO(describe(first) << "\n" << describe(second));
  CHECK(first.status == 200);
  CHECK(first.body == expected);
  CHECK(second.status == 200);
  CHECK(second.body == expected);
  // Inactive tokens stay in the list.
  CHECK(f.api->get(tokens).json().at("count") == 1);

  auto blank = f.api->post_form(tokens, {{"name", ""}});
  INFO(describe(blank));
  CHECK(blank.status == 400);
  CHECK(blank.body == R"({"name":["This field may not be blank."]})");
}
