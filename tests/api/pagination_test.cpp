// Page-number pagination over 120 teams: counts, links, page sizes, "last", invalid pages.
#include <catch2/catch.hpp>

#include <future>

#include "api_fixture.hpp"
#include "http/api/page_cache.hpp"

using namespace teamlog::testing;

namespace {

constexpr const char* kBase = "http://testserver/api/v1/organizers/dummy/teams/";

// A page's next or previous link; "null" for none.
std::string link(const boost::json::value& page, const char* which) {
  const auto& v = page.at(which);
  return v.is_null() ? "null" : std::string(v.as_string());
}

// 118 more teams beside Test-Team and User team, submitted together so that they share group commits.
void add_teams(ApiFixture& f) {
  std::vector<std::future<Reply>> pending;
  for (int i = 0; i < 118; ++i) {
    Headers headers = f.auth();
    headers.emplace_back("Content-Type", "application/json");
    pending.push_back(
        f.start("POST", ApiFixture::org("/teams/"), headers, R"({"name":"T)" + std::to_string(i) + R"(","limit_events":[]})"));
  }
  for (auto& p : pending) REQUIRE(p.get().status == 201);
}

}  // namespace

TEST_CASE("120 teams come in pages of 50 with absolute next and previous links", "[api][pagination]") {
  ApiFixture f;
  add_teams(f);
  const auto teams = ApiFixture::org("/teams/");

  auto first = f.get(teams).json();
  CHECK(first.at("count") == 120);
  CHECK(link(first, "next") == std::string(kBase) + "?page=2");
  CHECK(link(first, "previous") == "null");
  CHECK(first.at("results").as_array().size() == 50);
  CHECK(first.at("results").at(0).at("id") == f.team_id);

  auto second = f.get(teams + "?page=2").json();
  CHECK(link(second, "next") == std::string(kBase) + "?page=3");
  CHECK(link(second, "previous") == std::string(kBase));
  CHECK(second.at("results").as_array().size() == 50);

  auto third = f.get(teams + "?page=3").json();
  CHECK(link(third, "next") == "null");
  CHECK(link(third, "previous") == std::string(kBase) + "?page=2");
  CHECK(third.at("results").as_array().size() == 20);
  CHECK(f.get(teams + "?page=last").body == f.get(teams + "?page=3").body);

  SECTION("other query parameters are kept, keys sorted as DRF's replace_query_param writes them") {
    auto page = f.get(teams + "?page_size=10&page=2&zeta=1&alpha=a%20b").json();
    CHECK(page.at("results").as_array().size() == 10);
    CHECK(link(page, "next") == std::string(kBase) + "?alpha=a+b&page=3&page_size=10&zeta=1");
    CHECK(link(page, "previous") == std::string(kBase) + "?alpha=a+b&page_size=10&zeta=1");
  }
  SECTION("page_size is capped at 50 and falls back to 50 when it is not a positive number") {
    for (const char* size : {"500", "0", "-3", "abc", ""}) {
      INFO("page_size=" << size);
      CHECK(f.get(teams + "?page_size=" + size).json().at("results").as_array().size() == 50);
    }
    CHECK(f.get(teams + "?page_size=7").json().at("results").as_array().size() == 7);
    CHECK(f.get(teams + "?page_size=7&page=last").json().at("results").as_array().size() == 1);
  }
  SECTION("a page that is not a number or past the end is 404 Invalid page.") {
    for (const char* page : {"4", "0", "-1", "two", "1.0", "99999999999999999999"}) {
      auto r = f.get(teams + "?page=" + page);
      INFO("page=" << page);
      CHECK(r.status == 404);
      CHECK(r.body == R"({"detail":"Invalid page."})");
    }
    CHECK(f.get(teams + "?page=").json().at("previous").is_null());  // empty: page 1
  }
}

TEST_CASE("an empty list is page 1 with count 0", "[api][pagination]") {
  ApiFixture f;
  const auto invites = f.team_path(f.team_id, "invites/");
  CHECK(f.get(invites).body == R"({"count":0,"next":null,"previous":null,"results":[]})");
  CHECK(f.get(invites + "?page=last").body == R"({"count":0,"next":null,"previous":null,"results":[]})");
  CHECK(f.get(invites + "?page=2").status == 404);
}

