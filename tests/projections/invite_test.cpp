// GIVEN past events / WHEN an invite is mailed, resent or accepted / THEN the events, the outbox and the views.
#include <catch2/catch.hpp>

#include "domain_fixture.hpp"
#include "events/crypto.hpp"
#include "events/types.hpp"

using namespace teamlog;
using namespace teamlog::commands;
using teamlog::testing::Domain;
using teamlog::testing::PretixFixture;

namespace {

Hash test_key() {
  Hash k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return k;
}

// The pretix fixture, with an invite key in the context.
struct MailFixture : PretixFixture {
  MailFixture() { context.invite_key = &key; }
  // Invites foo@bar.com (or `email`) to Test-Team; returns the invite id.
  std::int64_t invite(const std::string& email = "foo@bar.com") {
    auto d = run(CreateInvite{"dummy", team, Domain::json(R"({"email":")" + email + R"("})")});
    REQUIRE(d.ok());
    return boost::json::parse(d->body).at("id").as_int64();
  }
  // The link secret of a queued mail, as the mailer derives it.
  std::string secret_of(std::int64_t invite_id) {
    auto entry = queries().outbox_entry(invite_id);
    REQUIRE(entry);
    return key.secret(invite_id, entry->nonce);
  }
  Result<Decision> accept(const std::string& secret, const std::string& body = "{}") {
    return run(AcceptInvite{to_hex(sha256(secret)), Domain::json(body)});
  }
  const Event& last() const { return log.back(); }
  boost::json::object last_data() const { return boost::json::parse(log.back().data).as_object(); }

  InviteKey key{test_key()};
};

}  // namespace

TEST_CASE("an invite made with the invite key queues its mail and stores only the secret's digest", "[domain][invites]") {
  MailFixture f;
  const auto id = f.invite("Foo@Bar.com");
  const auto data = f.last_data();
  CHECK(f.last().type == event_types::kInviteCreated);
  const std::string nonce(data.at("nonce").as_string());
  CHECK(nonce.size() >= 16);
  const std::string secret = f.key.secret(id, nonce);
  CHECK(secret.size() == 32);
  CHECK(data.at("digest").as_string() == to_hex(sha256(secret)));
  CHECK(f.last().data.find(secret) == std::string::npos);
  auto entry = f.queries().outbox_entry(id);
  REQUIRE(entry);
  CHECK(entry->organizer == "dummy");
  CHECK(entry->team == f.team);
  CHECK(entry->email == "Foo@Bar.com");
  CHECK(entry->queued == f.last().position);
  CHECK(entry->queued_at_us == f.last().recorded_at_us);
  CHECK(f.queries().outbox(0, 10).size() == 1);
  // Another key gives another secret: the log alone does not make the link.
  CHECK(InviteKey(Hash{}).secret(id, nonce) != secret);
}

TEST_CASE("without an invite key an invite gets a random secret and no mail", "[domain][invites]") {
  PretixFixture f;
  REQUIRE(f.run(CreateInvite{"dummy", f.team, Domain::json(R"({"email":"foo@bar.com"})")}).ok());
  CHECK(f.log.back().data.find("nonce") == std::string::npos);
  CHECK(f.queries().outbox(0, 10).empty());
  auto resend = f.run(ResendInvite{"dummy", f.team, 1});
  REQUIRE_FALSE(resend.ok());
  CHECK(resend.error().code == ErrorCode::kUnavailable);
}

