// Persisted views on a real store: read-your-writes, checkpoints, restart without replay, rebuilds, no secrets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include "commands/writer.hpp"
#include "domain_fixture.hpp"
#include "events/crypto.hpp"
#include "events/codec.hpp"
#include "projections/fold.hpp"
#include "projections/json_text.hpp"
#include "projections/queries.hpp"
#include "projections/view_store.hpp"
#include "test_support.hpp"

using namespace teamlog;
using namespace teamlog::commands;
using teamlog::testing::Domain;
using teamlog::testing::TempDir;

namespace {

struct Server {
  std::unique_ptr<Store> store;
  std::unique_ptr<projections::ViewStore> views;
  std::unique_ptr<CommandWriter> writer;
  explicit Server(const TempDir& dir) {
    store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
    auto v = projections::ViewStore::open(*store);
    REQUIRE(v.ok());
    views = std::move(v).value();
    writer = std::make_unique<CommandWriter>(*store, *views);
  }
  ~Server() {
    writer.reset();
    views.reset();
    store.reset();
  }
  Context ctx() const { return Context{Actor{ActorType::kSystem, 0, "test"}, "rid", {}}; }
  std::string ok(Command c) {
    auto r = writer->execute(std::move(c), ctx());
    if (!r.decision.ok()) throw std::runtime_error(r.decision.error().to_string());
    return r.decision->body;
  }
  projections::Queries queries() const { return projections::Queries(*store, views->columns()); }
};

std::string secret_of(const std::string& body) { return body.substr(body.find("\"token\":\"") + 9, 64); }

std::vector<std::pair<std::string, std::string>> dump(const Store& store, ColumnId column) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto c = store.scan(column, ""); c->valid(); c->next()) rows.emplace_back(c->key(), c->value());
  return rows;
}

}  // namespace

TEST_CASE("a read right after an acknowledged write sees it", "[views]") {
  TempDir dir;
  Server s(dir);
  auto init = s.ok(InitOrganizer{"acme", "ACME", "admin@example.com", std::nullopt});
  for (int i = 0; i < 20; ++i) {
    auto body = s.ok(CreateTeam{"acme", Domain::json(R"({"name":"T)" + std::to_string(i) + R"(","limit_events":[]})")});
    CHECK(s.queries().team("acme", 2 + i) == body);
  }
  CHECK(s.queries().teams("acme", 0, 50).count == 21);
}

TEST_CASE("after a restart the views are served as they were, without replaying the log", "[views]") {
  TempDir dir;
  std::string token;
  std::uint64_t head = 0;
  {
    Server s(dir);
    token = secret_of(s.ok(InitOrganizer{"acme", "ACME", "admin@example.com", std::nullopt}));
    s.ok(CreateTeam{"acme", Domain::json(R"({"name":"T","limit_events":[]})")});
    head = s.store->head_position();
  }
  Server s(dir);
  for (const auto& info : s.views->info()) {
    CHECK(info.checkpoint == head);
    CHECK(info.generation == 1);  // not rebuilt
  }
  CHECK(s.queries().teams("acme", 0, 50).count == 2);
  CHECK(s.queries().token_by_digest(to_hex(sha256(token))));
}

namespace {

// A log of a few hundred events over every kind of view row, with deletions.
void write_varied_log(Server& s) {
  s.ok(InitOrganizer{"acme", "ACME", "admin@example.com", std::nullopt});
  s.ok(CreateEvent{"acme", Domain::json(R"({"name":"E","slug":"ev","date_from":"2020-01-01T10:00:00Z"})")});
  for (int i = 0; i < 40; ++i) {
    s.ok(CreateTeam{"acme", Domain::json(R"({"name":"T","limit_events":["ev"]})")});
    s.ok(CreateInvite{"acme", 2 + i, Domain::json(R"({"email":"x)" + std::to_string(i) + R"(@example.com"})")});
    s.ok(CreateToken{"acme", 2 + i, Domain::json(R"({"name":"k"})")});
    s.ok(UpdateTeam{"acme", 2 + i, Domain::json(R"({"can_change_items":true})"), true});
  }
  s.ok(DeleteEvent{"acme", "ev"});
  s.ok(DeleteTeam{"acme", 5});
  s.writer.reset();
}

}  // namespace

