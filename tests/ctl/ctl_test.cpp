// teamlogctl's subcommands, in-process (ctl::run) and as a real process.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include <atomic>
#include <csignal>
#include <future>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <cstdlib>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "commands/writer.hpp"
#include "events/crypto.hpp"
#include "projections/queries.hpp"
#include "ctl.hpp"
#include "events/codec.hpp"
#include "events/store.hpp"
#include "test_support.hpp"

using namespace teamlog;
using teamlog::testing::TempDir;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run_ctl(std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string name = "teamlogctl";
  argv.push_back(name.data());
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int code = ctl::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return Run{code, out.str(), err.str()};
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// A data dir with two organizers and some history: teams, tokens (one revoked), an invite.
void seed(const TempDir& dir, int teams = 3) {
  REQUIRE(run_ctl({"--data-dir", dir.str(), "init", "--organizer", "acme", "--admin-email", "admin@acme.test"}).code == 0);
  REQUIRE(run_ctl({"--data-dir", dir.str(), "init", "--organizer", "other", "--admin-email", "admin@other.test"}).code == 0);
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  auto views = std::move(projections::ViewStore::open(*store)).value();
  commands::CommandWriter w(*store, *views);
  commands::Context ctx{Actor{ActorType::kToken, 1, "Admin token"}, "rid", {}};
  auto json = [](const std::string& s) { return commands::Input::from_json(boost::json::parse(s)); };
  // Submitted together, so that they share fsyncs; the last completion ends the wait.
  std::atomic<int> failed{0}, left{teams};
  std::promise<void> all_done;
  for (int i = 0; i < teams; ++i) {
    w.submit(commands::CreateTeam{"acme", json(R"({"name":"T)" + std::to_string(i) + R"(","limit_events":[]})")}, ctx,
             [&](commands::Completion c) {
               if (!c.decision.ok()) failed++;
               if (--left == 0) all_done.set_value();
             });
  }
  all_done.get_future().wait();
  REQUIRE(failed == 0);
  REQUIRE(w.execute(commands::CreateToken{"acme", 3, json(R"({"name":"Foo"})")}, ctx).decision.ok());
  REQUIRE(w.execute(commands::RevokeToken{"acme", 3, 3}, ctx).decision.ok());
  REQUIRE(w.execute(commands::CreateInvite{"acme", 3, json(R"({"email":"new@acme.test"})")}, ctx).decision.ok());
}

}  // namespace

