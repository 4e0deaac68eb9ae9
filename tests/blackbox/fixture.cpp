// pretix's API test fixtures built through teamlogctl and the HTTP API of a fresh teamlogd.
#include "fixture.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/json/object.hpp>

namespace teamlog::blackbox {

namespace {

// The fixture's setup calls must succeed; a failure here is reported with the whole response.
Response expect(Response r, unsigned status, const std::string& what) {
  if (r.status != status) {
    throw std::runtime_error("fixture: " + what + " expected " + std::to_string(status) + ", got " + describe(r));
  }
  return r;
}

constexpr const char* kTestTeamBody =
    R"({"name":"Test-Team","all_events":true,"limit_events":[],"can_create_events":true,)"
    R"("can_change_teams":true,"can_change_organizer_settings":true,"can_manage_gift_cards":true,)"
    R"("can_change_event_settings":true,"can_change_items":true,"can_view_orders":true,)"
    R"("can_change_orders":true,"can_view_vouchers":true,"can_change_vouchers":true,)"
    R"("can_checkin_orders":false,"can_manage_customers":true})";

}  // namespace

std::string PretixFixture::org(const std::string& rest) { return "/api/v1/organizers/dummy" + rest; }

std::string PretixFixture::team_path(std::int64_t team, const std::string& rest) const {
  return org("/teams/" + std::to_string(team) + "/" + rest);
}

PretixFixture::PretixFixture(FixtureParts parts) {
  if (parts.token) parts.second_team = true;
  dummy_init = server.init("dummy", "admin@dummy.dummy", "Dummy");
  other_init = server.init("other", "dummy@dummy.dummy");
  user_id = other_init.user_id();
  server.set_args(parts.server_args);
  server.start();

  Api admin(server.port(), dummy_init.token);
  expect(admin.post_json(org("/events/"), R"({"name":"Dummy","slug":"dummy","date_from":"2017-12-27T10:00:00Z"})"),
         201, "create event dummy");
  team_id = expect(admin.post_json(org("/teams/"), kTestTeamBody), 201, "create Test-Team")
                .json().at("id").as_int64();
  foo_token = std::string(expect(admin.post_form(team_path(team_id, "tokens/"), {{"name", "Foo"}}), 201,
                                 "create token Foo")
                              .json().at("token").as_string());
  api = std::make_unique<Api>(server.port(), foo_token);

  if (parts.second_team) {
    second_team_id = expect(api->post_json(org("/teams/"), R"({"name":"User team","all_events":false,"limit_events":["dummy"]})"),
                            201, "create User team")
                         .json().at("id").as_int64();
  }
  if (parts.invite) {
    invite_id = expect(api->post_form(team_path(team_id, "invites/"), {{"email", "foo@bar.com"}}), 201,
                       "invite foo@bar.com")
                    .json().at("id").as_int64();
  }
  if (parts.token) {
    auto created = expect(api->post_form(team_path(second_team_id, "tokens/"), {{"name", "Testtoken"}}), 201,
                          "create token Testtoken")
                       .json();
    token_id = created.at("id").as_int64();
    testtoken_secret = std::string(created.at("token").as_string());
  }
  expect(api->del(team_path(dummy_init.team_id())), 204, "delete the init's Administrators team");
}

boost::json::value test_team_res(std::int64_t id) {
  auto v = parse(
      R"({"id":0,"name":"Test-Team","all_events":true,"limit_events":[],"can_create_events":true,)"
      R"("can_change_teams":true,"can_change_organizer_settings":true,"can_manage_gift_cards":true,)"
      R"("can_change_event_settings":true,"can_change_items":true,"can_view_orders":true,"can_change_orders":true,)"
      R"("can_view_vouchers":true,"can_change_vouchers":true,"can_checkin_orders":false,"can_manage_customers":true})");
  v.as_object()["id"] = id;
  return v;
}

boost::json::value second_team_res(std::int64_t id) {
  auto v = parse(
      R"({"id":0,"name":"User team","all_events":false,"limit_events":["dummy"],"can_create_events":false,)"
      R"("can_change_teams":false,"can_change_organizer_settings":false,"can_manage_gift_cards":false,)"
      R"("can_change_event_settings":false,"can_change_items":false,"can_view_orders":false,)"
      R"("can_change_orders":false,"can_view_vouchers":false,"can_change_vouchers":false,)"
      R"("can_checkin_orders":false,"can_manage_customers":false})");
  v.as_object()["id"] = id;
  return v;
}

std::vector<std::filesystem::path> eml_files(const std::string& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".eml") found.push_back(it->path());
  }
  return found;
}

std::vector<std::filesystem::path> wait_for_eml(const std::string& dir, std::size_t n) {
  auto files = eml_files(dir);
  for (int i = 0; i < 100 && files.size() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    files = eml_files(dir);
  }
  return files;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace teamlog::blackbox