TEST_CASE("accepting an invite creates the user, joins the team and consumes the invite", "[domain][invites]") {
  MailFixture f;
  const auto id = f.invite("New.Person@Example.org");
  const auto secret = f.secret_of(id);
  auto d = f.accept(secret, R"({"fullname":"  Ada Lovelace "})");
  REQUIRE(d.ok());
  CHECK(d->outcome == Outcome::kOk);
  CHECK(d->body ==
        R"({"organizer":{"slug":"dummy","name":"Dummy"},"team":{"id":1,"name":"Test-Team"},)"
        R"("user":{"id":2,"email":"new.person@example.org","fullname":"Ada Lovelace","require_2fa":false}})");
  REQUIRE(d->append.events.size() == 2);
  CHECK(d->append.events[0].type == event_types::kUserCreated);
  CHECK(d->append.events[1].type == event_types::kMemberJoined);
  CHECK(d->append.actor.type == ActorType::kUser);
  CHECK(d->append.actor.id == 2);
  // pretix's LogEntry data for the join.
  CHECK(d->append.events[1].data.find(
            R"("log":{"email":"new.person@example.org","invite_email":"New.Person@Example.org","user":2})") !=
        std::string::npos);
  CHECK(f.queries().is_member(f.team, 2));
  CHECK(f.queries().members(f.team, 0, 50).count == 1);
  CHECK_FALSE(f.queries().invite_row(f.team, id));
  CHECK(f.queries().invites(f.team, 0, 50).count == 0);
  CHECK_FALSE(f.queries().outbox_entry(id));
  // Consumed: the same secret is now unknown.
  auto again = f.accept(secret);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kNotFound);
  CHECK(again.error().message == kInviteNotFound);
}

TEST_CASE("an existing user (email in another case) joins without a new user", "[domain][invites]") {
  MailFixture f;
  const auto to_team = f.invite("x@example.org");
  const auto to_second = f.run(CreateInvite{"dummy", f.second_team, Domain::json(R"({"email":"X@Example.ORG"})")});
  REQUIRE(to_second.ok());
  const auto second_id = boost::json::parse(to_second->body).at("id").as_int64();
  REQUIRE(f.accept(f.secret_of(second_id), R"({"fullname":"X"})").ok());  // x is a user now, in User team
  const auto users = f.queries().last_id(projections::ViewId::kUsers);
  auto d = f.accept(f.secret_of(to_team), R"({"fullname":"ignored for an existing user"})");
  REQUIRE(d.ok());
  REQUIRE(d->append.events.size() == 1);
  CHECK(d->append.events[0].type == event_types::kMemberJoined);
  CHECK(f.queries().last_id(projections::ViewId::kUsers) == users);
  CHECK(d->body.find(R"("user":{"id":2,"email":"x@example.org","fullname":"X","require_2fa":false})") !=
        std::string::npos);
  CHECK(f.queries().is_member(f.team, 2));
  CHECK(f.queries().is_member(f.second_team, 2));
}

TEST_CASE("a member of the team cannot accept an older invite to it, which stays", "[domain][invites]") {
  MailFixture f;
  const auto old = f.invite("z@example.org");
  const auto to_second = f.run(CreateInvite{"dummy", f.second_team, Domain::json(R"({"email":"z@example.org"})")});
  REQUIRE(to_second.ok());
  REQUIRE(f.accept(f.secret_of(boost::json::parse(to_second->body).at("id").as_int64())).ok());
  // z has an account now, so inviting z again adds them directly (pretix); the older invite stays.
  const auto direct = f.run(CreateInvite{"dummy", f.team, Domain::json(R"({"email":"Z@example.org"})")});
  REQUIRE(direct.ok());
  CHECK(direct->body == R"({"id":null,"email":"z@example.org"})");
  auto refused = f.accept(f.secret_of(old));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kInvalidArgument);
  CHECK(refused.error().fields.empty());
  CHECK(refused.error().message ==
        R"(You cannot accept the invitation for "Test-Team" as you already are part of this team.)");
  CHECK(f.queries().invite_row(f.team, old));
}

TEST_CASE("the full name is optional, trimmed, and at most 255 characters", "[domain][invites]") {
  MailFixture f;
  const auto id = f.invite();
  const auto secret = f.secret_of(id);
  auto long_name = f.accept(secret, R"({"fullname":")" + std::string(256, 'a') + R"("})");
  REQUIRE_FALSE(long_name.ok());
  REQUIRE(long_name.error().fields.size() == 1);
  CHECK(long_name.error().fields[0].field == "fullname");
  CHECK(long_name.error().fields[0].message == "Ensure this field has no more than 255 characters.");
  auto not_string = f.accept(secret, R"({"fullname":["a"]})");
  REQUIRE_FALSE(not_string.ok());
  CHECK(not_string.error().fields[0].message == "Not a valid string.");
  auto list = f.accept(secret, "[]");
  REQUIRE_FALSE(list.ok());
  CHECK(f.queries().invite_row(f.team, id));  // nothing happened
  auto d = f.run(AcceptInvite{to_hex(sha256(secret)), Domain::form({{"fullname", ""}})});
  REQUIRE(d.ok());
  CHECK(d->body.find(R"("fullname":null)") != std::string::npos);
}

