// GIVEN past events / WHEN a command / THEN events or the exact error: pretix's own API test cases and rules.
#include <catch2/catch.hpp>

#include "domain_fixture.hpp"
#include "events/crypto.hpp"
#include "events/types.hpp"
#include "projections/keys.hpp"

using namespace teamlog;
using namespace teamlog::commands;
using teamlog::testing::Domain;
using teamlog::testing::PretixFixture;

namespace {

const std::string kTestTeamRes =
    R"({"id":1,"name":"Test-Team","all_events":true,"limit_events":[],"can_create_events":true,)"
    R"("can_change_teams":true,"can_change_organizer_settings":true,"can_manage_gift_cards":true,)"
    R"("can_change_event_settings":true,"can_change_items":true,"can_view_orders":true,"can_change_orders":true,)"
    R"("can_view_vouchers":true,"can_change_vouchers":true,"can_checkin_orders":false,"can_manage_customers":true})";
const std::string kSecondTeamRes =
    R"({"id":2,"name":"User team","all_events":false,"limit_events":["dummy"],"can_create_events":false,)"
    R"("can_change_teams":false,"can_change_organizer_settings":false,"can_manage_gift_cards":false,)"
    R"("can_change_event_settings":false,"can_change_items":false,"can_view_orders":false,"can_change_orders":false,)"
    R"("can_view_vouchers":false,"can_change_vouchers":false,"can_checkin_orders":false,"can_manage_customers":false})";

std::vector<FieldError> fields_of(const Result<Decision>& d) { return d.error().fields; }

bool same(const std::vector<FieldError>& a, const std::vector<FieldError>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].field != b[i].field || a[i].message != b[i].message) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("pretix 1-2: team list and detail render in serializer order", "[domain][pretix]") {
  PretixFixture f;
  auto page = f.queries().teams("dummy", 0, 50);
  CHECK(page.count == 2);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0] == kTestTeamRes);
  CHECK(f.queries().team("dummy", 2) == kSecondTeamRes);
}

TEST_CASE("pretix 3: creating a team with limit_events records pretix.team.created", "[domain][pretix]") {
  PretixFixture f;
  auto d = f.run(CreateTeam{"dummy", Domain::json(R"({"name":"Foobar","limit_events":["dummy"]})")});
  REQUIRE(d.ok());
  CHECK(d->outcome == Outcome::kCreated);
  CHECK(d->body.starts_with(R"({"id":3,"name":"Foobar","all_events":false,"limit_events":["dummy"],)"));
  REQUIRE(d->append.events.size() == 1);
  CHECK(d->append.events[0].type == "pretix.team.created");
  CHECK(d->append.events[0].stream == "team-3");
  // The audit data is pretix's: the raw request body plus the id, keys sorted.
  CHECK(d->append.events[0].data.find(R"("log":{"id":3,"limit_events":["dummy"],"name":"Foobar"})") != std::string::npos);
  CHECK(f.queries().team("dummy", 3) == d->body);
}

TEST_CASE("the audit data of a request masks truthy passwords, secrets and API keys and sorts the keys",
          "[domain][pretix]") {
  PretixFixture f;
  auto d = f.run(CreateTeam{"dummy", Domain::json(R"({"name":"Masked","password":"","limit_events":[],)"
                                                  R"("client_secret":0,"api_key":"k"})")});
  REQUIRE(d.ok());
  REQUIRE(d->append.events.size() == 1);
  CHECK(d->append.events[0].data.find(R"("log":{"api_key":"********","client_secret":0,"id":3,"limit_events":[],)"
                                      R"("name":"Masked","password":""})") != std::string::npos);
}

TEST_CASE("pretix 4: PATCH changes one flag, all_events against stored limit_events is refused", "[domain][pretix]") {
  PretixFixture f;
  auto a = f.run(UpdateTeam{"dummy", 2, Domain::json(R"({"can_change_event_settings":true})"), true});
  REQUIRE(a.ok());
  CHECK(a->body.find(R"("can_change_event_settings":true)") != std::string::npos);
  auto b = f.run(UpdateTeam{"dummy", 2, Domain::json(R"({"all_events":true})"), true});
  REQUIRE_FALSE(b.ok());
  CHECK(same(fields_of(b), {{"non_field_errors", "Do not set both limit_events and all_events."}}));
  // Switching works when limit_events is cleared in the same request.
  CHECK(f.run(UpdateTeam{"dummy", 2, Domain::json(R"({"all_events":true,"limit_events":[]})"), true}).ok());
}

