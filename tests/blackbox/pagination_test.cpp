// Page-number pagination of the team list as DRF renders it: count, 50 per page, absolute next/previous links.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "harness.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;

namespace {

constexpr int kTeams = 120;
const std::string kTeamsPath = "/api/v1/organizers/dummy/teams/";

// 120 teams of organizer dummy: the init's Administrators plus 119 created over three connections.
void create_teams(const TeamlogServer& server, const std::string& token, int count) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex failure_mutex;
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&] {
      Api api(server.port(), token);
      for (int i = next++; i < count; i = next++) {
        auto r = api.post_json(kTeamsPath, R"({"name":"Team )" + std::to_string(i) + R"(","limit_events":[]})");
        if (r.status != 201) {
          std::lock_guard lock(failure_mutex);
          if (failures++ == 0) first_failure = describe(r);
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  INFO(first_failure);
  REQUIRE(failures == 0);
}

json::value page(Api& api, const std::string& query, const Headers& extra = {}) {
  auto r = api.get(kTeamsPath + query, extra);
  INFO("GET " << kTeamsPath << query << " -> " << describe(r));
  REQUIRE(r.status == 200);
  auto v = r.json();
  REQUIRE(v.is_object());
  CHECK(keys_of(v) == std::vector<std::string>{"count", "next", "previous", "results"});
  return v;
}

std::vector<std::int64_t> ids(const json::value& page) {
  std::vector<std::int64_t> out;
  for (const auto& t : page.at("results").as_array()) out.push_back(t.at("id").as_int64());
  return out;
}

}  // namespace

TEST_CASE("the team list paginates 120 teams 50 per page with DRF's absolute next and previous links",
          "[blackbox][pagination]") {
  TeamlogServer server;
  auto init = server.init("dummy", "admin@dummy.dummy", "Dummy");
  server.start();
  create_teams(server, init.token, kTeams - 1);
  Api api(server.port(), init.token);
  const std::string base = "http://" + server.host() + kTeamsPath;
  const json::value null = nullptr;

  auto p1 = page(api, "");
  CHECK(p1.at("count") == kTeams);
  CHECK(p1.at("results").as_array().size() == 50);
  CHECK(p1.at("next") == json::value(base + "?page=2"));
  CHECK(p1.at("previous") == null);

  auto p2 = page(api, "?page=2");
  CHECK(p2.at("count") == kTeams);
  CHECK(p2.at("results").as_array().size() == 50);
  CHECK(p2.at("next") == json::value(base + "?page=3"));
  CHECK(p2.at("previous") == json::value(base));  // DRF removes the page param for page 1

  auto p3 = page(api, "?page=3");
  CHECK(p3.at("results").as_array().size() == 20);
  CHECK(p3.at("next") == null);
  CHECK(p3.at("previous") == json::value(base + "?page=2"));

  // Ordered by id, each team exactly once.
  std::vector<std::int64_t> all;
  for (const auto* p : {&p1, &p2, &p3}) {
    auto some = ids(*p);
    all.insert(all.end(), some.begin(), some.end());
  }
  CHECK(std::is_sorted(all.begin(), all.end()));
  CHECK(std::set<std::int64_t>(all.begin(), all.end()).size() == static_cast<std::size_t>(kTeams));
  CHECK(all.front() == init.team_id());
  for (const auto& t : p1.at("results").as_array()) CHECK(keys_of(t) == team_key_order());

  {  // page_size picks a smaller page and is kept in the links, sorted as DRF encodes them
    auto s1 = page(api, "?page_size=10");
    CHECK(s1.at("results").as_array().size() == 10);
    CHECK(s1.at("next") == json::value(base + "?page=2&page_size=10"));
    CHECK(s1.at("previous") == null);
    auto s2 = page(api, "?page=2&page_size=10");
    CHECK(s2.at("previous") == json::value(base + "?page_size=10"));
    CHECK(s2.at("next") == json::value(base + "?page=3&page_size=10"));
    auto s2ids = ids(s2);
    CHECK(s2ids == std::vector<std::int64_t>(all.begin() + 10, all.begin() + 20));
    auto s12 = page(api, "?page=12&page_size=10");
    CHECK(s12.at("next") == null);
    CHECK(s12.at("results").as_array().size() == 10);
  }
  {  // page_size above 50 is capped at 50
    auto big = page(api, "?page_size=500");
    CHECK(big.at("results").as_array().size() == 50);
    CHECK(big.at("next") == json::value(base + "?page=2&page_size=500"));
    CHECK(ids(big) == ids(p1));
  }
  {  // page_size that is not a positive number falls back to 50; other query parameters stay in the links
    for (const auto* q : {"?page_size=0", "?page_size=-5", "?page_size=abc"}) {
      auto v = page(api, q);
      INFO(q);
      CHECK(v.at("results").as_array().size() == 50);
    }
    auto kept = page(api, "?page_size=10&foo=bar");
    CHECK(kept.at("next") == json::value(base + "?foo=bar&page=2&page_size=10"));
  }
  {  // page=last is the last page
    auto last = page(api, "?page=last");
    CHECK(ids(last) == ids(p3));
    CHECK(last.at("next") == null);
    CHECK(last.at("previous") == json::value(base + "?page=2"));
  }
  {  // a page out of range or not a number is 404 Invalid page.
    for (const auto* q : {"?page=99", "?page=0", "?page=abc", "?page=4"}) {
      auto r = api.get(kTeamsPath + q);
      INFO(q << " -> " << describe(r));
      CHECK(r.status == 404);
      CHECK(r.body == R"({"detail":"Invalid page."})");
    }
  }
  {  // the links follow the Host header
    auto other = page(api, "", {{"Host", "teams.example.org:8443"}});
    CHECK(other.at("next") == json::value("http://teams.example.org:8443" + kTeamsPath + "?page=2"));
  }
}

TEST_CASE("an empty list is count 0 with null links", "[blackbox][pagination]") {
  TeamlogServer server;
  auto init = server.init("dummy", "admin@dummy.dummy", "Dummy");
  server.start();
  Api api(server.port(), init.token);
  auto r = api.get("/api/v1/organizers/dummy/teams/" + std::to_string(init.team_id()) + "/invites/");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"count":0,"next":null,"previous":null,"results":[]})");
}
