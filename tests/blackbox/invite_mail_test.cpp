// Invites that reach people: the mail over a real SMTP server (or into .eml files), its retries across outages
// and restarts, the link, and joining through it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "fixture.hpp"
#include "mail_support.hpp"

using namespace teamlog::blackbox;
using namespace std::chrono_literals;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
std::size_t count(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), s));
}

}  // namespace

TEST_CASE("an invite's mail arrives over SMTP with AUTH, and its link lets the person join", "[blackbox][mail]") {
  SmtpSink sink;
  sink.start(0, "mailer", "s3cret pass");
  teamlog::testing::TempDir secrets;
  const std::string password_file = secrets.str() + "/smtp-password";
  std::ofstream(password_file) << "s3cret pass\n";
  MailServer s({"--smtp-url", sink.url(), "--smtp-user", "mailer", "--smtp-password-file", password_file,
                "--mail-from", "teams@example.org", "--mail-retry-base-ms", "100"});
  const auto id = s.invite("New.Person@Example.org");

  const auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  const auto& mail = mails[0];
  INFO(mail);
  CHECK(mail.find("X-Envelope-From: teams@example.org\r\n") != std::string::npos);
  CHECK(mail.find("X-Envelope-To: New.Person@Example.org\r\n") != std::string::npos);
  CHECK(mail.find("\r\nTo: New.Person@Example.org\r\n") != std::string::npos);
  CHECK(mail.find("Organizer: Demo Org\r\n") != std::string::npos);
  CHECK(mail.find("Team: Administrators\r\n") != std::string::npos);
  CHECK(mail.find("If you do not want to join, you can safely ignore or delete this email.") != std::string::npos);
  const auto link = link_in(mail);
  CHECK(link.starts_with(s.server.base_url() + "/invite/"));
  CHECK(secret_of(link).size() == 32);
  // The delivery is in the audit trail, after the invite.
  REQUIRE(eventually([&] { return has(s.audit_types(), "pretix.team.invite.delivered"); }));

  HttpClient client(s.server.port());
  auto page = client.request("GET", path_of(link));
  INFO(describe(page));
  CHECK(page.status == 200);
  CHECK(page.header("Content-Type") == std::optional<std::string>("text/html; charset=utf-8"));
  CHECK(page.header("Referrer-Policy") == std::optional<std::string>("no-referrer"));
  CHECK(page.body.find("<label for=\"fullname\">Full name</label>") != std::string::npos);
  CHECK(page.body.find("Demo Org") != std::string::npos);
  auto lookup = client.request("GET", "/api/v1/invites/" + secret_of(link) + "/");
  CHECK(lookup.status == 200);
  CHECK(lookup.body == R"({"organizer":{"slug":"demo","name":"Demo Org"},"team":{"id":)" +
                           std::to_string(s.init.team_id()) + R"(,"name":"Administrators"},"email":"New.Person@Example.org"})");

  auto joined = client.request("POST", "/api/v1/invites/" + secret_of(link) + "/accept/",
                               {{"Content-Type", "application/json"}}, R"({"fullname":"New Person"})");
  INFO(describe(joined));
  REQUIRE(joined.status == 200);
  const auto user = joined.json().at("user");
  CHECK(user.at("email") == "new.person@example.org");
  CHECK(user.at("fullname") == "New Person");
  auto members = s.api().get("/api/v1/organizers/demo/teams/" + std::to_string(s.init.team_id()) + "/members/");
  CHECK(members.body.find(R"("email":"new.person@example.org")") != std::string::npos);
  CHECK(s.api().get(s.invites_path() + std::to_string(id) + "/").status == 404);  // consumed
  CHECK(has(s.audit_types(), "pretix.team.member.joined"));
  // Used once: the link is now a clear 404, as a page and as JSON.
  auto again = client.request("GET", path_of(link));
  CHECK(again.status == 404);
  CHECK(again.body.find("may have been used already or revoked") != std::string::npos);
  CHECK(client.request("POST", "/api/v1/invites/" + secret_of(link) + "/accept/").status == 404);
  // The password and the secret stay out of the server's log.
  REQUIRE(s.server.stop().value_or(-999) == 0);
  CHECK(s.server.log().find("s3cret") == std::string::npos);
  CHECK(s.server.log().find(secret_of(link)) == std::string::npos);
  CHECK(s.server.log().find("/invite/<secret>") != std::string::npos);
}