TEST_CASE("resending draws a new secret: the old link stops working, a new mail is queued", "[domain][invites]") {
  MailFixture f;
  const auto id = f.invite();
  const auto old_secret = f.secret_of(id);
  const auto queued = f.queries().outbox_entry(id)->queued;
  auto d = f.run(ResendInvite{"dummy", f.team, id});
  REQUIRE(d.ok());
  CHECK(d->outcome == Outcome::kOk);
  CHECK(d->body == R"({"id":1,"email":"foo@bar.com"})");
  CHECK(f.last().type == event_types::kInviteResent);
  CHECK(f.last().data.find(R"("log":{"email":"foo@bar.com"})") != std::string::npos);
  const auto entry = f.queries().outbox_entry(id);
  REQUIRE(entry);
  CHECK(entry->queued > queued);
  const auto new_secret = f.secret_of(id);
  CHECK(new_secret != old_secret);
  CHECK_FALSE(f.queries().invite_by_digest(to_hex(sha256(old_secret))));
  CHECK(f.queries().invite_by_digest(to_hex(sha256(new_secret))));
  // The first mail's delivery, recorded late, leaves the resent one due.
  REQUIRE(f.run(RecordInviteMail{"dummy", f.team, id, "foo@bar.com", queued, 1, "smtp", ""}).ok());
  CHECK(f.last().type == event_types::kInviteDelivered);
  CHECK(f.queries().outbox_entry(id));
  REQUIRE(f.run(RecordInviteMail{"dummy", f.team, id, "foo@bar.com", entry->queued, 2, "smtp", ""}).ok());
  CHECK_FALSE(f.queries().outbox_entry(id));
  CHECK(f.last_data().at("log").as_object() == boost::json::object{{"email", "foo@bar.com"}, {"via", "smtp"}});
  // Unknown invites and teams are 404.
  CHECK(f.run(ResendInvite{"dummy", f.team, 42}).error().code == ErrorCode::kNotFound);
  CHECK(f.run(ResendInvite{"dummy", 42, id}).error().code == ErrorCode::kNotFound);
  CHECK(f.run(ResendInvite{"other", f.team, id}).error().code == ErrorCode::kNotFound);
}

TEST_CASE("a final delivery failure is recorded and the mail leaves the outbox", "[domain][invites]") {
  MailFixture f;
  const auto id = f.invite();
  const auto entry = f.queries().outbox_entry(id);
  REQUIRE(f.run(RecordInviteMail{"dummy", f.team, id, "foo@bar.com", entry->queued, 7, "smtp", "connection refused"}).ok());
  CHECK(f.last().type == event_types::kInviteDeliveryFailed);
  CHECK(f.last_data().at("attempts").as_int64() == 7);
  CHECK(f.last_data().at("log").as_object() ==
        boost::json::object{{"email", "foo@bar.com"}, {"error", "connection refused"}});
  CHECK_FALSE(f.queries().outbox_entry(id));
  CHECK(f.queries().invite_row(f.team, id));  // the invite itself stays; a resend mails it again
}

TEST_CASE("deleting the team or the invite revokes it and drops its mail", "[domain][invites]") {
  MailFixture f;
  const auto a = f.invite("a@example.org");
  const auto b = f.invite("b@example.org");
  const auto sa = f.secret_of(a), sb = f.secret_of(b);
  REQUIRE(f.run(DeleteInvite{"dummy", f.team, a}).ok());
  CHECK_FALSE(f.queries().outbox_entry(a));
  CHECK(f.accept(sa).error().code == ErrorCode::kNotFound);
  REQUIRE(f.run(DeleteTeam{"dummy", f.team}).ok());
  CHECK(f.queries().outbox(0, 10).empty());
  CHECK(f.accept(sb).error().code == ErrorCode::kNotFound);
}
