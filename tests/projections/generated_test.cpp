// 10,000 random commands, valid and invalid, over several organizers: the views maintained incrementally must
// equal the views rebuilt from the log, and a refused command must leave no event.
#include <catch2/catch.hpp>

#include <random>

#include "domain_fixture.hpp"
#include "events/fold_kv.hpp"
#include "projections/fold.hpp"

using namespace teamlog;
using namespace teamlog::commands;
using teamlog::testing::Domain;

namespace {

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool coin() { return pick(2) == 0; }

  Command next(const Domain& d) {
    const std::string org = orgs_[static_cast<std::size_t>(pick(3))];
    const std::int64_t team = pick(40) + 1;  // some exist, some do not, some belong to another organizer
    switch (pick(12)) {
      case 0: return CreateEvent{org, Domain::json(event_body())};
      case 1: return DeleteEvent{org, slugs_[static_cast<std::size_t>(pick(5))]};
      case 2:
      case 3: return CreateTeam{org, Domain::json(team_body(false))};
      case 4: return UpdateTeam{org, team, Domain::json(team_body(true)), coin()};
      case 5: return DeleteTeam{org, pick(10) == 0 ? team : 1000};
      case 6: return CreateInvite{org, team, Domain::json(invite_body())};
      case 7: return DeleteInvite{org, team, pick(30) + 1};
      case 8: return RemoveMember{org, team, pick(8) + 1};
      case 9: return CreateToken{org, team, Domain::json(coin() ? R"({"name":"tok)" + std::to_string(pick(9)) + "\"}" : "{}")};
      case 10: return RevokeToken{org, team, pick(30) + 1};
      default: {
        (void)d;
        return InitOrganizer{orgs_[static_cast<std::size_t>(pick(3))] + (coin() ? "" : "x"), "Org",
                             "user" + std::to_string(pick(6)) + "@example.com", std::nullopt};
      }
    }
  }

 private:
  std::string event_body() {
    if (pick(5) == 0) return R"({"name":"E","slug":"bad slug!","date_from":"2020-01-01T00:00:00Z"})";
    return R"({"name":"E)" + std::to_string(pick(3)) + R"(","slug":")" + slugs_[static_cast<std::size_t>(pick(5))] +
           R"(","date_from":"20)" + std::to_string(10 + pick(20)) + R"(-01-01T00:00:00Z"})";
  }
  std::string team_body(bool update) {
    std::string b = "{";
    if (!update || coin()) b += R"("name":")" + std::string(coin() ? "Team" : "") + "\",";
    if (!update || coin()) {
      b += R"("limit_events":[)";
      if (coin()) b += "\"" + slugs_[static_cast<std::size_t>(pick(5))] + "\"";
      b += "],";
    }
    if (coin()) b += std::string(R"("all_events":)") + (coin() ? "true" : "false") + ",";
    if (coin()) b += std::string(R"("can_change_teams":)") + (coin() ? "true" : "\"maybe\"") + ",";
    if (b.back() == ',') b.pop_back();
    return b + "}";
  }
  std::string invite_body() {
    switch (pick(4)) {
      case 0: return "{}";
      case 1: return R"({"email":"not-an-email"})";
      default: return R"({"email":"User)" + std::to_string(pick(8)) + R"(@Example.com"})";
    }
  }

  std::mt19937 rng_;
  std::vector<std::string> orgs_ = {"alpha", "beta", "gamma"};
  std::vector<std::string> slugs_ = {"ev1", "ev2", "ev3", "ev4", "ev5"};
};

}  // namespace

TEST_CASE("10,000 random commands: incremental views equal views rebuilt from the log", "[domain][generated]") {
  Domain d;
  Generator gen(20261128);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::size_t before = d.log.size();
    auto r = d.run(gen.next(d));
    if (r.ok()) {
      ++accepted;
      CHECK(d.log.size() - before == r->append.events.size());
    } else {
      ++refused;
      REQUIRE(d.log.size() == before);  // a refused command leaves no event
    }
  }
  CHECK(accepted > 1000);
  CHECK(refused > 1000);

  Domain rebuilt;
  for (const auto& e : d.log) REQUIRE(projections::apply_event(rebuilt.kv, rebuilt.columns, e).ok());
  // The whole-log fold of rebuild and verify: a FoldKv (appended audit rows included), one view group at a time
  // as its two threads do.
  FoldKv fold;
  projections::ViewColumns fold_columns;
  for (const auto& def : projections::definitions()) fold_columns.ids[static_cast<std::size_t>(def.id)] = fold.ensure_column(def.name);
  for (auto group : projections::split_for_two_threads(projections::kAllViews)) {
    for (const auto& e : d.log) REQUIRE(projections::apply_event_to(fold, fold_columns, e, group).ok());
  }
  for (const auto& def : projections::definitions()) {
    INFO("view " << def.name);
    const auto& incremental = d.kv.table(d.columns[def.id]);
    CHECK(incremental == rebuilt.kv.table(rebuilt.columns[def.id]));
    MemKv::Table folded;
    for (const auto& [k, v] : fold.sorted_rows(fold_columns[def.id])) folded.emplace(std::string(k), std::string(v));
    CHECK(fold.size(fold_columns[def.id]) == folded.size());
    CHECK(incremental == folded);
  }
}
