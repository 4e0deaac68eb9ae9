// pretix's API test fixtures (src/tests/api/conftest.py, test_teams.py), built through teamlogctl and the API.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace teamlog::blackbox {

// Which of pretix's optional fixtures a test asks for; organizer, event, team and token_client are always there.
struct FixtureParts {
  bool second_team = false;  // "User team", limit_events [dummy], every can_* false
  bool invite = false;       // foo@bar.com invited to Test-Team
  bool token = false;        // "Testtoken" on second_team (implies second_team)
  std::vector<std::string> server_args;  // extra teamlogd arguments
};

// organizer dummy (teamlogctl init), the user dummy@dummy.dummy (init of organizer "other", so the user exists
// but belongs to none of dummy's teams), event dummy, team Test-Team with token Foo. The init's Administrators
// team is deleted last (with Foo), so that dummy's teams are exactly pretix's fixture teams.
class PretixFixture {
 public:
  explicit PretixFixture(FixtureParts parts = {});

  // "/api/v1/organizers/dummy" + rest
  static std::string org(const std::string& rest);
  std::string team_path(std::int64_t team, const std::string& rest = "") const;

  TeamlogServer server;
  InitResult dummy_init;
  InitResult other_init;
  std::unique_ptr<Api> api;  // pretix's token_client: Authorization: Token <Foo>
  std::string foo_token;
  std::int64_t team_id = 0;         // Test-Team
  std::int64_t second_team_id = 0;  // User team
  std::int64_t invite_id = 0;
  std::int64_t token_id = 0;  // Testtoken
  std::string testtoken_secret;
  std::int64_t user_id = 0;  // dummy@dummy.dummy
};

// Test-Team as pretix's TEST_TEAM_RES (doc-era field set), with the given id.
boost::json::value test_team_res(std::int64_t id);
// User team as pretix's SECOND_TEAM_RES, with the given id.
boost::json::value second_team_res(std::int64_t id);

// The .eml files under dir (the default mail outbox lives in the data dir).
std::vector<std::filesystem::path> eml_files(const std::string& dir);
// The outbox may deliver a moment after the response: waits (bounded, ~3 s) for at least n .eml files.
std::vector<std::filesystem::path> wait_for_eml(const std::string& dir, std::size_t n);
std::string read_file(const std::filesystem::path& p);

}  // namespace teamlog::blackbox