TEST_CASE("views missing from a log are caught up when close to it and rebuilt when far, alike", "[views][rebuild]") {
  TempDir dir;
  std::vector<std::vector<std::pair<std::string, std::string>>> before;
  std::uint64_t head = 0;
  {
    Server s(dir);
    write_varied_log(s);
    head = s.store->head_position();
    for (const auto& def : projections::definitions()) before.push_back(dump(*s.store, s.views->columns()[def.id]));
  }
  // As after `teamlogctl import`: the log is there, the views and their checkpoints are not.
  auto forget_views = [](Store& store) {
    for (const auto& name : store.column_names()) {
      if (name.starts_with("view.")) REQUIRE(store.drop_column(name).ok());
    }
    auto records = store.find_column("projections");
    REQUIRE(records);
    auto tx = store.begin();
    for (const auto& def : projections::definitions()) tx->del(*records, def.name);
    REQUIRE(store.commit(*tx).ok());
  };
  // A limit under the log's length: every view is rebuilt (a new generation); over it, caught up in place.
  for (const std::uint64_t limit : {head - 1, head}) {
    INFO("catch-up limit " << limit << ", log of " << head << " events");
    auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
    forget_views(*store);
    std::vector<std::string> messages;
    auto views = projections::ViewStore::open(*store, [&](const std::string& m) { messages.push_back(m); }, limit);
    REQUIRE(views.ok());
    const bool rebuilt = limit < head;
    const auto said = [&](std::string_view text) {
      return std::any_of(messages.begin(), messages.end(), [&](const auto& m) { return m.find(text) != m.npos; });
    };
    CHECK(said("events behind the log: rebuilding it") == rebuilt);
    CHECK(said("catching up") == !rebuilt);
    std::size_t i = 0;
    for (const auto& def : projections::definitions()) {
      INFO("view " << def.name);
      CHECK(dump(*store, (*views)->columns()[def.id]) == before[i++]);
    }
    for (const auto& info : (*views)->info()) {
      CHECK(info.checkpoint == head);
      CHECK(info.generation == (rebuilt ? 2u : 1u));
    }
  }
}

TEST_CASE("rebuilding every view from the log gives byte-identical views", "[views][rebuild]") {
  TempDir dir;
  Server s(dir);
  write_varied_log(s);
  std::vector<std::vector<std::pair<std::string, std::string>>> before;
  for (const auto& def : projections::definitions()) before.push_back(dump(*s.store, s.views->columns()[def.id]));
  auto stats = s.views->rebuild(std::nullopt);
  REQUIRE(stats.ok());
  CHECK(stats->events == s.store->head_position());
  std::size_t i = 0;
  for (const auto& def : projections::definitions()) {
    INFO("view " << def.name);
    CHECK(dump(*s.store, s.views->columns()[def.id]) == before[i++]);
  }
  for (const auto& info : s.views->info()) CHECK(info.generation == 2);
}

TEST_CASE("the two-thread fold reads each chunk once and gives the stored views, whatever the chunk size",
          "[views][rebuild][fold]") {
  TempDir dir;
  Server s(dir);
  write_varied_log(s);
  const std::uint64_t head = s.store->head_position();
  REQUIRE(head > 150);
  std::vector<projections::ViewId> all;
  for (const auto& def : projections::definitions()) all.push_back(def.id);
  // 1 and 7: many more chunks than slots in flight, so slots are reused and either thread reads; 4096: one chunk.
  for (std::uint64_t chunk : {std::uint64_t{1}, std::uint64_t{7}, projections::kFoldChunkEvents}) {
    INFO("chunk of " << chunk << " events");
    projections::FoldedViews fold(all);
    std::mutex mu;
    projections::ViewMask done = 0;
    std::uint64_t reported = 0;
    auto s2 = projections::fold_log(
        *s.store, fold, head,
        [&](projections::ViewMask group) {
          std::lock_guard lock(mu);
          done |= group;
          return Status{};
        },
        [&](std::uint64_t n) { reported = n; }, chunk);
    REQUIRE(s2.ok());
    CHECK(done == projections::kAllViews);
    CHECK(reported <= head);
    for (const auto& def : projections::definitions()) {
      INFO("view " << def.name);
      std::vector<std::pair<std::string, std::string>> folded;
      for (const auto& [k, v] : fold.kv.sorted_rows(fold.columns[def.id])) folded.emplace_back(k, v);
      CHECK(folded == dump(*s.store, s.views->columns()[def.id]));
    }
  }
}

