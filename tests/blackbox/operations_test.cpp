// Operating teamlogd: restarts, crash durability, idempotency keys, health and metrics, the data dir lock, logs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "fixture.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// What a client can observe of a response, apart from Date and connection management.
std::string observable(const Response& r) {
  return std::to_string(r.status) + "\n" + r.header("Content-Type").value_or("<none>") + "\n" + r.body;
}

// Every team of organizer dummy, following next links (bounded).
std::map<std::int64_t, json::value> all_teams(Api& api) {
  std::map<std::int64_t, json::value> teams;
  std::string target = "/api/v1/organizers/dummy/teams/";
  for (int i = 0; i < 100 && !target.empty(); ++i) {
    auto r = api.get(target);
    INFO(describe(r));
    REQUIRE(r.status == 200);
    auto v = r.json();
    for (const auto& t : v.at("results").as_array()) teams[t.at("id").as_int64()] = t;
    const auto& next = v.at("next");
    target.clear();
    if (next.is_string()) {
      std::string url(next.as_string());
      auto path = url.find("/api/");
      REQUIRE(path != std::string::npos);
      target = url.substr(path);
    }
  }
  return teams;
}

// Creates teams from four connections; once some are acknowledged, calls interrupt() (which stops or kills the
// server) while they are still sending. Returns the acknowledged creates, id -> name.
std::map<std::int64_t, std::string> create_while(PretixFixture& f, const std::function<void()>& interrupt) {
  std::mutex mutex;
  std::map<std::int64_t, std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      try {
        Api api(f.server.port(), f.foo_token);
        for (int i = 0; i < 500 && !stop; ++i) {
          const std::string name = "load-" + std::to_string(w) + "-" + std::to_string(i);
          auto r = api.post_json(PretixFixture::org("/teams/"), R"({"name":")" + name + R"(","limit_events":[]})");
          if (r.status != 201) break;
          std::lock_guard lock(mutex);
          acked[r.json().at("id").as_int64()] = name;
          ++acks;
        }
      } catch (const std::exception&) {
        // The connection died with the server: that request was not acknowledged.
      }
    });
  }
  for (int i = 0; i < 500 && acks < 40; ++i) std::this_thread::sleep_for(10ms);
  interrupt();
  stop = true;
  for (auto& t : writers) t.join();
  REQUIRE(!acked.empty());
  return acked;
}

// Every acknowledged create is there after a restart, with its name.
void check_acknowledged(Api& api, const std::map<std::int64_t, std::string>& acked) {
  auto teams = all_teams(api);
  std::size_t missing = 0;
  for (const auto& [id, name] : acked) {
    auto it = teams.find(id);
    if (it == teams.end() || it->second.at("name") != json::value(name)) {
      ++missing;
      UNSCOPED_INFO("acknowledged team " << id << " " << name << " is missing or different after restart");
    }
  }
  INFO(acked.size() << " acknowledged creates");
  CHECK(missing == 0);
}

}  // namespace

TEST_CASE("a SIGTERM restart on the same data dir changes nothing a client sees", "[blackbox][operations]") {
  PretixFixture f({.invite = true, .token = true});
  // Some history: a member, a patched team, a revoked token, a deleted team, an inactive token in a list.
  REQUIRE(f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "dummy@dummy.dummy"}}).status == 201);
  REQUIRE(f.api->patch_json(f.team_path(f.second_team_id), R"({"name":"Renamed","can_view_orders":true})").status ==
          200);
  auto extra = f.api->post_form(f.team_path(f.second_team_id, "tokens/"), {{"name", "Another"}});
  REQUIRE(extra.status == 201);
  const auto extra_id = extra.json().at("id").as_int64();
  REQUIRE(f.api->del(f.team_path(f.second_team_id, "tokens/" + std::to_string(extra_id) + "/")).status == 200);
  auto doomed = f.api->post_json(PretixFixture::org("/teams/"), R"({"name":"Doomed","limit_events":[]})");
  REQUIRE(doomed.status == 201);
  REQUIRE(f.api->del(f.team_path(doomed.json().at("id").as_int64())).status == 204);

  const std::vector<std::string> targets{
      PretixFixture::org("/teams/"),
      PretixFixture::org("/teams/?page_size=1"),
      PretixFixture::org("/teams/?page=2&page_size=1"),
      f.team_path(f.team_id),
      f.team_path(f.second_team_id),
      f.team_path(f.team_id, "members/"),
      f.team_path(f.team_id, "members/" + std::to_string(f.user_id) + "/"),
      f.team_path(f.team_id, "invites/"),
      f.team_path(f.team_id, "invites/" + std::to_string(f.invite_id) + "/"),
      f.team_path(f.second_team_id, "tokens/"),
      f.team_path(f.second_team_id, "tokens/" + std::to_string(f.token_id) + "/"),
      f.team_path(f.team_id, "tokens/"),
      PretixFixture::org("/events/"),
      PretixFixture::org("/events/dummy/"),
      f.team_path(999999),
      "/api/v1/organizers/nosuchorg/teams/",
  };
  std::vector<std::string> before;
  for (const auto& t : targets) before.push_back(observable(f.api->get(t)));

  const auto port = f.server.port();
  auto code = f.server.stop();
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  f.server.restart();
  REQUIRE(f.server.port() == port);

  Api again(f.server.port(), f.foo_token);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    INFO("GET " << targets[i]);
    CHECK(observable(again.get(targets[i])) == before[i]);
  }
  // And it still takes writes, continuing the id sequence.
  auto after = again.post_json(PretixFixture::org("/teams/"), R"({"name":"After","limit_events":[]})");
  INFO(describe(after));
  REQUIRE(after.status == 201);
  CHECK(after.json().at("id").as_int64() > doomed.json().at("id").as_int64());
}

