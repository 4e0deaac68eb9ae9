// The mailer in-process, on a clock of the test's: backoff that doubles, delivery into .eml files, giving up.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "api_fixture.hpp"
#include "http/mail/mailer.hpp"
#include "projections/queries.hpp"

using namespace teamlog;
using namespace teamlog::testing;

namespace {

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The invite mail outcomes in organizer dummy's audit trail (deliveries first), with the error of a failure.
std::vector<std::string> mail_events(ApiFixture& f) {
  std::vector<std::string> out;
  for (const auto* type : {"pretix.team.invite.delivered", "pretix.team.invite.delivery_failed"}) {
    const auto page = f.get(ApiFixture::org("/auditlog/?action_type=") + type).json();
    for (const auto& e : page.at("results").as_array()) {
      const auto& data = e.at("data").as_object();
      out.push_back(std::string(type) + (data.contains("error") ? ": " + std::string(data.at("error").as_string()) : ""));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the mailer retries with doubling backoff, delivers into .eml files, and gives up in time", "[api][mail]") {
  ApiFixture f;
  // A file where the mail folder's parent should be: writing a mail fails until it is removed.
  const std::string blocker = f.dir.str() + "/blocked";
  std::ofstream(blocker) << "not a folder";
  std::int64_t now = wall_now_us();
  http::mail::MailerOptions options;
  options.public_url = "https://teams.example.org";
  options.eml_dir = blocker + "/eml";
  options.retry_base = std::chrono::milliseconds(1000);
  options.give_up_after = std::chrono::seconds(60);
  options.clock = [&] { return now; };
  http::mail::Mailer mailer(*f.store, f.views->columns(), *f.writer, f.invite_key, options);

  const auto created = f.post_json(f.team_path(f.team_id, "invites/"), R"({"email":"m@example.org"})");
  REQUIRE(created.status == 201);
  const auto id = created.json().at("id").as_int64();
  const auto secret = f.invite_secret(id);
  REQUIRE_FALSE(secret.empty());

  CHECK(mailer.run_once() == 1);  // attempt 1 fails: next after 1 s
  CHECK(mailer.run_once() == 0);
  now += 999'000;
  CHECK(mailer.run_once() == 0);
  now += 1'000;
  CHECK(mailer.run_once() == 1);  // attempt 2 fails: next after 2 s
  now += 1'999'000;
  CHECK(mailer.run_once() == 0);
  now += 1'000;
  CHECK(mailer.run_once() == 1);  // attempt 3 fails: next after 4 s
  CHECK(mail_events(f).empty());

  std::filesystem::remove(blocker);
  now += 4'000'000;
  CHECK(mailer.run_once() == 1);  // delivered
  CHECK(mail_events(f) == std::vector<std::string>{"pretix.team.invite.delivered"});
  const auto path = options.eml_dir + "/invite-" + std::to_string(id) + "-" +
                    std::to_string(f.store->head_position() - 1) + ".eml";
  std::ifstream mail(path);
  const std::string text((std::istreambuf_iterator<char>(mail)), std::istreambuf_iterator<char>());
  CHECK(text.find("\r\nhttps://teams.example.org/invite/" + secret + "\r\n") != std::string::npos);
  CHECK(mailer.run_once() == 0);  // the outbox is empty
  const projections::Queries q(*f.store, f.views->columns());
  CHECK(q.outbox(0, 10).empty());

  // Past the give-up time, a failure is final: recorded, and the mail leaves the outbox.
  std::filesystem::remove_all(options.eml_dir);
  std::ofstream(options.eml_dir) << "blocked again";
  REQUIRE(f.post_json(f.team_path(f.team_id, "invites/"), R"({"email":"late@example.org"})").status == 201);
  now += 61'000'000;
  CHECK(mailer.run_once() == 1);
  const auto events = mail_events(f);
  REQUIRE(events.size() == 2);
  CHECK(events[0] == "pretix.team.invite.delivered");
  CHECK(events[1] == "pretix.team.invite.delivery_failed: cannot create " + options.eml_dir + ": Not a directory");
  CHECK(q.outbox(0, 10).empty());
  CHECK(mailer.run_once() == 0);
}