TEST_CASE("with the SMTP server down, mail is retried and arrives once it is up, also across a restart",
          "[blackbox][mail]") {
  // A port with nothing behind it: the sink's own, once it is stopped.
  SmtpSink sink;
  sink.start();
  const auto port = sink.port();
  sink.stop();
  MailServer s({"--smtp-url", "smtp://127.0.0.1:" + std::to_string(port), "--mail-retry-base-ms", "100"});
  s.invite("first@example.org");
  REQUIRE(eventually([&] { return s.server.log().find("attempt 2 failed") != std::string::npos; }));
  CHECK_FALSE(has(s.audit_types(), "pretix.team.invite.delivered"));

  // Stopped and started again while the SMTP server is still down: the mail is still due.
  REQUIRE(s.server.stop().value_or(-999) == 0);
  const auto run_start = s.server.log().size();  // before the restart: its first attempt may precede "listening"
  s.server.restart();
  REQUIRE(eventually([&] { return s.server.log().find("attempt 1 failed", run_start) != std::string::npos; }));
  sink.start(port);
  auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].find("X-Envelope-To: first@example.org") != std::string::npos);
  REQUIRE(eventually([&] { return count(s.audit_types(), "pretix.team.invite.delivered") == 1; }));

  // Down again, without a restart this time.
  sink.stop();
  s.invite("second@example.org");
  REQUIRE(eventually([&] { return s.server.log().find("to second@example.org: attempt 2 failed") != std::string::npos; }));
  sink.start(port);
  mails = sink.wait_for(2);
  REQUIRE(mails.size() == 2);
  CHECK(mails[1].find("X-Envelope-To: second@example.org") != std::string::npos);
  REQUIRE(eventually([&] { return count(s.audit_types(), "pretix.team.invite.delivered") == 2; }));
  // Each mail went out once.
  CHECK(sink.wait_for(3, 300ms).size() == 2);
}

TEST_CASE("a mail that cannot be delivered in time is given up and recorded and a resend tries again",
          "[blackbox][mail]") {
  SmtpSink sink;
  sink.start();
  const auto port = sink.port();
  sink.stop();
  MailServer s({"--smtp-url", "smtp://127.0.0.1:" + std::to_string(port), "--mail-retry-base-ms", "100",
                "--mail-give-up-after", "1s"});
  const auto id = s.invite("nobody@example.org");
  REQUIRE(eventually([&] { return has(s.audit_types(), "pretix.team.invite.delivery_failed"); }));
  auto audit = s.api().get("/api/v1/organizers/demo/auditlog/?action_type=pretix.team.invite.delivery_failed");
  CHECK(audit.body.find(R"("email":"nobody@example.org")") != std::string::npos);
  CHECK(audit.body.find("SMTP smtp://127.0.0.1:") != std::string::npos);
  const auto failures = s.server.log().size();
  // Given up: no more attempts.
  std::this_thread::sleep_for(400ms);
  CHECK(s.server.log().find("attempt", failures) == std::string::npos);

  sink.start(port);
  auto resent = s.api().post_json(s.invites_path() + std::to_string(id) + "/resend/", "");
  INFO(describe(resent));
  CHECK(resent.status == 200);
  CHECK(resent.body == R"({"id":)" + std::to_string(id) + R"(,"email":"nobody@example.org"})");
  REQUIRE(sink.wait_for(1).size() == 1);
  REQUIRE(eventually([&] { return has(s.audit_types(), "pretix.team.invite.delivered"); }));
  CHECK(has(s.audit_types(), "pretix.team.invite.resent"));
}