TEST_CASE("init refuses an existing organizer and a malformed call with exit 2", "[ctl]") {
  TempDir dir;
  auto first = run_ctl({"init", "--data-dir", dir.str(), "--organizer", "acme", "--admin-email", "a@acme.test"});
  REQUIRE(first.code == 0);
  auto body = boost::json::parse(first.out).as_object();
  CHECK(body["token"].as_string().size() == 64);
  CHECK(body["team"].as_object()["name"] == "Administrators");
  auto again = run_ctl({"init", "--data-dir", dir.str(), "--organizer", "acme", "--admin-email", "a@acme.test"});
  CHECK(again.code == 2);
  CHECK(again.err == "teamlogctl: init: organizer acme already exists\n");
  CHECK(run_ctl({"init", "--data-dir", dir.str(), "--organizer", "x"}).code == 2);
  auto unknown = run_ctl({"audit", "--data-dir", dir.str(), "--bogus"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err == "teamlogctl: unknown option --bogus for audit (see teamlogctl --help)\n");
  CHECK(run_ctl({"frobnicate"}).code == 2);
}

TEST_CASE("audit lists who changed what, filtered by organizer, team, position and time", "[ctl][audit]") {
  TempDir dir;
  seed(dir);
  auto all = lines(run_ctl({"audit", "--data-dir", dir.str()}).out);
  CHECK(all.size() == 16);  // the whole trail, users' events included
  auto team3 = lines(run_ctl({"audit", "--data-dir", dir.str(), "--organizer", "acme", "--team", "3"}).out);
  REQUIRE(team3.size() == 4);
  CHECK(team3[1].find(R"("action_type":"pretix.team.token.created","team":3,"actor":{"type":"token","id":1,"name":"Admin token"},"data":{"id":3,"name":"Foo"})") != std::string::npos);
  auto text = run_ctl({"audit", "--data-dir", dir.str(), "--team", "3", "--format", "text"}).out;
  CHECK(text.find(R"(The token "Foo" has been revoked.)") != std::string::npos);
  CHECK(text.find("new@acme.test has been invited to the team.") != std::string::npos);
  auto after = lines(run_ctl({"audit", "--data-dir", dir.str(), "--after", "14", "--limit", "1"}).out);
  REQUIRE(after.size() == 1);
  CHECK(after[0].starts_with(R"({"position":15,)"));
  CHECK(lines(run_ctl({"audit", "--data-dir", dir.str(), "--since", "2999-01-01T00:00:00Z"}).out).empty());
  auto past = run_ctl({"audit", "--data-dir", dir.str(), "--after", "999"});
  CHECK(past.code == 2);
  CHECK(past.err == "teamlogctl: --after 999 is past the head of the log (16)\n");
  CHECK(run_ctl({"audit", "--data-dir", dir.str(), "--since", "yesterday"}).code == 2);
}

TEST_CASE("replay shows the tokens that were active at a point in time", "[ctl][replay]") {
  TempDir dir;
  seed(dir);
  // Position 14 is the token's creation, 15 its revocation, 16 the invite.
  auto before = boost::json::parse(run_ctl({"replay", "--data-dir", dir.str(), "--at", "14", "--organizer", "acme"}).out);
  auto team3 = before.at("organizers").at(0).at("teams").at(1);
  CHECK(team3.at("tokens").at(0).at("active") == true);
  auto now = boost::json::parse(run_ctl({"replay", "--data-dir", dir.str(), "--at", "16", "--organizer", "acme"}).out);
  CHECK(now.at("organizers").at(0).at("teams").at(1).at("tokens").at(0).at("active") == false);
  CHECK(now.at("organizers").at(0).at("teams").at(1).at("invites").as_array().size() == 1);
  // A time before everything: no organizer yet.
  auto early = run_ctl({"replay", "--data-dir", dir.str(), "--at", "2001-01-01T00:00:00Z"});
  CHECK(early.code == 0);
  CHECK(boost::json::parse(early.out).at("position") == 0);
  CHECK(run_ctl({"replay", "--data-dir", dir.str(), "--at", "17"}).code == 2);
}

TEST_CASE("verify fails with the position of a tampered event", "[ctl][verify]") {
  TempDir dir;
  seed(dir);
  CHECK(run_ctl({"verify", "--data-dir", dir.str()}).code == 0);
  {
    auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
    std::string raw = encode_event(*store->read_event(7));
    raw[raw.size() - 45] = static_cast<char>(raw[raw.size() - 45] ^ 0x01);
    REQUIRE(store->overwrite_event_bytes_for_test(7, raw).ok());
  }
  auto r = run_ctl({"verify", "--data-dir", dir.str()});
  CHECK(r.code == 1);
  CHECK(r.err.find("verify failed at position 7") != std::string::npos);
  CHECK(boost::json::parse(r.out).at("first_bad_position") == 7);
}

TEST_CASE("verify notices a view that differs from a fresh replay", "[ctl][verify]") {
  TempDir dir;
  seed(dir);
  {
    auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
    auto col = store->find_column("view.teams.1");
    REQUIRE(col);
    auto tx = store->begin();
    tx->put(*col, "t/acme\x01", "forged");
    REQUIRE(store->commit(*tx).ok());
  }
  auto r = run_ctl({"verify", "--data-dir", dir.str()});
  CHECK(r.code == 1);
  CHECK(r.err.find("view teams") != std::string::npos);
}

TEST_CASE("export then import into an empty dir gives the same hashes and views", "[ctl][backup]") {
  TempDir dir, copy;
  seed(dir);
  const std::string file = dir.str() + "/../" + std::filesystem::path(dir.str()).filename().string() + ".jsonl";
  REQUIRE(run_ctl({"export", "--data-dir", dir.str(), "--file", file}).code == 0);
  auto imported = run_ctl({"import", "--data-dir", copy.str(), "--file", file});
  REQUIRE(imported.code == 0);
  auto verify_a = boost::json::parse(run_ctl({"verify", "--data-dir", dir.str()}).out);
  auto verify_b = boost::json::parse(run_ctl({"verify", "--data-dir", copy.str()}).out);
  CHECK(verify_b.at("intact") == true);
  CHECK(verify_a.at("head_hash") == verify_b.at("head_hash"));
  auto replay_a = run_ctl({"replay", "--data-dir", dir.str(), "--at", "16"}).out;
  auto replay_b = run_ctl({"replay", "--data-dir", copy.str(), "--at", "16"}).out;
  CHECK(replay_a == replay_b);
  // A second import into the now non-empty dir is refused; an altered export is caught.
  CHECK(run_ctl({"import", "--data-dir", copy.str(), "--file", file}).code == 2);
  std::filesystem::remove(file);
}

TEST_CASE("a rebuild killed halfway leaves the old views serving, and a second rebuild completes", "[ctl][rebuild]") {
  TempDir dir;
  seed(dir, 3000);  // enough events that the rebuild runs for a while
  const char* bin = std::getenv("TEAMLOG_BIN_DIR");  // set by ctest; else next to this binary's build tree
  const std::string teamlogctl =
      (bin ? std::filesystem::path(bin)
           : std::filesystem::canonical("/proc/self/exe").parent_path() / ".." / ".." / "bin") / "teamlogctl";
  bool killed_midway = false;
  for (int delay_ms : {40, 20, 10, 5}) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(teamlogctl.c_str(), "teamlogctl", "--data-dir", dir.str().c_str(), "rebuild", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      killed_midway = true;
      break;
    }
  }
  CHECK(killed_midway);
  // Whatever the kill interrupted, the views in use are complete and equal a fresh replay.
  auto verify = run_ctl({"verify", "--data-dir", dir.str()});
  CHECK(verify.code == 0);
  auto rebuilt = run_ctl({"rebuild", "--data-dir", dir.str()});
  REQUIRE(rebuilt.code == 0);
  CHECK(boost::json::parse(rebuilt.out).at("events").to_number<std::int64_t>() == 10 + 3000 + 3);
  CHECK(run_ctl({"verify", "--data-dir", dir.str()}).code == 0);
  auto stats = boost::json::parse(run_ctl({"stats", "--data-dir", dir.str()}).out);
  for (const auto& v : stats.at("views").as_array()) CHECK(v.at("checkpoint") == 10 + 3000 + 3);
}

