// Crash safety: 16 concurrent writers against a real teamlogd that is killed with SIGKILL at a random moment, then
// restarted; every acknowledged write must be there with its exact values, revoked tokens must stay revoked, and
// `teamlogctl verify` must pass on the crashed data dir. Cycles accumulate on one data dir.
//
// CI runs 3 cycles; the long run is
//   TEAMLOG_CRASH_CYCLES=50 ./build/release/tests/blackbox/blackbox_test "[crash]"
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "harness.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr int kWriters = 16;
const std::string kOrg = "/api/v1/organizers/crash";

struct Token {
  std::int64_t team = 0;
  std::string name;
  std::string secret;
  bool revoked = false;        // a revocation was acknowledged
  bool maybe_revoked = false;  // a revocation was in flight at the kill: either outcome is right
};

// What the server acknowledged, over all cycles. Unacknowledged writes (in flight at the kill) may or may not have
// happened; only their `maybe` marks are kept, so that the checks accept both outcomes.
struct Acknowledged {
  std::mutex mu;
  std::map<std::int64_t, std::string> teams;  // id -> the 201 body
  std::set<std::int64_t> deleted_teams;
  std::set<std::int64_t> maybe_deleted_teams;
  std::map<std::int64_t, Token> tokens;
  std::map<std::int64_t, std::pair<std::int64_t, std::string>> invites;  // id -> team, the 201 body
  std::uint64_t writes = 0;
};

std::string team_path(std::int64_t team, const std::string& rest = "") {
  return kOrg + "/teams/" + std::to_string(team) + "/" + rest;
}

// One writer: creates teams, tokens and invites, revokes tokens and deletes teams (its own only), until the server
// goes away. Every operation is recorded before it is sent, and settled only by its answer.
void write_until_killed(std::uint16_t port, const std::string& admin, int writer, int cycle, Acknowledged& acked,
                        std::uint32_t seed) {
  std::mt19937 rng(seed);
  Api api(port, admin);
  std::vector<std::int64_t> my_teams;
  std::vector<std::int64_t> my_tokens;
  for (int n = 0;; ++n) {
    const std::string tag = "w" + std::to_string(writer) + "c" + std::to_string(cycle) + "n" + std::to_string(n);
    const int dice = static_cast<int>(rng() % 100);
    std::optional<std::int64_t> maybe_revoke, maybe_delete;
    try {
      if (my_teams.empty() || dice < 30) {
        const bool orders = rng() % 2 == 0, vouchers = rng() % 2 == 0;
        auto r = api.post_json(kOrg + "/teams/", R"({"name":"Team )" + tag + R"(","limit_events":[],"can_view_orders":)" +
                                                     (orders ? "true" : "false") + R"(,"can_view_vouchers":)" +
                                                     (vouchers ? "true" : "false") + "}");
        if (r.status != 201) throw std::runtime_error("create team: " + describe(r));
        const auto id = r.json().at("id").as_int64();
        my_teams.push_back(id);
        std::lock_guard lock(acked.mu);
        acked.teams[id] = r.body;
        ++acked.writes;
      } else if (dice < 55) {
        const auto team = my_teams[rng() % my_teams.size()];
        auto r = api.post_json(team_path(team, "tokens/"), R"({"name":"Token )" + tag + R"("})");
        if (r.status != 201) throw std::runtime_error("create token: " + describe(r));
        const auto v = r.json();
        const auto id = v.at("id").as_int64();
        my_tokens.push_back(id);
        std::lock_guard lock(acked.mu);
        acked.tokens[id] = Token{team, "Token " + tag, std::string(v.at("token").as_string())};
        ++acked.writes;
      } else if (dice < 75) {
        const auto team = my_teams[rng() % my_teams.size()];
        auto r = api.post_json(team_path(team, "invites/"), R"({"email":")" + tag + R"(@example.com"})");
        if (r.status != 201) throw std::runtime_error("create invite: " + describe(r));
        std::lock_guard lock(acked.mu);
        acked.invites[r.json().at("id").as_int64()] = {team, r.body};
        ++acked.writes;
      } else if (dice < 92 && !my_tokens.empty()) {
        const std::size_t pick = rng() % my_tokens.size();
        const auto id = my_tokens[pick];
        std::int64_t team = 0;
        {
          std::lock_guard lock(acked.mu);
          team = acked.tokens.at(id).team;
          acked.tokens.at(id).maybe_revoked = true;
        }
        maybe_revoke = id;
        auto r = api.del(team_path(team, "tokens/" + std::to_string(id) + "/"));
        if (r.status != 200) throw std::runtime_error("revoke token: " + describe(r));
        std::lock_guard lock(acked.mu);
        acked.tokens.at(id).revoked = true;
        ++acked.writes;
        my_tokens.erase(my_tokens.begin() + static_cast<std::ptrdiff_t>(pick));
      } else {
        const std::size_t pick = rng() % my_teams.size();
        const auto team = my_teams[pick];
        {
          std::lock_guard lock(acked.mu);
          acked.maybe_deleted_teams.insert(team);
        }
        maybe_delete = team;
        auto r = api.del(team_path(team));
        if (r.status != 204) throw std::runtime_error("delete team: " + describe(r));
        std::lock_guard lock(acked.mu);
        acked.deleted_teams.insert(team);
        ++acked.writes;
        my_teams.erase(my_teams.begin() + static_cast<std::ptrdiff_t>(pick));
        std::erase_if(my_tokens, [&](std::int64_t t) { return acked.tokens.at(t).team == team; });
      }
    } catch (const std::runtime_error& e) {
      // A refused connection or a connection cut mid-answer is the kill; anything else answered is a bug.
      const std::string what = e.what();
      if (what.starts_with("create ") || what.starts_with("revoke ") || what.starts_with("delete ")) throw;
      return;
    }
  }
}