TEST_CASE("after SIGKILL and restart every acknowledged write is visible", "[blackbox][operations]") {
  PretixFixture f({.token = true});
  // Acknowledged writes of each kind, sequentially.
  REQUIRE(f.api->patch_json(f.team_path(f.second_team_id), R"({"can_view_orders":true})").status == 200);
  REQUIRE(f.api->del(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.token_id) + "/")).status == 200);
  auto invite = f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "late@example.org"}});
  REQUIRE(invite.status == 201);

  // Then creates from four connections while the server is killed under them.
  auto acked = create_while(f, [&] { f.server.kill(); });

  f.server.restart();
  Api api(f.server.port(), f.foo_token);
  check_acknowledged(api, acked);
  auto teams = all_teams(api);
  CHECK(teams.at(f.second_team_id).at("can_view_orders") == true);
  auto token = api.get(f.team_path(f.second_team_id, "tokens/" + std::to_string(f.token_id) + "/"));
  CHECK(token.json().at("active") == false);
  auto invites = api.get(f.team_path(f.team_id, "invites/"));
  INFO(describe(invites));
  CHECK(invites.json().at("count") == 1);
  // The revoked token stays revoked, and the server works normally.
  Api revoked(f.server.port(), f.testtoken_secret);
  CHECK(revoked.get(PretixFixture::org("/teams/")).body == R"({"detail":"Token inactive or deleted."})");
  CHECK(f.server.stop().value_or(-999) == 0);
}

TEST_CASE("SIGTERM under load exits 0 and keeps every acknowledged write", "[blackbox][operations]") {
  PretixFixture f;
  std::optional<int> code;
  auto acked = create_while(f, [&] { code = f.server.stop(); });
  INFO("exit code " << code.value_or(-999) << "; log:\n" << f.server.log());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  f.server.restart();
  Api api(f.server.port(), f.foo_token);
  check_acknowledged(api, acked);
}

TEST_CASE("X-Idempotency-Key replays the first response for the same credentials only", "[blackbox][operations]") {
  PretixFixture f;
  const auto teams = PretixFixture::org("/teams/");
  const std::string body = R"({"name":"Once","limit_events":[]})";
  const Headers key{{"X-Idempotency-Key", "3f1c7e2a-key-1"}};
  const auto count = [&] { return f.api->get(teams).json().at("count").as_int64(); };
  const auto before = count();

  auto first = f.api->post_json(teams, body, key);
  INFO(describe(first));
  REQUIRE(first.status == 201);
  auto second = f.api->post_json(teams, body, key);
  INFO(describe(second));
  CHECK(second.status == 201);
  CHECK(second.body == first.body);
  CHECK(count() == before + 1);

  // Another token is another client: the same key is a new request.
  auto extra_token = f.api->post_form(f.team_path(f.team_id, "tokens/"), {{"name", "Second client"}});
  REQUIRE(extra_token.status == 201);
  Api other(f.server.port(), std::string(extra_token.json().at("token").as_string()));
  auto third = other.post_json(teams, body, key);
  INFO(describe(third));
  CHECK(third.status == 201);
  CHECK(third.json().at("id") != first.json().at("id"));
  CHECK(count() == before + 2);

  // A failed first attempt (400) is replayed too, and does not block a different key.
  const Headers key2{{"X-Idempotency-Key", "3f1c7e2a-key-2"}};
  auto bad1 = f.api->post_json(teams, "{}", key2);
  auto bad2 = f.api->post_json(teams, R"({"name":"Fixed","limit_events":[]})", key2);
  CHECK(bad1.status == 400);
  CHECK(bad2.status == 400);
  CHECK(bad2.body == bad1.body);
  CHECK(count() == before + 2);
}

