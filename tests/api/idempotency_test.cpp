// X-Idempotency-Key: replays of the stored first response, 409 while it is in flight, 24 h expiry, and sealed
// storage of responses that carry a secret.
#include <catch2/catch.hpp>

#include <future>

#include "api_fixture.hpp"
#include "http/api/idempotency.hpp"

using namespace teamlog::testing;
using teamlog::http::api::kIdempotencyColumn;

namespace {

Headers keyed(const std::string& key) { return {{"X-Idempotency-Key", key}}; }

// Holds the writer inside a batch until released, so that commands submitted meanwhile stay in flight.
class WriterGate {
 public:
  explicit WriterGate(teamlog::commands::CommandWriter& writer) {
    auto entered = std::make_shared<std::promise<void>>();
    auto entered_future = entered->get_future();
    writer.submit(
        teamlog::commands::DeleteTeam{"", 0}, {}, [this](teamlog::commands::Completion) { finished_.set_value(); },
        [entered, opened = open_.get_future().share()](teamlog::Transaction&,
                                                       const teamlog::Result<teamlog::commands::Decision>&) {
          entered->set_value();
          opened.wait();
        });
    entered_future.wait();
  }
  ~WriterGate() { release(); }
  void release() {
    if (released_) return;
    released_ = true;
    open_.set_value();
    finished_.get_future().wait();
  }

 private:
  std::promise<void> open_;
  std::promise<void> finished_;
  bool released_ = false;
};

}  // namespace

TEST_CASE("a repeated key gets the first response again, and the command runs once", "[api][idempotency]") {
  ApiFixture f;
  const auto tokens = f.team_path(f.second_team_id, "tokens/");
  auto first = f.post_form(tokens, {{"name", "Once"}}, keyed("k1"));
  REQUIRE(first.status == 201);
  auto again = f.post_form(tokens, {{"name", "Once"}}, keyed("k1"));
  CHECK(again.status == 201);
  CHECK(again.body == first.body);  // the same secret: a client that lost the response can still use it
  CHECK(again.content_type == "application/json");
  CHECK(f.get(tokens).json().at("count") == 2);

  SECTION("even when the repeat's body differs, as pretix replays by key alone") {
    CHECK(f.post_form(tokens, {{"name", "Other"}}, keyed("k1")).body == first.body);
    CHECK(f.get(tokens).json().at("count") == 2);
  }
  SECTION("other credentials or another key are another request") {
    Headers admin{{"Authorization", "Token " + f.dummy_admin_token}, {"X-Idempotency-Key", "k1"}};
    CHECK(f.post_form(tokens, {{"name", "Once"}}, admin).status == 401);  // dummy's admin team was deleted
    CHECK(f.post_form(tokens, {{"name", "Once"}}, keyed("k2")).body != first.body);
    CHECK(f.get(tokens).json().at("count") == 3);
  }
  SECTION("the stored record does not hold the secret in the clear") {
    const auto column = f.store->find_column(kIdempotencyColumn);
    REQUIRE(column);
    const auto secret = std::string(first.json().at("token").as_string());
    int records = 0;
    for (auto c = f.store->scan(*column, ""); c->valid(); c->next()) {
      ++records;
      CHECK(c->value().find(secret) == std::string_view::npos);
      CHECK(c->value().find("Once") == std::string_view::npos);
    }
    CHECK(records == 1);
  }
  SECTION("GET ignores the key") {
    CHECK(f.request("GET", tokens, {{"Authorization", "Token " + f.foo_token}, {"X-Idempotency-Key", "k1"}}).body !=
          first.body);
  }
}