TEST_CASE("pretix 5: deleting a team leaves one team and its tokens stop authenticating", "[domain][pretix]") {
  PretixFixture f;
  REQUIRE(f.queries().token_by_digest(to_hex(sha256("testtoken-secret"))));
  auto d = f.run(DeleteTeam{"dummy", 2});
  REQUIRE(d.ok());
  CHECK(d->outcome == Outcome::kNoContent);
  CHECK(f.queries().teams("dummy", 0, 50).count == 1);
  CHECK_FALSE(f.queries().token_by_digest(to_hex(sha256("testtoken-secret"))));
  CHECK(f.queries().tokens(2, 0, 50).count == 0);
  // Deleting the team whose token acts works too (pretix answers 500 there).
  CHECK(f.run(DeleteTeam{"dummy", 1}).ok());
  CHECK(f.run(DeleteTeam{"dummy", 1}).error().code == ErrorCode::kNotFound);
}

TEST_CASE("pretix 6-8: members list, detail and removal", "[domain][pretix]") {
  PretixFixture f;
  // pretix's test adds the user directly; here through the invite of an existing account.
  auto added = f.run(CreateInvite{"dummy", 1, Domain::json(R"({"email":"dummy@dummy.dummy"})")});
  REQUIRE(added.ok());
  const std::string member = R"({"id":1,"email":"dummy@dummy.dummy","fullname":null,"require_2fa":false})";
  auto page = f.queries().members(1, 0, 50);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0] == member);
  CHECK(f.queries().member(1, 1) == member);
  auto removed = f.run(RemoveMember{"dummy", 1, 1});
  REQUIRE(removed.ok());
  CHECK(removed->append.events[0].type == "pretix.team.member.removed");
  CHECK(f.queries().members(1, 0, 50).count == 0);
  CHECK(f.queries().user(1).has_value());
  CHECK(f.run(RemoveMember{"dummy", 1, 1}).error().code == ErrorCode::kNotFound);
}

TEST_CASE("pretix 9-12: invites list, detail, delete and the four-step create", "[domain][pretix]") {
  PretixFixture f;
  auto first = f.run(CreateInvite{"dummy", 1, Domain::form({{"email", "newmail@dummy.dummy"}})});
  REQUIRE(first.ok());
  CHECK(first->outcome == Outcome::kCreated);
  CHECK(first->body == R"({"id":1,"email":"newmail@dummy.dummy"})");
  CHECK(first->append.events[0].type == "pretix.team.invite.created");

  auto again = f.run(CreateInvite{"dummy", 1, Domain::form({{"email", "NewMail@dummy.dummy"}})});
  REQUIRE_FALSE(again.ok());
  CHECK(same(fields_of(again), {{"", "This user already has been invited for this team."}}));

  auto existing = f.run(CreateInvite{"dummy", 1, Domain::form({{"email", "dummy@dummy.dummy"}})});
  REQUIRE(existing.ok());
  CHECK(existing->body == R"({"id":null,"email":"dummy@dummy.dummy"})");
  CHECK(existing->append.events[0].type == "pretix.team.member.added");
  CHECK(f.queries().invites(1, 0, 50).count == 1);
  CHECK(f.queries().is_member(1, 1));

  auto member_again = f.run(CreateInvite{"dummy", 1, Domain::form({{"email", "DUMMY@dummy.dummy"}})});
  REQUIRE_FALSE(member_again.ok());
  CHECK(same(fields_of(member_again), {{"", "This user already has permissions for this team."}}));

  CHECK(f.queries().invite(1, 1) == R"({"id":1,"email":"newmail@dummy.dummy"})");
  auto page = f.queries().invites(1, 0, 50);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0] == R"({"id":1,"email":"newmail@dummy.dummy"})");
  auto deleted = f.run(DeleteInvite{"dummy", 1, 1});
  REQUIRE(deleted.ok());
  CHECK(deleted->append.events[0].data.find(R"("log":{"email":"newmail@dummy.dummy"})") != std::string::npos);
  CHECK(f.queries().invites(1, 0, 50).count == 0);
}