TEST_CASE("an event that does not parse ends the two-thread fold with its position", "[views][rebuild][fold]") {
  TempDir dir;
  Server s(dir);
  write_varied_log(s);
  auto bad = s.store->read_event(100);
  REQUIRE(bad.ok());
  bad->data = "[1,2]";  // JSON, but not an object
  REQUIRE(s.store->overwrite_event_bytes_for_test(100, encode_event(*bad)).ok());
  std::vector<projections::ViewId> all;
  for (const auto& def : projections::definitions()) all.push_back(def.id);
  for (std::uint64_t chunk : {std::uint64_t{1}, std::uint64_t{3}, std::uint64_t{64}}) {
    INFO("chunk of " << chunk << " events");
    projections::FoldedViews fold(all);
    bool then_ran = false;
    auto r = projections::fold_log(*s.store, fold, s.store->head_position(),
                                   [&](projections::ViewMask) {
                                     then_ran = true;
                                     return Status{};
                                   },
                                   {}, chunk);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kCorruption);
    CHECK(r.error().message.find("event 100 ") != std::string::npos);
    CHECK_FALSE(then_ran);
  }
  // rebuild says so too, and keeps the views it had.
  const auto before = dump(*s.store, s.views->columns()[projections::ViewId::kTeams]);
  auto rebuilt = s.views->rebuild(std::nullopt);
  REQUIRE_FALSE(rebuilt.ok());
  CHECK(rebuilt.error().message.find("event 100 ") != std::string::npos);
  CHECK(dump(*s.store, s.views->columns()[projections::ViewId::kTeams]) == before);
}

TEST_CASE("views whose stored version differs are rebuilt at open, together", "[views][rebuild]") {
  TempDir dir;
  {
    Server s(dir);
    s.ok(InitOrganizer{"acme", "ACME", "admin@example.com", std::nullopt});
    // Pretend the stored teams view was written by another version of its code.
    auto records = s.store->find_column("projections");
    REQUIRE(records);
    s.writer.reset();
    auto tx = s.store->begin();
    tx->put(*records, "teams", "0 1 " + std::to_string(s.store->head_position()));
    tx->put(*records, "audit", "1 1 " + std::to_string(s.store->head_position()));  // audit's layout 1
    REQUIRE(s.store->commit(*tx).ok());
  }
  std::vector<std::string> messages;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  auto views = projections::ViewStore::open(*store, [&](const std::string& m) { messages.push_back(m); });
  REQUIRE(views.ok());
  int rebuilt = 0;
  for (const auto& info : (*views)->info()) {
    CHECK(info.version == info.code_version);
    if (info.name == "teams" || info.name == "audit") {
      CHECK(info.generation == 2);
      ++rebuilt;
    } else {
      CHECK(info.generation == 1);
    }
  }
  CHECK(rebuilt == 2);
  CHECK(messages.size() >= 2);
  projections::Queries q(*store, (*views)->columns(), store.get());
  CHECK(q.teams("acme", 0, 50).count == 1);
  auto audit = q.audit("acme", {}, 0, 50);
  REQUIRE(audit.count == static_cast<std::int64_t>(audit.items.size()));
  REQUIRE(audit.count >= 3);
  CHECK(audit.items[0].find(R"("action_type":"teamlog.organizer.created")") != std::string::npos);
}

TEST_CASE("the bytes of a created token secret appear nowhere in the data dir", "[views][secrets]") {
  TempDir dir;
  std::vector<std::string> secrets;
  {
    Server s(dir);
    secrets.push_back(secret_of(s.ok(InitOrganizer{"acme", "ACME", "admin@example.com", std::nullopt})));
    secrets.push_back(secret_of(s.ok(CreateToken{"acme", 1, Domain::json(R"({"name":"New"})")})));
    // Flush memtables to SST files too, so both kinds of file are searched (closing does that for the WAL).
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& secret : secrets) {
      INFO(entry.path().string());
      CHECK(content.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("RFC 3339 times and JSON strings render as pretix writes them", "[json_text]") {
  CHECK(format_rfc3339_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339_utc(1514368800000000) == "2017-12-27T10:00:00Z");
  CHECK(format_rfc3339_utc(1514368800000042) == "2017-12-27T10:00:00.000042Z");
  CHECK(format_rfc3339_utc(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_rfc3339_utc(253402300800000000) == "10000-01-01T00:00:00Z");  // past 9999: the general path
  CHECK(format_rfc3339_utc(253402300799999999) == "9999-12-31T23:59:59.999999Z");
  std::string out;
  append_json_string(out, "plain \"q\" back\\slash\ttab\x01\x7f caf\xc3\xa9 \xf0\x9f\x98\x80 end");
  CHECK(out == R"("plain \"q\" back\\slash\ttab\u0001\u007f caf\u00e9 \ud83d\ude00 end")");
}
