// The pretix fixtures as past events.
#include "domain_fixture.hpp"

#include "events/crypto.hpp"
#include "events/types.hpp"
#include "projections/json_text.hpp"

namespace teamlog::testing {
namespace t = event_types;

namespace {

std::string fields(const std::string& name, bool all_events, const std::string& limit_events,
                   const std::vector<std::string>& true_flags) {
  boost::json::object f;
  f["name"] = name;
  f["all_events"] = all_events;
  f["limit_events"] = boost::json::parse(limit_events);
  for (auto flag : projections::kTeamFlagNames) {
    f[flag] = std::find(true_flags.begin(), true_flags.end(), std::string(flag)) != true_flags.end();
  }
  return to_json(f);
}

ProposedEvent ev(std::string stream, std::string_view type, const std::string& data) {
  return ProposedEvent{std::move(stream), ExpectedVersion::any(), std::string(type), 1, data};
}

}  // namespace

PretixFixture::PretixFixture() {
  team = 1;
  second_team = 2;
  user = 1;
  AppendRequest r;
  r.actor = Actor{ActorType::kSystem, 0, "fixture"};
  r.events.push_back(ev(t::organizer_stream("dummy"), t::kOrganizerCreated, R"({"slug":"dummy","name":"Dummy"})"));
  r.events.push_back(ev(t::event_stream(1), t::kEventCreated,
                        R"({"organizer":"dummy","id":1,"slug":"dummy","name":"Dummy","date_from":"2017-12-27T10:00:00Z","date_from_us":1514368800000000})"));
  r.events.push_back(ev(t::team_stream(1), t::kTeamCreated,
                        R"({"organizer":"dummy","team":1,"fields":)" +
                            fields("Test-Team", true, "[]",
                                   {"can_change_teams", "can_manage_gift_cards", "can_change_items", "can_create_events",
                                    "can_change_event_settings", "can_change_vouchers", "can_view_vouchers",
                                    "can_change_orders", "can_manage_customers", "can_change_organizer_settings",
                                    "can_view_orders"}) +
                            R"(,"log":{}})"));
  r.events.push_back(ev(t::team_stream(1), t::kTokenCreated,
                        R"({"organizer":"dummy","team":1,"token":1,"name":"Foo","digest":")" +
                            to_hex(sha256("foo-secret")) + R"(","log":{"id":1,"name":"Foo"}})"));
  r.events.push_back(ev(t::team_stream(2), t::kTeamCreated,
                        R"({"organizer":"dummy","team":2,"fields":)" + fields("User team", false, R"(["dummy"])", {}) +
                            R"(,"log":{}})"));
  r.events.push_back(ev(t::team_stream(2), t::kTokenCreated,
                        R"({"organizer":"dummy","team":2,"token":2,"name":"Testtoken","digest":")" +
                            to_hex(sha256("testtoken-secret")) + R"(","log":{"id":2,"name":"Testtoken"}})"));
  r.events.push_back(ev(t::user_stream(1), t::kUserCreated,
                        R"({"id":1,"email":"dummy@dummy.dummy","fullname":null,"require_2fa":false})"));
  record(r);
}

}  // namespace teamlog::testing