TEST_CASE("invite emails: missing, blank, null and invalid are refused with pretix's bodies", "[domain]") {
  PretixFixture f;
  CHECK(same(fields_of(f.run(CreateInvite{"dummy", 1, Domain::json("{}")})), {{"", "No email address given."}}));
  CHECK(same(fields_of(f.run(CreateInvite{"dummy", 1, Domain::json(R"({"email":"nope"})")})),
             {{"email", "Enter a valid email address."}}));
  CHECK(same(fields_of(f.run(CreateInvite{"dummy", 1, Domain::json(R"({"email":""})")})),
             {{"email", "This field may not be blank."}}));
  CHECK(same(fields_of(f.run(CreateInvite{"dummy", 1, Domain::json(R"({"email":null})")})),
             {{"email", "This field may not be null."}}));
  CHECK(f.log.size() == 7);  // nothing recorded for any of them
}

TEST_CASE("pretix 13-16: tokens list, detail, revoke (200, idempotent) and create", "[domain][pretix]") {
  PretixFixture f;
  CHECK(f.queries().tokens(2, 0, 50).items == std::vector<std::string>{R"({"id":2,"name":"Testtoken","active":true})"});
  CHECK(f.queries().token(2, 2) == R"({"id":2,"name":"Testtoken","active":true})");
  auto revoked = f.run(RevokeToken{"dummy", 2, 2});
  REQUIRE(revoked.ok());
  CHECK(revoked->outcome == Outcome::kOk);
  CHECK(revoked->body == R"({"id":2,"name":"Testtoken","active":false})");
  auto grant = f.queries().token_by_digest(to_hex(sha256("testtoken-secret")));
  REQUIRE(grant);
  CHECK_FALSE(grant->active);
  CHECK(f.run(RevokeToken{"dummy", 2, 2}).ok());  // again: 200 and logged again
  CHECK(f.log.back().type == "pretix.team.token.deleted");

  auto created = f.run(CreateToken{"dummy", 2, Domain::form({{"name", "New token"}})});
  REQUIRE(created.ok());
  CHECK(created->outcome == Outcome::kCreated);
  CHECK(created->body.starts_with(R"({"id":3,"name":"New token","active":true,"token":"secret)"));
  // The secret is in the response only; the event holds its digest.
  const std::string secret = created->body.substr(created->body.find("\"token\":\"") + 9, 64);
  CHECK(secret.size() == 64);
  CHECK(created->append.events[0].data.find(secret) == std::string::npos);
  CHECK(created->append.events[0].data.find(to_hex(sha256(secret))) != std::string::npos);
  auto new_grant = f.queries().token_by_digest(to_hex(sha256(secret)));
  REQUIRE(new_grant);
  CHECK(new_grant->active);
  CHECK(new_grant->organizer == "dummy");
  CHECK_FALSE(new_grant->has("can_change_teams"));
  // Ordered by name: "New token" before "Testtoken".
  auto page = f.queries().tokens(2, 0, 50);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].find("New token") != std::string::npos);
}

TEST_CASE("creating a team with an empty body reports name then limit_events", "[domain]") {
  PretixFixture f;
  auto d = f.run(CreateTeam{"dummy", Domain::json("{}")});
  REQUIRE_FALSE(d.ok());
  CHECK(same(fields_of(d), {{"name", "This field is required."}, {"limit_events", "This field is required."}}));
  auto unknown = f.run(CreateTeam{"dummy", Domain::json(R"({"name":"x","limit_events":["nope"]})")});
  CHECK(same(fields_of(unknown), {{"limit_events", "Object with slug=nope does not exist."}}));
}

TEST_CASE("PUT requires name and limit_events and keeps omitted booleans", "[domain]") {
  PretixFixture f;
  auto missing = f.run(UpdateTeam{"dummy", 1, Domain::json(R"({"can_checkin_orders":true})"), false});
  CHECK(same(fields_of(missing), {{"name", "This field is required."}, {"limit_events", "This field is required."}}));
  auto put = f.run(UpdateTeam{"dummy", 1, Domain::json(R"({"name":"Renamed","limit_events":[]})"), false});
  REQUIRE(put.ok());
  CHECK(put->body == std::string(kTestTeamRes).replace(kTestTeamRes.find("Test-Team"), 9, "Renamed"));
}