TEST_CASE("errors are stored too: validation, 404, 204, and answers given before any command", "[api][idempotency]") {
  ApiFixture f;
  const auto teams = ApiFixture::org("/teams/");
  CHECK(f.send_json("POST", teams, "{}", keyed("bad")).status == 400);
  CHECK(f.send_json("POST", teams, R"({"name":"X","limit_events":[]})", keyed("bad")).status == 400);

  auto unsupported = f.request("POST", teams,
                               {{"Authorization", "Token " + f.foo_token}, {"Content-Type", "text/plain"},
                                {"X-Idempotency-Key", "415"}},
                               "x");
  CHECK(unsupported.status == 415);
  auto fixed = f.send_json("POST", teams, R"({"name":"X","limit_events":[]})", keyed("415"));
  CHECK(fixed.status == 415);
  CHECK(fixed.body == unsupported.body);

  auto refused = f.request("PUT", f.team_path(f.team_id, "members/"),
                           {{"Authorization", "Token " + f.foo_token}, {"X-Idempotency-Key", "405"}});
  CHECK(refused.status == 405);
  auto replayed = f.request("PUT", f.team_path(f.team_id, "members/"),
                            {{"Authorization", "Token " + f.foo_token}, {"X-Idempotency-Key", "405"}});
  CHECK(replayed.status == 405);
  CHECK(replayed.header("Allow") == std::optional<std::string>("GET, HEAD, OPTIONS"));

  CHECK(f.del(f.team_path(f.second_team_id), keyed("del")).status == 204);
  auto deleted_again = f.del(f.team_path(f.second_team_id), keyed("del"));
  CHECK(deleted_again.status == 204);
  CHECK(deleted_again.content_type.empty());
  CHECK(f.del(f.team_path(f.second_team_id), keyed("del2")).status == 404);
  CHECK(f.get(teams).json().at("count") == 1);
}

TEST_CASE("a repeat while the first request is in flight is 409 with Retry-After", "[api][idempotency]") {
  ApiFixture f;
  const auto tokens = f.team_path(f.second_team_id, "tokens/");
  auto [body, content_type] = ApiFixture::multipart({{"name", "Slow"}});
  const Headers headers{{"Authorization", "Token " + f.foo_token},
                        {"Content-Type", content_type},
                        {"X-Idempotency-Key", "busy"}};
  WriterGate gate(*f.writer);
  auto first = f.start("POST", tokens, headers, body);
  auto concurrent = f.request("POST", tokens, headers, body);
  CHECK(concurrent.status == 409);
  CHECK(concurrent.body == R"({"detail":"Concurrent request with idempotency key."})");
  CHECK(concurrent.header("Retry-After") == std::optional<std::string>("5"));
  gate.release();
  auto done = first.get();
  CHECK(done.status == 201);
  // The 409 was not stored: the next repeat replays the first response.
  CHECK(f.request("POST", tokens, headers, body).body == done.body);
}

TEST_CASE("records older than 24 hours are ignored", "[api][idempotency]") {
  ApiFixture f;
  const auto tokens = f.team_path(f.second_team_id, "tokens/");
  auto first = f.post_form(tokens, {{"name", "Daily"}}, keyed("day"));
  REQUIRE(first.status == 201);
  f.advance_clock(std::int64_t{23} * 3600 * 1000000);
  CHECK(f.post_form(tokens, {{"name", "Daily"}}, keyed("day")).body == first.body);
  f.advance_clock(std::int64_t{2} * 3600 * 1000000);
  auto fresh = f.post_form(tokens, {{"name", "Daily"}}, keyed("day"));
  CHECK(fresh.status == 201);
  CHECK(fresh.body != first.body);
  CHECK(f.get(tokens).json().at("count") == 3);
}

TEST_CASE("records past 24 hours leave the store when it compacts them, and younger ones stay", "[api][idempotency]") {
  ApiFixture f;
  const auto tokens = f.team_path(f.second_team_id, "tokens/");
  const auto column = [&] {
    auto c = f.store->find_column(kIdempotencyColumn);
    REQUIRE(c);
    return *c;
  }();
  const auto records = [&] {
    int n = 0;
    for (auto c = f.store->scan(column, ""); c->valid(); c->next()) ++n;
    return n;
  };
  auto old_one = f.post_form(tokens, {{"name", "Old"}}, keyed("old"));
  REQUIRE(old_one.status == 201);
  f.advance_clock(std::int64_t{20} * 3600 * 1000000);
  auto young = f.post_form(tokens, {{"name", "Young"}}, keyed("young"));
  REQUIRE(young.status == 201);
  REQUIRE(records() == 2);

  REQUIRE(f.store->compact_column(column).ok());  // 20 h: both within their lifetime
  CHECK(records() == 2);
  CHECK(f.post_form(tokens, {{"name", "Old"}}, keyed("old")).body == old_one.body);

  f.advance_clock(std::int64_t{5} * 3600 * 1000000);  // the first is 25 h old, the second 5 h
  REQUIRE(f.store->compact_column(column).ok());
  CHECK(records() == 1);
  CHECK(f.post_form(tokens, {{"name", "Young"}}, keyed("young")).body == young.body);
  auto again = f.post_form(tokens, {{"name", "Old"}}, keyed("old"));
  CHECK(again.status == 201);
  CHECK(again.body != old_one.body);  // a new token: the key is a new request now
  CHECK(records() == 2);
}