TEST_CASE("an invite's mail and acceptance show in the audit text and survive verify, rebuild and export",
          "[ctl][invites]") {
  TempDir dir, copy;
  seed(dir);
  std::string secret;
  {
    auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
    auto views = std::move(projections::ViewStore::open(*store)).value();
    commands::CommandWriter w(*store, *views);
    const commands::InviteKey key(Hash{9, 9, 9});
    commands::Context ctx{Actor{ActorType::kToken, 1, "Admin token"}, "rid", {}, &key};
    auto json = [](const std::string& s) { return commands::Input::from_json(boost::json::parse(s)); };
    auto created = w.execute(commands::CreateInvite{"acme", 3, json(R"({"email":"Joe@Acme.test"})")}, ctx);
    REQUIRE(created.decision.ok());
    const auto id = boost::json::parse(created.decision->body).at("id").as_int64();
    REQUIRE(w.execute(commands::ResendInvite{"acme", 3, id}, ctx).decision.ok());
    const projections::Queries q(*store, views->columns());
    const auto entry = q.outbox_entry(id);
    REQUIRE(entry);
    REQUIRE(w.execute(commands::RecordInviteMail{"acme", 3, id, "Joe@Acme.test", entry->queued - 1, 3, "smtp",
                                                 "421 try later"},
                      ctx)
                .decision.ok());
    REQUIRE(w.execute(commands::RecordInviteMail{"acme", 3, id, "Joe@Acme.test", entry->queued, 1, "smtp", ""}, ctx)
                .decision.ok());
    secret = key.secret(id, entry->nonce);
    REQUIRE(w.execute(commands::AcceptInvite{to_hex(sha256(secret)), json(R"({"fullname":"Joe"})")}, ctx)
                .decision.ok());
  }
  auto text = run_ctl({"audit", "--data-dir", dir.str(), "--team", "3", "--format", "text"}).out;
  INFO(text);
  CHECK(text.find("Invite for Joe@Acme.test has been resent.") != std::string::npos);
  CHECK(text.find("The invitation email to Joe@Acme.test could not be delivered: 421 try later") != std::string::npos);
  CHECK(text.find("The invitation email to Joe@Acme.test has been delivered (smtp).") != std::string::npos);
  CHECK(text.find("by user \"joe@acme.test\": joe@acme.test has joined the team using the invite sent to Joe@Acme.test.") !=
        std::string::npos);
  CHECK(boost::json::parse(run_ctl({"verify", "--data-dir", dir.str()}).out).at("intact") == true);
  REQUIRE(run_ctl({"rebuild", "--data-dir", dir.str()}).code == 0);
  CHECK(boost::json::parse(run_ctl({"verify", "--data-dir", dir.str()}).out).at("intact") == true);
  const std::string file = dir.str() + "/../" + std::filesystem::path(dir.str()).filename().string() + ".jsonl";
  REQUIRE(run_ctl({"export", "--data-dir", dir.str(), "--file", file}).code == 0);
  std::ifstream in(file);
  const std::string exported((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(exported.find("pretix.team.member.joined") != std::string::npos);
  CHECK(exported.find(secret) == std::string::npos);  // the backup cannot rebuild the link
  REQUIRE(run_ctl({"import", "--data-dir", copy.str(), "--file", file}).code == 0);
  auto a = boost::json::parse(run_ctl({"verify", "--data-dir", dir.str()}).out);
  auto b = boost::json::parse(run_ctl({"verify", "--data-dir", copy.str()}).out);
  CHECK(b.at("intact") == true);
  CHECK(a.at("head_hash") == b.at("head_hash"));
  std::filesystem::remove(file);
}