TEST_CASE("a deleted event disappears from the teams that named it", "[domain]") {
  PretixFixture f;
  auto d = f.run(DeleteEvent{"dummy", "dummy"});
  REQUIRE(d.ok());
  CHECK(f.queries().team("dummy", 2)->find(R"("limit_events":[])") != std::string::npos);
  CHECK_FALSE(f.queries().event("dummy", "dummy"));
}

TEST_CASE("a team's events follow its changes: deleting an event it no longer names leaves it alone", "[domain]") {
  PretixFixture f;
  f.ok(CreateEvent{"dummy", Domain::json(R"({"name":"A","slug":"ev-a","date_from":"2020-01-01T00:00:00Z"})")});
  f.ok(CreateEvent{"dummy", Domain::json(R"({"name":"B","slug":"ev-b","date_from":"2021-01-01T00:00:00Z"})")});
  auto body = f.ok(CreateTeam{"dummy", Domain::json(R"({"name":"T","limit_events":["ev-a"]})")});
  const std::int64_t team = boost::json::parse(body).at("id").as_int64();
  auto events_of = [&] {
    auto row = boost::json::parse(*f.queries().team("dummy", team));
    return boost::json::serialize(row.at("limit_events"));
  };
  // A change that keeps the events, one that swaps "ev-a" for "ev-b", one that keeps them again: deleting
  // "ev-a" then leaves the team alone, deleting "ev-b" empties it.
  f.ok(UpdateTeam{"dummy", team, Domain::json(R"({"can_change_items":true})"), true});
  CHECK(events_of() == R"(["ev-a"])");
  f.ok(UpdateTeam{"dummy", team, Domain::json(R"({"limit_events":["ev-b"]})"), true});
  CHECK(events_of() == R"(["ev-b"])");
  f.ok(UpdateTeam{"dummy", team, Domain::json(R"({"can_change_orders":true})"), true});
  f.ok(DeleteEvent{"dummy", "ev-a"});
  CHECK(events_of() == R"(["ev-b"])");
  CHECK(f.queries().team("dummy", team)->find(R"("can_change_items":true)") != std::string::npos);
  f.ok(DeleteEvent{"dummy", "ev-b"});
  CHECK(events_of() == "[]");
  // The same once more through a name with the characters that end an array or a string in JSON text.
  f.ok(CreateEvent{"dummy", Domain::json(R"({"name":"C","slug":"ev-c","date_from":"2022-01-01T00:00:00Z"})")});
  f.ok(UpdateTeam{"dummy", team, Domain::json(R"({"name":"x\"],\"limit_events\":[","limit_events":["ev-c"]})"), true});
  f.ok(UpdateTeam{"dummy", team, Domain::json(R"({"can_view_orders":true})"), true});
  CHECK(events_of() == R"(["ev-c"])");
  f.ok(DeleteEvent{"dummy", "ev-c"});
  CHECK(events_of() == "[]");
}

TEST_CASE("limit_events come out in event order (date_from, name, slug)", "[domain]") {
  PretixFixture f;
  f.ok(CreateEvent{"dummy", Domain::json(R"({"name":"Early","slug":"early","date_from":"2010-01-01T00:00:00Z"})")});
  f.ok(CreateEvent{"dummy", Domain::json(R"({"name":"Late","slug":"late","date_from":"2030-01-01T00:00:00Z"})")});
  auto body = f.ok(CreateTeam{"dummy", Domain::json(R"({"name":"T","limit_events":["late","dummy","early"]})")});
  CHECK(body.find(R"("limit_events":["early","dummy","late"])") != std::string::npos);
}

TEST_CASE("init creates the organizer, an admin user, team, membership and token atomically", "[domain]") {
  Domain d;
  auto r = d.run(InitOrganizer{"acme", "ACME", "Admin@Example.com", std::string("Ada")});
  REQUIRE(r.ok());
  CHECK(r->append.events.size() == 5);
  CHECK(r->body.find(R"("user":{"id":1,"email":"admin@example.com","fullname":"Ada","require_2fa":false})") !=
        std::string::npos);
  auto token = r->body.substr(r->body.find("\"token\":\"") + 9, 64);
  auto grant = d.queries().token_by_digest(to_hex(sha256(token)));
  REQUIRE(grant);
  CHECK(grant->has("can_change_teams"));
  CHECK(grant->organizer == "acme");
  CHECK(d.run(InitOrganizer{"acme", "", "x@example.com", std::nullopt}).error().code == ErrorCode::kAlreadyExists);
  // A second organizer with the same admin reuses the user.
  auto second = d.run(InitOrganizer{"other", "", "admin@example.com", std::nullopt});
  REQUIRE(second.ok());
  CHECK(second->append.events.size() == 4);
  CHECK_FALSE(d.run(InitOrganizer{"x", "", "admin@example.com", std::nullopt}).ok());  // slug too short
}

TEST_CASE("the audit view has pretix's action types and data, by organizer and team", "[domain][audit]") {
  PretixFixture f;
  f.ok(CreateToken{"dummy", 2, Domain::json(R"({"name":"Audit me"})")});
  f.ok(RevokeToken{"dummy", 2, 3});
  projections::AuditFilter team2;
  team2.team = 2;
  auto page = f.queries().audit("dummy", team2, 0, 50);
  REQUIRE(page.count == 4);
  CHECK(page.items[2].find(R"("action_type":"pretix.team.token.created","team":2,"actor":{"type":"token","id":1,"name":"Foo"},"data":{"id":3,"name":"Audit me"})") != std::string::npos);
  projections::AuditFilter revoked;
  revoked.action_type = "pretix.team.token.deleted";
  auto only = f.queries().audit("dummy", revoked, 0, 50);
  CHECK(only.count == 1);
  projections::AuditFilter after;
  after.after = 8;
  CHECK(f.queries().audit("dummy", after, 0, 50).count == 1);
}

TEST_CASE("a team's audit entries page through its index blocks in order, also after a position", "[domain][audit]") {
  PretixFixture f;
  // Enough entries for several blocks of the team index, interleaved with another team's.
  for (int i = 0; i < 90; ++i) {
    f.ok(CreateToken{"dummy", 2, Domain::json(R"({"name":"T)" + std::to_string(i) + R"("})")});
    if (i % 3 == 0) f.ok(CreateToken{"dummy", 1, Domain::json(R"({"name":"Other"})")});
  }
  auto positions_of = [](const projections::Page& page) {
    std::vector<std::int64_t> out;
    for (const auto& item : page.items) out.push_back(boost::json::parse(item).at("position").as_int64());
    return out;
  };
  // What the team filter must give: the organizer's entries of team 2.
  std::vector<std::int64_t> expected;
  for (const auto& item : f.queries().audit("dummy", {}, 0, 1000).items) {
    const auto entry = boost::json::parse(item);
    if (entry.at("team") == 2) expected.push_back(entry.at("position").as_int64());
  }
  REQUIRE(expected.size() > 2 * static_cast<std::size_t>(keys::kAuditTeamBlock));
  projections::AuditFilter team2;
  team2.team = 2;
  const auto whole = f.queries().audit("dummy", team2, 0, 1000);
  CHECK(whole.count == static_cast<std::int64_t>(expected.size()));
  CHECK(positions_of(whole) == expected);
  std::vector<std::int64_t> paged;
  for (std::int64_t offset = 0; offset < static_cast<std::int64_t>(expected.size()); offset += 7) {
    const auto page = f.queries().audit("dummy", team2, offset, 7);
    CHECK(page.count == static_cast<std::int64_t>(expected.size()));
    for (auto p : positions_of(page)) paged.push_back(p);
  }
  CHECK(paged == expected);
  // After a position inside the second block: the rest, in order, counted.
  team2.after = static_cast<std::uint64_t>(expected[40]);
  const auto rest = f.queries().audit("dummy", team2, 0, 1000);
  CHECK(rest.count == static_cast<std::int64_t>(expected.size()) - 41);
  CHECK(positions_of(rest) == std::vector<std::int64_t>(expected.begin() + 41, expected.end()));
}
