// Seeds a data dir with a realistic history through the real command path (decide, group commit, views):
//
//   teamlog_seed --data-dir DIR [--organizers 100] [--teams 5000] [--events N]
//
// Every organizer gets an admin (teamlogctl init's command), ticketed events, and its share of the teams; each
// team gets members, invites and tokens. With --events, the history then goes on with team changes, token
// revocations and new tokens until the log holds N events. Prints one JSON line: organizers, teams, events,
// seconds, and the admin token of each organizer (for benchmarks to use).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <random>
#include <string>

#include "commands/writer.hpp"
#include "projections/view_store.hpp"

namespace {

using namespace teamlog;

struct Options {
  std::string data_dir = "./data";
  int organizers = 100;
  int teams = 5000;
  std::uint64_t events = 0;
};

// Submits commands without waiting for each (they share fsyncs), keeping at most `window` in flight.
class Pump {
 public:
  Pump(commands::CommandWriter& writer, std::size_t window) : writer_(writer), window_(window) {}
  void submit(commands::Command c, std::function<void(const commands::Decision&)> on_ok = {}) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < window_; });
    ++in_flight_;
    lock.unlock();
    writer_.submit(std::move(c), ctx_, [this, on_ok = std::move(on_ok)](commands::Completion done) {
      if (!done.decision.ok()) {
        std::lock_guard l(mu_);
        ++failed_;
        last_error_ = done.decision.error().to_string();
      } else if (on_ok) {
        on_ok(*done.decision);
      }
      std::lock_guard l(mu_);
      --in_flight_;
      cv_.notify_all();
    });
  }
  void drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }
  std::uint64_t failed() const { return failed_; }
  const std::string& last_error() const { return last_error_; }

 private:
  commands::CommandWriter& writer_;
  commands::Context ctx_{Actor{ActorType::kSystem, 0, "teamlog_seed"}, "seed", {}};
  std::size_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t in_flight_ = 0;
  std::uint64_t failed_ = 0;
  std::string last_error_;
};

commands::Input json(const std::string& s) { return commands::Input::from_json(boost::json::parse(s)); }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "teamlog_seed: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--data-dir") o.data_dir = next();
    else if (a == "--organizers") o.organizers = std::stoi(next());
    else if (a == "--teams") o.teams = std::stoi(next());
    else if (a == "--events") o.events = std::stoull(next());
    else if (a == "--help" || a == "-h") {
      std::printf("usage: teamlog_seed --data-dir DIR [--organizers 100] [--teams 5000] [--events N]\n");
      return 0;
    } else {
      std::fprintf(stderr, "teamlog_seed: unknown option %s (see --help)\n", a.c_str());
      return 2;
    }
  }
  auto opened = Store::open(StoreOptions{.path = o.data_dir});
  if (!opened.ok()) {
    std::fprintf(stderr, "teamlog_seed: %s\n", opened.error().message.c_str());
    return 2;
  }
  auto store = std::move(opened).value();
  if (store->head_position() != 0) {
    std::fprintf(stderr, "teamlog_seed: %s is not empty\n", o.data_dir.c_str());
    return 2;
  }
  auto views = std::move(projections::ViewStore::open(*store)).value();
  const auto start = std::chrono::steady_clock::now();
  boost::json::object tokens;
  std::mutex tokens_mu;
  {
    commands::CommandWriter writer(*store, *views);
    Pump pump(writer, 256);
    for (int g = 0; g < o.organizers; ++g) {
      const std::string org = "org" + std::to_string(g);
      pump.submit(commands::InitOrganizer{org, "Organizer " + std::to_string(g), "admin" + std::to_string(g) + "@example.com", std::nullopt},
                  [&, org](const commands::Decision& d) {
                    auto body = boost::json::parse(d.body).as_object();
                    std::lock_guard l(tokens_mu);
                    tokens[org] = body["token"];
                  });
      for (int e = 0; e < 3; ++e) {
        pump.submit(commands::CreateEvent{org, json(R"({"name":"Event )" + std::to_string(e) + R"(","slug":"ev)" +
                                                    std::to_string(e) + R"(","date_from":"2027-0)" + std::to_string(e + 1) +
                                                    R"(-01T10:00:00Z"})")});
      }
    }
    pump.drain();
    // Team ids follow the admin teams (one per organizer).
    const int first_team = o.organizers + 1;
    for (int t = 0; t < o.teams; ++t) {
      const std::string org = "org" + std::to_string(t % o.organizers);
      const std::int64_t id = first_team + t;
      pump.submit(commands::CreateTeam{org, json(R"({"name":"Team )" + std::to_string(t) +
                                                 R"(","limit_events":["ev)" + std::to_string(t % 3) +
                                                 R"("],"can_view_orders":true,"can_change_items":)" +
                                                 (t % 2 ? "true" : "false") + "}")});
      for (int m = 0; m < 2; ++m) {
        // The organizer admins are users; inviting them adds them directly, other addresses become invites.
        pump.submit(commands::CreateInvite{org, id, json(R"({"email":"admin)" + std::to_string((t + m) % o.organizers) + R"(@example.com"})")});
        pump.submit(commands::CreateInvite{org, id, json(R"({"email":"person)" + std::to_string(t) + "-" + std::to_string(m) + R"(@example.org"})")});
      }
      for (int k = 0; k < 2; ++k) {
        pump.submit(commands::CreateToken{org, id, json(R"({"name":"Token )" + std::to_string(k) + R"("})")});
      }
    }
    pump.drain();
    // Then ordinary life until the log is long enough.
    std::mt19937 rng(42);
    std::int64_t next_token = o.organizers + 2 * o.teams;
    while (store->head_position() < o.events) {
      for (int i = 0; i < 10000 && store->head_position() + static_cast<std::uint64_t>(i) < o.events; ++i) {
        const int t = static_cast<int>(rng() % static_cast<unsigned>(o.teams));
        const std::string org = "org" + std::to_string(t % o.organizers);
        const std::int64_t id = first_team + t;
        switch (rng() % 3) {
          case 0:
            pump.submit(commands::UpdateTeam{org, id, json(std::string(R"({"can_change_orders":)") + (rng() % 2 ? "true" : "false") + "}"), true});
            break;
          case 1:
            pump.submit(commands::CreateToken{org, id, json(R"({"name":"Rotated"})")}, [&next_token](const commands::Decision&) { ++next_token; });
            break;
          default:
            pump.submit(commands::RevokeToken{org, id, o.organizers + 1 + 2 * t});  // idempotent: logs again
        }
      }
      pump.drain();
      std::fprintf(stderr, "teamlog_seed: %llu events\n", static_cast<unsigned long long>(store->head_position()));
    }
    pump.drain();
    if (pump.failed() > 0) {
      std::fprintf(stderr, "teamlog_seed: %llu commands failed, e.g. %s\n", static_cast<unsigned long long>(pump.failed()),
                   pump.last_error().c_str());
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  boost::json::object out{{"organizers", o.organizers}, {"teams", o.teams}, {"events", store->head_position()},
                          {"seconds", seconds}, {"tokens", tokens}};
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