TEST_CASE("a list page read again is the same until a write changes it, and changes as soon as it is acknowledged",
          "[api][pagination][cache]") {
  ApiFixture f;
  const auto teams = ApiFixture::org("/teams/");
  const auto tokens = f.team_path(f.team_id, "tokens/");
  const auto first = f.get(teams);
  REQUIRE(first.status == 200);
  CHECK(f.get(teams).body == first.body);  // the second read is served from the page cache
  CHECK(f.get(teams + "?page_size=1").json().at("results").as_array().size() == 1);  // the query is part of the key
  CHECK(f.get(tokens).json().at("count") == 1);

  REQUIRE(f.send_json("PATCH", f.team_path(f.second_team_id), R"({"name":"Renamed"})").status == 200);
  auto after = f.get(teams).json();
  CHECK(after.at("results").at(1).at("name") == "Renamed");
  CHECK(f.get(teams + "?page_size=1").json().at("next") ==
        "http://testserver/api/v1/organizers/dummy/teams/?page=2&page_size=1");

  REQUIRE(f.post_json(teams, R"({"name":"Third","limit_events":[]})").status == 201);
  CHECK(f.get(teams).json().at("count") == 3);
  REQUIRE(f.post_json(tokens, R"({"name":"second"})").status == 201);
  CHECK(f.get(tokens).json().at("count") == 2);
  // A write to another organizer leaves dummy's pages as they are.
  REQUIRE(f.request("POST", "/api/v1/organizers/other/teams/",
                    {{"Authorization", "Token " + f.other_token}, {"Content-Type", "application/json"}},
                    R"({"name":"Elsewhere","limit_events":[]})")
              .status == 201);
  CHECK(f.get(teams).json().at("count") == 3);
}

TEST_CASE("the page cache keys pages by base, path and query, and keeps a page until what it shows is written",
          "[api][pagination][cache]") {
  ApiFixture f;
  using teamlog::http::api::PageCache;
  CHECK(PageCache::key("http://a", "/p/", "page=2") != PageCache::key("http://b", "/p/", "page=2"));
  CHECK(PageCache::key("http://a", "/p/", "page=2") != PageCache::key("http://a", "/q/", "page=2"));
  CHECK(PageCache::key("http://a", "/p/", "page=2") != PageCache::key("http://a", "/p/", "page=3"));
  CHECK(PageCache::key("http://a", std::string(3000, 'x'), "").empty());  // too long to keep

  const auto& pages = f.app->page_cache()->pages();
  const auto teams = ApiFixture::org("/teams/");
  const auto tokens = f.team_path(f.team_id, "tokens/");
  const auto second_tokens = f.team_path(f.second_team_id, "tokens/");
  const auto read_all = [&] {
    for (const auto& path : {teams, tokens, second_tokens}) REQUIRE(f.get(path).status == 200);
  };
  read_all();
  const auto rendered = pages.misses();
  read_all();
  CHECK(pages.misses() == rendered);  // all three served from the cache

  // A token of the first team: its token list is rendered again; the team list and the second team's tokens
  // are not (the write touched neither).
  REQUIRE(f.post_json(tokens, R"({"name":"another"})").status == 201);
  read_all();
  CHECK(pages.misses() == rendered + 1);
  CHECK(f.get(tokens).json().at("count") == 2);

  // A write to another organizer leaves this one's pages alone.
  REQUIRE(f.request("POST", "/api/v1/organizers/other/teams/",
                    {{"Authorization", "Token " + f.other_token}, {"Content-Type", "application/json"}},
                    R"({"name":"Elsewhere","limit_events":[]})")
              .status == 201);
  read_all();
  CHECK(pages.misses() == rendered + 1);

  // Renaming a team renders the team list again.
  REQUIRE(f.send_json("PATCH", f.team_path(f.second_team_id), R"({"name":"Renamed"})").status == 200);
  CHECK(f.get(teams).json().at("results").at(1).at("name") == "Renamed");
  CHECK(pages.misses() == rendered + 2);

  // A nested list's team is read with its page: the cached page is answered without reading the store at all,
  // and goes with its team.
  REQUIRE(f.get(second_tokens).status == 200);
  const auto reads = f.store->read_cache_stats();
  CHECK(f.get(second_tokens).status == 200);
  CHECK(f.store->read_cache_stats() == reads);
  REQUIRE(f.del(f.team_path(f.second_team_id)).status == 204);
  CHECK(f.get(second_tokens).status == 404);
  CHECK(f.get(second_tokens).status == 404);
}