TEST_CASE("without SMTP, mails are .eml files in the data dir and a resend makes a new link and deletion revokes it",
          "[blackbox][mail]") {
  MailServer s({"--mail-retry-base-ms", "100"});
  CHECK(s.server.log().find("invite mails are written to " + s.server.data_dir() + "/outbox-eml") !=
        std::string::npos);
  const auto id = s.invite("eml@example.org");
  auto files = wait_for_eml(s.server.data_dir(), 1);
  REQUIRE(files.size() == 1);
  const auto first = link_in(read_file(files[0]));
  REQUIRE_FALSE(first.empty());
  CHECK((std::filesystem::status(files[0]).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  HttpClient client(s.server.port());
  CHECK(client.request("GET", path_of(first)).status == 200);

  // Resending needs can_change_teams, answers the invite, and mails a new link; the old one stops working.
  auto resent = s.api().post_json(s.invites_path() + std::to_string(id) + "/resend/", "");
  REQUIRE(resent.status == 200);
  files = wait_for_eml(s.server.data_dir(), 2);
  REQUIRE(files.size() == 2);
  std::string second;
  for (const auto& f : files) {
    if (auto l = link_in(read_file(f)); l != first) second = l;
  }
  REQUIRE_FALSE(second.empty());
  CHECK(client.request("GET", path_of(first)).status == 404);
  CHECK(client.request("GET", path_of(second)).status == 200);
  CHECK(s.api().post_json(s.invites_path() + "999/resend/", "").status == 404);

  // Deleting the team revokes its invites.
  REQUIRE(s.api().post_json("/api/v1/organizers/demo/teams/", R"({"name":"Other","limit_events":[]})").status == 201);
  REQUIRE(s.api().del("/api/v1/organizers/demo/teams/" + std::to_string(s.init.team_id()) + "/").status == 204);
  auto revoked = client.request("GET", path_of(second));
  CHECK(revoked.status == 404);
  CHECK(revoked.header("Content-Type") == std::optional<std::string>("text/html; charset=utf-8"));
  CHECK(client.request("GET", "/api/v1/invites/" + secret_of(second) + "/").status == 404);
}

TEST_CASE("the invite page's form joins the team and shows errors in place", "[blackbox][mail]") {
  MailServer s({"--mail-retry-base-ms", "100"});
  s.invite("form@example.org");
  const auto files = wait_for_eml(s.server.data_dir(), 1);
  REQUIRE(files.size() == 1);
  const auto path = path_of(link_in(read_file(files[0])));
  HttpClient client(s.server.port());
  const Headers form{{"Content-Type", "application/x-www-form-urlencoded"}};
  auto too_long = client.request("POST", path, form, "fullname=" + std::string(300, 'a'));
  CHECK(too_long.status == 400);
  CHECK(too_long.body.find("role=\"alert\"") != std::string::npos);
  CHECK(too_long.body.find("Ensure this field has no more than 255 characters.") != std::string::npos);
  auto joined = client.request("POST", path, form, "fullname=Form+%C3%9Cser");
  INFO(describe(joined));
  CHECK(joined.status == 200);
  CHECK(joined.body.find("You have joined the team <strong>Administrators</strong> of Demo Org as form@example.org.") !=
        std::string::npos);
  auto members = s.api().get("/api/v1/organizers/demo/teams/" + std::to_string(s.init.team_id()) + "/members/");
  INFO(describe(members));
  CHECK(members.body.find(R"("email":"form@example.org","fullname":"Form \u00dcser")") != std::string::npos);
  CHECK(client.request("POST", path, form, "fullname=x").status == 404);
  CHECK(client.request("PUT", path).status == 405);
}
