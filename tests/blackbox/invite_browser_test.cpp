// The invite page in a real browser: Debian's chromium, headless, driven by playwright-core (tests/browser).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <boost/json.hpp>

#include "fixture.hpp"
#include "mail_support.hpp"

using namespace teamlog::blackbox;
using namespace std::chrono_literals;

TEST_CASE("in a real browser, the link from the delivered mail joins the team", "[browser][mail]") {
  const std::string chromium = "/usr/bin/chromium";
  if (::access(chromium.c_str(), X_OK) != 0) {
    // ctest's SKIP_REGULAR_EXPRESSION for this binary turns this line into a reported skip, not a pass.
    std::cout << "SKIPPED: no chromium at " << chromium << " (scripts/setup.sh installs it)" << std::endl;
    WARN("SKIPPED: no chromium at " << chromium);
    return;
  }
  // With chromium there, the rest must be there too: a missing driver is a setup bug, not a skip.
  INFO("tests/node_modules/playwright-core is missing: run scripts/setup.sh (npm ci in tests/)");
  REQUIRE(std::filesystem::exists(tests_dir() + "/node_modules/playwright-core/package.json"));

  SmtpSink sink;
  sink.start();
  MailServer s({"--smtp-url", sink.url(), "--mail-retry-base-ms", "100"});
  s.invite("Browser@Example.org");
  const auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  const auto link = link_in(mails[0]);
  REQUIRE(link.starts_with(s.server.base_url() + "/invite/"));

  auto run = run_process({"/usr/bin/env", "CHROMIUM=" + chromium, "node", tests_dir() + "/browser/join_invite.mjs",
                          link, "Brow Ser"},
                         90s);
  INFO("node exit " << run.exit_code << (run.timed_out ? " (timed out)" : "") << "\nstdout: " << run.out
                    << "\nstderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  const auto seen = boost::json::parse(run.out.substr(run.out.rfind('{'))).as_object();
  CHECK(seen.at("heading") == "Join the team Administrators");
  CHECK(seen.at("status") == "You have joined the team Administrators of Demo Org as browser@example.org.");

  auto members = s.api().get("/api/v1/organizers/demo/teams/" + std::to_string(s.init.team_id()) + "/members/");
  INFO(describe(members));
  CHECK(members.body.find(R"("email":"browser@example.org","fullname":"Brow Ser")") != std::string::npos);
  auto audit = s.api().get("/api/v1/organizers/demo/auditlog/?action_type=pretix.team.member.joined");
  CHECK(audit.body.find(R"("invite_email":"Browser@Example.org")") != std::string::npos);
}