bool authenticates(HttpClient& client, const std::string& secret) {
  auto r = client.request("GET", kOrg + "/teams/?page_size=1", {{"Authorization", "Token " + secret}});
  return r.status != 401;
}

// Every acknowledged write, as a client sees it after the restart.
void check_everything(std::uint16_t port, const std::string& admin, Acknowledged& acked) {
  Api api(port, admin);
  HttpClient as_tokens(port);  // one connection for every token's authentication check
  std::lock_guard lock(acked.mu);
  auto team_gone = [&](std::int64_t team) { return acked.deleted_teams.count(team) > 0; };
  auto team_unknown = [&](std::int64_t team) { return !team_gone(team) && acked.maybe_deleted_teams.count(team) > 0; };
  for (const auto& [id, body] : acked.teams) {
    auto r = api.get(team_path(id));
    INFO("team " << id << ": " << describe(r));
    if (team_gone(id)) {
      CHECK(r.status == 404);
    } else if (!team_unknown(id)) {
      CHECK(r.status == 200);
      CHECK(r.body == body);
    }
  }
  for (auto& [id, token] : acked.tokens) {
    INFO("token " << id << " of team " << token.team);
    if (team_gone(token.team)) {
      CHECK_FALSE(authenticates(as_tokens, token.secret));
      continue;
    }
    if (team_unknown(token.team)) continue;
    auto r = api.get(team_path(token.team, "tokens/" + std::to_string(id) + "/"));
    INFO(describe(r));
    REQUIRE(r.status == 200);
    const auto v = r.json();
    CHECK(v.at("name").as_string() == token.name);
    const bool active = v.at("active").as_bool();
    if (token.revoked) {
      CHECK_FALSE(active);
    } else if (!token.maybe_revoked) {
      CHECK(active);
    }
    // The view and authentication agree: a revoked token never gets in, an active one always does.
    CHECK(authenticates(as_tokens, token.secret) == active);
    // Settle the unknown: what the server says now is what it will say after every later crash.
    if (token.maybe_revoked && !token.revoked) {
      token.revoked = !active;
      token.maybe_revoked = false;
    }
  }
  for (const auto& [id, invite] : acked.invites) {
    if (team_unknown(invite.first)) continue;
    auto r = api.get(team_path(invite.first, "invites/" + std::to_string(id) + "/"));
    INFO("invite " << id << ": " << describe(r));
    if (team_gone(invite.first)) {
      CHECK(r.status == 404);
    } else {
      CHECK(r.status == 200);
      CHECK(r.body == invite.second);
    }
  }
  // Teams whose deletion was in flight: settle them the same way.
  for (auto it = acked.maybe_deleted_teams.begin(); it != acked.maybe_deleted_teams.end();) {
    if (team_gone(*it)) {
      it = acked.maybe_deleted_teams.erase(it);
      continue;
    }
    auto r = api.get(team_path(*it));
    INFO("team with a deletion in flight " << *it << ": " << describe(r));
    CHECK((r.status == 200 || r.status == 404));
    if (r.status == 404) acked.deleted_teams.insert(*it);
    it = acked.maybe_deleted_teams.erase(it);
  }
}

int cycles_from_env() {
  const char* v = std::getenv("TEAMLOG_CRASH_CYCLES");
  if (v == nullptr) return 3;
  const int n = std::atoi(v);
  return n > 0 ? n : 3;
}

}  // namespace

TEST_CASE("SIGKILL at a random moment under 16 writers loses no acknowledged write and half-applies nothing",
          "[blackbox][crash]") {
  const int cycles = cycles_from_env();
  const auto seed = static_cast<std::uint32_t>(std::random_device{}());
  INFO("seed " << seed << ", " << cycles << " cycles");
  std::mt19937 rng(seed);
  TeamlogServer server;
  const auto init = server.init("crash", "admin@example.com");
  server.start();
  Acknowledged acked;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    INFO("cycle " << cycle);
    const auto writes_before = acked.writes;
    std::vector<std::thread> writers;
    std::vector<std::exception_ptr> failures(kWriters);
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w, s = static_cast<std::uint32_t>(rng())] {
        try {
          write_until_killed(server.port(), init.token, w, cycle, acked, s);
        } catch (...) {
          failures[static_cast<std::size_t>(w)] = std::current_exception();
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1000));
    server.kill();
    for (auto& t : writers) t.join();
    for (auto& f : failures) {
      if (f) std::rethrow_exception(f);
    }
    CHECK(acked.writes > writes_before);  // the kill came while writes were being acknowledged

    // The crashed data dir, as RocksDB recovers it: chain, dense positions and versions, views = a fresh replay.
    auto verify = run_process({bin_dir() + "/teamlogctl", "--data-dir", server.data_dir(), "verify"}, 120s);
    INFO("verify: " << verify.out << verify.err);
    REQUIRE(verify.exit_code == 0);

    server.restart();
    check_everything(server.port(), init.token, acked);
  }
}