TEST_CASE("simultaneous repeats of one idempotency key create one team, the other gets the replay or a 409",
          "[blackbox][operations]") {
  PretixFixture f;
  const auto teams = PretixFixture::org("/teams/");
  const auto count = [&] { return f.api->get(teams).json().at("count").as_int64(); };
  const auto before = count();
  Api a(f.server.port(), f.foo_token);
  Api b(f.server.port(), f.foo_token);
  REQUIRE(a.get(teams).status == 200);  // open both connections first
  REQUIRE(b.get(teams).status == 200);
  constexpr int kRounds = 10;
  int conflicts = 0;
  for (int round = 0; round < kRounds; ++round) {
    const Headers key{{"X-Idempotency-Key", "race-" + std::to_string(round)}};
    const std::string body = R"({"name":"Race )" + std::to_string(round) + R"(","limit_events":[]})";
    std::latch go(2);
    Response ra;
    Response rb;
    std::thread ta([&] {
      go.arrive_and_wait();
      ra = a.post_json(teams, body, key);
    });
    std::thread tb([&] {
      go.arrive_and_wait();
      rb = b.post_json(teams, body, key);
    });
    ta.join();
    tb.join();
    INFO("round " << round << "\nA: " << describe(ra) << "\nB: " << describe(rb));
    CHECK((ra.status == 201 || rb.status == 201));
    for (const auto* r : {&ra, &rb}) {
      if (r->status == 409) {
        ++conflicts;
        CHECK(r->body == R"({"detail":"Concurrent request with idempotency key."})");
        CHECK(r->header("Retry-After").value_or("<none>") == "5");
      } else {
        CHECK(r->status == 201);
      }
    }
    if (ra.status == 201 && rb.status == 201) CHECK(ra.body == rb.body);
  }
  INFO(conflicts << " of " << kRounds << " rounds answered 409");
  CHECK(count() == before + kRounds);
}

TEST_CASE("healthz answers 200 with the log position without credentials", "[blackbox][operations]") {
  PretixFixture f;
  HttpClient client(f.server.port());
  auto h1 = client.request("GET", "/healthz");
  INFO(describe(h1));
  REQUIRE(h1.status == 200);
  auto v1 = h1.json();
  REQUIRE(v1.is_object());
  REQUIRE(v1.as_object().contains("position"));
  const auto p1 = v1.at("position").to_number<std::int64_t>();
  CHECK(p1 > 0);
  REQUIRE(f.api->post_json(PretixFixture::org("/teams/"), R"({"name":"Moves","limit_events":[]})").status == 201);
  auto h2 = client.request("GET", "/healthz");
  REQUIRE(h2.status == 200);
  CHECK(h2.json().at("position").to_number<std::int64_t>() > p1);
}

TEST_CASE("metrics are Prometheus text with teamlog_http_requests_total", "[blackbox][operations]") {
  PretixFixture f;
  REQUIRE(f.api->get(PretixFixture::org("/teams/")).status == 200);
  HttpClient client(f.server.port());
  auto r = client.request("GET", "/metrics");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").value_or("").starts_with("text/plain"));
  CHECK(r.body.find("# TYPE teamlog_http_requests_total counter") != std::string::npos);
  // At least one sample line with a positive value.
  bool positive = false;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("teamlog_http_requests_total")) continue;
    auto space = line.rfind(' ');
    if (space != std::string::npos && std::stod(line.substr(space + 1)) > 0) positive = true;
  }
  CHECK(positive);
}

