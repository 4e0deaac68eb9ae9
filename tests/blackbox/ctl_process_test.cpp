// teamlogctl as a real process: every subcommand once, and audit against a data dir that a running teamlogd is
// writing to (a RocksDB secondary instance beside the server's primary).
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "harness.hpp"

using namespace teamlog::blackbox;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::vector<json::value> json_lines(const std::string& out) {
  std::vector<json::value> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) v.push_back(json::parse(line));
  return v;
}

ProcessResult ctl(const std::string& data_dir, std::vector<std::string> args) {
  std::vector<std::string> argv{bin_dir() + "/teamlogctl", "--data-dir", data_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv, 20s);
  UNSCOPED_INFO("teamlogctl " << args.front() << ": exit " << r.exit_code << (r.timed_out ? " (timed out)" : "")
                              << "\nstderr:\n" << r.err);
  return r;
}

}  // namespace

TEST_CASE("teamlogctl audit as a process reads a data dir while teamlogd writes to it", "[blackbox][ctl]") {
  TeamlogServer server;
  auto init = server.init("acme", "admin@acme.test");
  server.start();
  Api api(server.port(), init.token);
  constexpr int kTeams = 60;
  std::atomic<int> created{0};
  std::atomic<bool> failed{false};
  // The writer only talks HTTP; the processes are started from the test's own thread (see run_process).
  std::thread writer([&] {
    for (int i = 0; i < kTeams && !failed; ++i) {
      auto r = api.post_json("/api/v1/organizers/acme/teams/", R"({"name":"Live )" + std::to_string(i) + R"(","limit_events":[]})");
      if (r.status == 201) {
        ++created;
      } else {
        failed = true;
      }
    }
  });
  std::size_t previous = 0;
  int runs = 0;
  for (; runs < 50 && (runs < 3 || created < kTeams); ++runs) {
    const int acknowledged_before = created.load();
    auto r = ctl(server.data_dir(), {"audit", "--organizer", "acme"});
    REQUIRE_FALSE(r.timed_out);
    REQUIRE(r.exit_code == 0);
    auto entries = json_lines(r.out);
    // Oldest first, positions increasing; nothing acknowledged before the run started is missing.
    for (std::size_t i = 1; i < entries.size(); ++i) {
      CHECK(entries[i].at("position").as_int64() > entries[i - 1].at("position").as_int64());
    }
    std::size_t team_created = 0;
    for (const auto& e : entries) team_created += e.at("action_type") == "pretix.team.created" ? 1 : 0;
    CHECK(team_created >= static_cast<std::size_t>(acknowledged_before) + 1);  // + the init's Administrators
    CHECK(entries.size() >= previous);
    previous = entries.size();
  }
  writer.join();
  REQUIRE_FALSE(failed);
  CHECK(runs >= 3);
  auto last = json_lines(ctl(server.data_dir(), {"audit", "--organizer", "acme", "--format", "json"}).out);
  std::size_t team_created = 0;
  for (const auto& e : last) team_created += e.at("action_type") == "pretix.team.created" ? 1 : 0;
  CHECK(team_created == kTeams + 1);
  // The server was not disturbed: it still answers and stops cleanly.
  CHECK(api.get("/api/v1/organizers/acme/teams/").status == 200);
  CHECK(server.stop().value_or(-999) == 0);
}

TEST_CASE("every teamlogctl subcommand runs as a real process", "[blackbox][ctl]") {
  TeamlogServer server;  // only for its data dir and init; never started
  server.init("acme", "admin@acme.test");
  server.init("other", "admin@other.test");
  const std::string dir = server.data_dir();

  auto stats = ctl(dir, {"stats"});
  REQUIRE(stats.exit_code == 0);
  CHECK(json::parse(stats.out).at("events").as_int64() > 0);
  const std::int64_t head = json::parse(stats.out).at("events").as_int64();

  auto audit = ctl(dir, {"audit", "--format", "text"});
  REQUIRE(audit.exit_code == 0);
  CHECK(audit.out.find("The team has been created.") != std::string::npos);

  auto replay = ctl(dir, {"replay", "--at", std::to_string(head), "--organizer", "acme"});
  REQUIRE(replay.exit_code == 0);
  CHECK(json::parse(replay.out).at("organizers").at(0).at("slug") == "acme");

  auto verify = ctl(dir, {"verify"});
  REQUIRE(verify.exit_code == 0);
  CHECK(json::parse(verify.out).at("intact") == true);

  auto rebuild = ctl(dir, {"rebuild"});
  REQUIRE(rebuild.exit_code == 0);
  CHECK(json::parse(rebuild.out).at("events").as_int64() == head);
  CHECK(ctl(dir, {"verify"}).exit_code == 0);

  teamlog::testing::TempDir files, copy;
  const std::string file = files.str() + "/log.jsonl";
  REQUIRE(ctl(dir, {"export", "--file", file}).exit_code == 0);
  REQUIRE(ctl(copy.str(), {"import", "--file", file}).exit_code == 0);
  auto copied = ctl(copy.str(), {"verify"});
  REQUIRE(copied.exit_code == 0);
  CHECK(json::parse(copied.out).at("head_hash") == json::parse(verify.out).at("head_hash"));

  // Errors: one line on stderr and a non-zero exit.
  auto past = ctl(dir, {"replay", "--at", std::to_string(head + 1)});
  CHECK(past.exit_code == 2);
  CHECK(std::count(past.err.begin(), past.err.end(), '\n') == 1);
  CHECK(ctl(dir, {"verify", "--bogus"}).exit_code == 2);
}