TEST_CASE("a second teamlogd on a held data dir exits non-zero naming the dir, the first keeps serving",
          "[blackbox][operations]") {
  PretixFixture f;
  auto second = run_process(
      {bin_dir() + "/teamlogd", "--data-dir", f.server.data_dir(), "--listen", "127.0.0.1:0"}, 10s);
  INFO("second teamlogd: exit " << second.exit_code << (second.timed_out ? " (timed out)" : "") << "\nstderr:\n"
                                << second.err << "\nstdout:\n" << second.out);
  CHECK_FALSE(second.timed_out);
  CHECK(second.exit_code > 0);
  CHECK((second.err + second.out).find(f.server.data_dir()) != std::string::npos);
  CHECK((second.err + second.out).find("listening on") == std::string::npos);

  auto r = f.api->get(PretixFixture::org("/teams/"));
  INFO(describe(r));
  CHECK(r.status == 200);
  CHECK(f.api->post_json(PretixFixture::org("/teams/"), R"({"name":"Still","limit_events":[]})").status == 201);

  // teamlogctl init refuses too while the server holds the dir.
  auto ctl = run_process({bin_dir() + "/teamlogctl", "--data-dir", f.server.data_dir(), "init", "--organizer",
                          "third", "--admin-email", "x@example.org"},
                         10s);
  INFO("teamlogctl init: exit " << ctl.exit_code << "\n" << ctl.err);
  CHECK(ctl.exit_code == 2);
  CHECK(f.server.stop().value_or(-999) == 0);
}

TEST_CASE("no token or invite secret appears in the server's logs or in the data dir", "[blackbox][operations]") {
  // At the chattiest log level, so that no debug line can hide one.
  PretixFixture f({.token = true, .server_args = {"--log-level", "trace"}});
  std::vector<std::string> secrets{f.dummy_init.token, f.other_init.token, f.foo_token, f.testtoken_secret};
  for (int i = 0; i < 3; ++i) {
    auto r = f.api->post_form(f.team_path(f.team_id, "tokens/"), {{"name", "Secret " + std::to_string(i)}});
    REQUIRE(r.status == 201);
    secrets.emplace_back(r.json().at("token").as_string());
  }
  // Use them, well and badly, so that every authentication path has run with them.
  for (const auto& s : secrets) {
    Api a(f.server.port(), s);
    (void)a.get(PretixFixture::org("/teams/"));
    (void)a.get("/api/v1/organizers/other/teams/");
    HttpClient raw(f.server.port());
    (void)raw.request("GET", PretixFixture::org("/teams/"), {{"Authorization", "Token " + s + " extra"}});
    (void)raw.request("GET", PretixFixture::org("/teams/"), {{"Authorization", "Token " + s + "x"}});
  }
  // Invite secrets reach only the invitation mail: take them from the link in the .eml files.
  const auto mails_before = eml_files(f.server.data_dir()).size();
  REQUIRE(f.api->post_form(f.team_path(f.team_id, "invites/"), {{"email", "secret@example.org"}}).status == 201);
  std::vector<std::string> invite_secrets;
  for (const auto& mail : wait_for_eml(f.server.data_dir(), mails_before + 1)) {
    const auto text = read_file(mail);
    for (auto at = text.find("/invite/"); at != std::string::npos; at = text.find("/invite/", at + 1)) {
      auto begin = at + 8;
      auto end = text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789", begin);
      if (end != std::string::npos && end - begin >= 16) invite_secrets.push_back(text.substr(begin, end - begin));
    }
  }
  if (invite_secrets.empty()) WARN("no invitation mail with an /invite/ link in the data dir: invite secrets unchecked");

  REQUIRE(f.server.stop().value_or(-999) == 0);
  const auto log = f.server.log();
  INFO("server log has " << log.size() << " bytes");
  for (const auto& s : secrets) {
    INFO("token secret " << s.substr(0, 6) << "...");
    CHECK(log.find(s) == std::string::npos);
  }
  for (const auto& s : invite_secrets) {
    INFO("invite secret " << s.substr(0, 6) << "...");
    CHECK(log.find(s) == std::string::npos);
  }
  // Secrets never enter the log or a view: no file of the data dir holds one, but for the mails' invite links.
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(f.server.data_dir(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto content = read_file(it->path());
    for (const auto& s : secrets) {
      INFO(it->path().string() << " holds token secret " << s.substr(0, 6) << "...");
      CHECK(content.find(s) == std::string::npos);
    }
    if (it->path().extension() == ".eml") continue;
    for (const auto& s : invite_secrets) {
      INFO(it->path().string() << " holds invite secret " << s.substr(0, 6) << "...");
      CHECK(content.find(s) == std::string::npos);
    }
  }
}
