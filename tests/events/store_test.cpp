// The RocksDB event store: appends, reads, optimistic concurrency, atomicity, reopening, tamper evidence.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "events/chain_check.hpp"
#include "events/codec.hpp"
#include "events/derived_cache.hpp"
#include "events/store.hpp"
#include "test_support.hpp"

using namespace teamlog;
using teamlog::testing::TempDir;

namespace {

std::unique_ptr<Store> open_store(const TempDir& dir) {
  auto s = Store::open(StoreOptions{.path = dir.str()});
  REQUIRE(s.ok());
  return std::move(s).value();
}

ProposedEvent ev(std::string stream, ExpectedVersion expected, std::string data = "{}") {
  return ProposedEvent{std::move(stream), expected, "test.happened", 1, std::move(data)};
}

Result<AppendResult> append_one(Store& store, AppendRequest request) {
  auto tx = store.begin();
  REQUIRE(tx);
  auto r = tx->append(request);
  auto c = store.commit(*tx);
  REQUIRE(c.ok());
  return r;
}

}  // namespace

TEST_CASE("an appended event reads back with every envelope field", "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  AppendRequest req{{ev("team-1", ExpectedVersion::no_stream(), R"({"a":1})")},
                    Actor{ActorType::kUser, 9, "dummy@dummy.dummy"}, "rid-1"};
  auto r = append_one(*store, req);
  REQUIRE(r.ok());
  CHECK(r->first_position == 1);
  CHECK(r->stream_versions == std::vector<std::uint64_t>{1});

  auto e = store->read_event(1);
  REQUIRE(e.ok());
  CHECK(e->position == 1);
  CHECK(e->stream == "team-1");
  CHECK(e->stream_version == 1);
  CHECK(e->type == "test.happened");
  CHECK(e->schema_version == 1);
  CHECK(e->recorded_at_us == r->recorded_at_us);
  CHECK(e->actor == Actor{ActorType::kUser, 9, "dummy@dummy.dummy"});
  CHECK(e->request_id == "rid-1");
  CHECK(e->data == R"({"a":1})");
  CHECK(e->hash == store->head_hash());
  CHECK(store->head_position() == 1);
}

TEST_CASE("stream versions stay right when the writer's memory of them is full and lets some go", "[store]") {
  // 16 remembered streams, 100 in use: most appends find their stream's version in the store again.
  TempDir dir;
  auto opened = Store::open(StoreOptions{.path = dir.str(), .stream_cache_entries = 16});
  REQUIRE(opened.ok());
  auto& store = **opened;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      const auto stream = "s-" + std::to_string(i);
      const auto expected = round == 0 ? ExpectedVersion::no_stream() : ExpectedVersion::exact(round);
      auto appended = append_one(store, {{ev(stream, expected)}, {}, ""});
      INFO("round " << round << " stream " << stream);
      REQUIRE(appended.ok());
      CHECK(appended->stream_versions == std::vector<std::uint64_t>{static_cast<std::uint64_t>(round + 1)});
    }
  }
  auto stale = append_one(store, {{ev("s-7", ExpectedVersion::exact(2))}, {}, ""});
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().message == "stream s-7: expected version 2, actual version 3");
  CHECK(store.stream_version("s-99") == 3);
}

TEST_CASE("expected versions: any, no stream and exact each accept and refuse", "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(append_one(*store, {{ev("s", ExpectedVersion::no_stream())}, {}, ""}).ok());

  SECTION("no stream refuses an existing stream and names both versions") {
    auto r = append_one(*store, {{ev("s", ExpectedVersion::no_stream())}, {}, ""});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kConflict);
    CHECK(r.error().message == "stream s: expected version no stream, actual version 1");
  }
  SECTION("exact accepts the current version and refuses another") {
    CHECK(append_one(*store, {{ev("s", ExpectedVersion::exact(1))}, {}, ""}).ok());
    auto r = append_one(*store, {{ev("s", ExpectedVersion::exact(1))}, {}, ""});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "stream s: expected version 1, actual version 2");
  }
  SECTION("any accepts whatever the version") {
    CHECK(append_one(*store, {{ev("s", ExpectedVersion::any())}, {}, ""}).ok());
    CHECK(append_one(*store, {{ev("new", ExpectedVersion::any())}, {}, ""}).ok());
    CHECK(store->stream_version("s") == 2);
    CHECK(store->stream_version("new") == 1);
  }
}

TEST_CASE("a command whose later event conflicts leaves no event at all", "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(append_one(*store, {{ev("b", ExpectedVersion::no_stream())}, {}, ""}).ok());
  auto tx = store->begin();
  // The first command lands; the second's first event is fine but its second conflicts.
  REQUIRE(tx->append({{ev("a", ExpectedVersion::no_stream())}, {}, ""}).ok());
  auto r = tx->append({{ev("c", ExpectedVersion::no_stream()), ev("b", ExpectedVersion::exact(5))}, {}, ""});
  REQUIRE_FALSE(r.ok());
  REQUIRE(store->commit(*tx).ok());
  tx.reset();
  CHECK(store->head_position() == 2);
  CHECK(store->stream_version("a") == 1);
  CHECK(store->stream_version("c") == 0);
  CHECK_FALSE(store->read_event(3).ok());
  CHECK(check_chain(*store).intact);
}

TEST_CASE("several events of one command on one stream get consecutive versions", "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  auto r = append_one(*store, {{ev("t", ExpectedVersion::no_stream()), ev("t", ExpectedVersion::exact(1)),
                                ev("u", ExpectedVersion::any())}, {}, ""});
  REQUIRE(r.ok());
  CHECK(r->stream_versions == std::vector<std::uint64_t>{1, 2, 1});
  std::vector<std::uint64_t> versions;
  for (auto c = store->read_stream("t"); c.valid(); c.next()) versions.push_back(c.current()->stream_version);
  CHECK(versions == std::vector<std::uint64_t>{1, 2});
  std::vector<std::uint64_t> from2;
  for (auto c = store->read_stream("t", 2); c.valid(); c.next()) from2.push_back(c.current()->position);
  CHECK(from2 == std::vector<std::uint64_t>{2});
}

TEST_CASE("reopening keeps every event, the head and the chain", "[store]") {
  TempDir dir;
  Hash head;
  {
    auto store = open_store(dir);
    for (int i = 0; i < 50; ++i) REQUIRE(append_one(*store, {{ev("s" + std::to_string(i % 5), ExpectedVersion::any())}, {}, ""}).ok());
    head = store->head_hash();
  }
  auto store = open_store(dir);
  CHECK(store->head_position() == 50);
  CHECK(store->head_hash() == head);
  CHECK(store->stream_version("s3") == 10);
  std::uint64_t n = 0;
  for (auto c = store->read_all(41); c.valid(); c.next()) {
    REQUIRE(c.current().ok());
    CHECK(c.current()->position == 41 + n);
    ++n;
  }
  CHECK(n == 10);
  auto report = check_chain(*store);
  CHECK(report.intact);
  CHECK(report.events == 50);
  CHECK(report.streams == 5);
  // The writer has not seen these streams since the reopen (the close flushed them to table files): it still
  // finds their versions, and that a new name is new.
  auto r = append_one(*store, {{ev("s3", ExpectedVersion::no_stream())}, {}, ""});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "stream s3: expected version no stream, actual version 10");
  r = append_one(*store, {{ev("s4", ExpectedVersion::exact(9))}, {}, ""});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "stream s4: expected version 9, actual version 10");
  CHECK(append_one(*store, {{ev("s5", ExpectedVersion::no_stream())}, {}, ""}).ok());
  CHECK(append_one(*store, {{ev("s4", ExpectedVersion::exact(10))}, {}, ""}).ok());
  CHECK(store->stream_version("s4") == 11);
}

TEST_CASE("a flipped byte in a stored event is reported at its position", "[store][tamper]") {
  TempDir dir;
  auto store = open_store(dir);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(append_one(*store, {{ev("s", ExpectedVersion::any(), R"({"n":)" + std::to_string(i) + "}")}, {}, ""}).ok());
  }
  std::string raw = encode_event(*store->read_event(13));
  SECTION("in the payload") { raw[raw.size() - 40] ^= 0x01; }
  SECTION("in the hash") { raw[raw.size() - 1] = static_cast<char>(raw[raw.size() - 1] ^ 0x40); }
  SECTION("in a length prefix") { raw[20] ^= 0x7f; }
  REQUIRE(store->overwrite_event_bytes_for_test(13, raw).ok());
  auto report = check_chain(*store);
  CHECK_FALSE(report.intact);
  CHECK(report.first_bad_position == 13);
  CHECK_FALSE(report.problem.empty());
}

TEST_CASE("a data dir held by another store is refused with its name", "[store]") {
  TempDir dir;
  auto first = open_store(dir);
  auto second = Store::open(StoreOptions{.path = dir.str()});
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message == "data dir " + dir.str() + " is in use by another process (its LOCK is held)");
  // The holder is unharmed.
  CHECK(append_one(*first, {{ev("s", ExpectedVersion::any())}, {}, ""}).ok());
}

TEST_CASE("a data dir written by a newer format version is refused", "[store]") {
  TempDir dir;
  {
    auto store = open_store(dir);
    auto meta = store->find_column("meta");
    REQUIRE(meta);
    auto tx = store->begin();
    tx->put(*meta, "format_version", std::to_string(kStoreFormatVersion + 1));
    REQUIRE(store->commit(*tx).ok());
  }
  auto again = Store::open(StoreOptions{.path = dir.str()});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message.find("newer teamlog") != std::string::npos);
}

TEST_CASE("a secondary instance reads what the primary wrote, after catching up", "[store]") {
  TempDir dir;
  TempDir secondary_dir;
  auto primary = open_store(dir);
  REQUIRE(append_one(*primary, {{ev("s", ExpectedVersion::any())}, {}, ""}).ok());
  auto secondary = Store::open(StoreOptions{.path = dir.str(), .mode = StoreOptions::Mode::kSecondary,
                                            .secondary_path = secondary_dir.str()});
  REQUIRE(secondary.ok());
  CHECK((*secondary)->head_position() == 1);
  REQUIRE(append_one(*primary, {{ev("s", ExpectedVersion::any())}, {}, ""}).ok());
  REQUIRE((*secondary)->catch_up().ok());
  CHECK((*secondary)->head_position() == 2);
  CHECK((*secondary)->read_event(2).ok());
  CHECK((*secondary)->begin() == nullptr);  // read-only: no writes through it
}

namespace {

std::vector<std::string> scan_keys(const Store& store, ColumnId col, std::string_view prefix) {
  std::vector<std::string> keys;
  for (auto c = store.scan(col, prefix); c->valid(); c->next()) keys.emplace_back(c->key());
  return keys;
}

}  // namespace

TEST_CASE("generic columns read their own writes inside a transaction and after commit", "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  auto col = store->ensure_column("view.test");
  REQUIRE(col.ok());
  auto tx = store->begin();
  tx->put(*col, "a/1", "one");
  tx->put(*col, "a/2", "two");
  tx->put(*col, "b/1", "other");
  CHECK(tx->get(*col, "a/2") == "two");
  CHECK_FALSE(store->get(*col, "a/2"));  // not visible outside before commit
  std::vector<std::string> keys;
  for (auto c = tx->scan(*col, "a/"); c->valid(); c->next()) keys.emplace_back(c->key());
  CHECK(keys == std::vector<std::string>{"a/1", "a/2"});
  REQUIRE(store->commit(*tx).ok());
  tx.reset();
  CHECK(store->get(*col, "a/2") == "two");
  keys.clear();
  for (auto c = store->scan(*col, "a/", "a/2"); c->valid(); c->next()) keys.emplace_back(c->key());
  CHECK(keys == std::vector<std::string>{"a/2"});
}

TEST_CASE("a transaction's reads follow its savepoints, and the next transaction reads what the last one wrote",
          "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  auto col = store->ensure_column("view.test");
  REQUIRE(col.ok());
  {
    auto tx = store->begin();
    tx->put(*col, "count", "1");
    tx->put(*col, "gone", "x");
    REQUIRE(store->commit(*tx).ok());
  }
  auto tx = store->begin();
  CHECK(tx->get(*col, "count") == "1");  // read from the store (and remembered by the writer)
  tx->set_savepoint();
  tx->put(*col, "count", "2");
  tx->del(*col, "gone");
  tx->put(*col, "new", "n");
  CHECK(tx->get(*col, "count") == "2");
  CHECK_FALSE(tx->get(*col, "gone"));
  tx->set_savepoint();  // nested, as an append inside a command's savepoint
  tx->put(*col, "count", "3");
  CHECK(tx->get(*col, "count") == "3");
  tx->rollback_to_savepoint();
  CHECK(tx->get(*col, "count") == "2");
  tx->pop_savepoint();  // the command is kept...
  tx->set_savepoint();
  tx->put(*col, "count", "4");
  tx->put(*col, "gone", "back");
  tx->rollback_to_savepoint();  // ...the next one is refused
  CHECK(tx->get(*col, "count") == "2");
  CHECK_FALSE(tx->get(*col, "gone"));
  CHECK(tx->get(*col, "new") == "n");
  // A scan merges what the transaction kept over the committed rows: "gone" deleted, "new" added, "count" changed.
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto c = tx->scan(*col, ""); c->valid(); c->next()) rows.emplace_back(c->key(), c->value());
  CHECK(rows == std::vector<std::pair<std::string, std::string>>{{"count", "2"}, {"new", "n"}});
  rows.clear();
  for (auto c = tx->scan(*col, "", "gone"); c->valid(); c->next()) rows.emplace_back(c->key(), c->value());
  CHECK(rows == std::vector<std::pair<std::string, std::string>>{{"new", "n"}});
  REQUIRE(store->commit(*tx).ok());
  tx.reset();
  rows.clear();
  for (auto c = store->scan(*col, ""); c->valid(); c->next()) rows.emplace_back(c->key(), c->value());
  CHECK(rows == std::vector<std::pair<std::string, std::string>>{{"count", "2"}, {"new", "n"}});
  // The next transaction sees exactly what was committed, whether the writer remembered the key or not.
  auto next = store->begin();
  CHECK(next->get(*col, "count") == "2");
  CHECK_FALSE(next->get(*col, "gone"));
  CHECK(next->get(*col, "new") == "n");
}

TEST_CASE("a write the writer never committed is not remembered by the next transaction", "[store]") {
  TempDir dir;
  auto store = open_store(dir);
  auto col = store->ensure_column("view.test");
  REQUIRE(col.ok());
  {
    auto tx = store->begin();
    tx->put(*col, "k", "committed");
    REQUIRE(store->commit(*tx).ok());
  }
  {
    auto tx = store->begin();
    CHECK(tx->get(*col, "k") == "committed");
    tx->put(*col, "k", "abandoned");  // the transaction is dropped without being written
  }
  auto tx = store->begin();
  CHECK(tx->get(*col, "k") == "committed");
}

TEST_CASE("cached reads and scans change as soon as a write to them is durable, not before", "[store][cache]") {
  TempDir dir;
  auto store = open_store(dir);
  auto col = store->ensure_column("view.test");
  REQUIRE(col.ok());
  {
    auto tx = store->begin();
    tx->put(*col, "a/1", "one");
    tx->put(*col, "a/2", "two");
    tx->put(*col, "b/1", "other");
    REQUIRE(store->commit(*tx).ok());
  }
  // Fill the cache.
  CHECK(store->get(*col, "a/1") == "one");
  CHECK(scan_keys(*store, *col, "a/") == std::vector<std::string>{"a/1", "a/2"});
  CHECK(store->get(*col, "a/1") == "one");
  CHECK(scan_keys(*store, *col, "a/") == std::vector<std::string>{"a/1", "a/2"});
  CHECK(store->read_cache_stats().first >= 1);

  // Two values derived from reads: one from a/1 and the a/ list, one from b/1.
  DerivedCache derived(1u << 20);
  store->attach(&derived);
  {
    DerivedCache::Recording r(derived);
    CHECK(store->get(*col, "a/1") == "one");
    CHECK(scan_keys(*store, *col, "a/").size() == 2);
    r.keep("a-page", std::make_shared<const std::string>("a"));
  }
  {
    DerivedCache::Recording r(derived);
    CHECK(store->get(*col, "b/1") == "other");
    r.keep("b-page", std::make_shared<const std::string>("b"));
  }
  REQUIRE(derived.find("a-page"));
  DerivedCache::Recording during(derived);  // reads that begin before the write becomes visible
  CHECK(store->get(*col, "b/1") == "other");

  auto tx = store->begin();
  tx->put(*col, "a/1", "uno");
  tx->put(*col, "a/3", "three");
  tx->del(*col, "a/2");
  auto written = store->write(*tx);
  REQUIRE(written.ok());
  tx.reset();
  // Written but not yet synced: readers (cached or not) still see the durable state, at the same read version.
  CHECK(store->get(*col, "a/1") == "one");
  CHECK(store->get(*col, "a/2") == "two");
  CHECK(scan_keys(*store, *col, "a/") == std::vector<std::string>{"a/1", "a/2"});
  CHECK(derived.find("a-page"));
  REQUIRE(store->sync(*written).ok());
  // What was derived from a/ is gone; what was derived from b/1 alone stays, except a value whose reads began
  // before the write became visible (it may predate it).
  CHECK_FALSE(derived.find("a-page"));
  CHECK(derived.find("b-page"));
  during.keep("during", std::make_shared<const std::string>("d"));
  CHECK_FALSE(derived.find("during"));
  store->attach(nullptr);
  CHECK(store->get(*col, "a/1") == "uno");
  CHECK_FALSE(store->get(*col, "a/2"));
  CHECK(scan_keys(*store, *col, "a/") == std::vector<std::string>{"a/1", "a/3"});
  CHECK(store->get(*col, "b/1") == "other");  // untouched
}

TEST_CASE("a cached scan of a long list reads on from the store past its cached rows", "[store][cache]") {
  TempDir dir;
  auto store = open_store(dir);
  auto col = store->ensure_column("view.test");
  REQUIRE(col.ok());
  std::vector<std::string> expected;
  {
    auto tx = store->begin();
    for (int i = 0; i < 200; ++i) {
      char key[16];
      std::snprintf(key, sizeof(key), "l/%03d", i);
      tx->put(*col, key, "v");
      expected.emplace_back(key);
    }
    tx->put(*col, "m/0", "after");
    REQUIRE(store->commit(*tx).ok());
  }
  for (int round = 0; round < 3; ++round) CHECK(scan_keys(*store, *col, "l/") == expected);
  {
    auto tx = store->begin();
    tx->put(*col, "l/150x", "v");  // past the cached rows: read from the store after them
    REQUIRE(store->commit(*tx).ok());
  }
  expected.insert(expected.begin() + 151, "l/150x");
  CHECK(scan_keys(*store, *col, "l/") == expected);
  CHECK(scan_keys(*store, *col, "l/") == expected);
}

TEST_CASE("cached reads and scans take each durable write in place and answer as the store does", "[store][cache]") {
  // Random puts and deletes in three lists: one always shorter than the cached length (ReadCache::kScanRows = 64),
  // one about as long, one longer; read after every batch through the cache (which holds the written values)
  // and compared with a model of the column.
  TempDir dir;
  auto store = open_store(dir);
  auto col = store->ensure_column("view.test");
  REQUIRE(col.ok());
  std::map<std::string, std::string> model;
  std::mt19937 rng(20261129);
  const auto key_of = [&](int prefix, int n) {
    char key[16];
    std::snprintf(key, sizeof(key), "%c/%03d", "abc"[prefix], n);
    return std::string(key);
  };
  const auto expected_rows = [&](const std::string& prefix) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (auto it = model.lower_bound(prefix); it != model.end() && it->first.starts_with(prefix); ++it) {
      rows.push_back(*it);
    }
    return rows;
  };
  const int lengths[] = {60, 90, 200};  // key space per list; about 2/3 of it present
  const auto random_key = [&] {
    const int list = static_cast<int>(rng() % 3);
    return key_of(list, static_cast<int>(rng() % static_cast<unsigned>(lengths[list])));
  };
  for (int batch = 0; batch < 300; ++batch) {
    auto tx = store->begin();
    const int writes = 1 + static_cast<int>(rng() % 12);
    for (int w = 0; w < writes; ++w) {
      const auto key = random_key();
      if (rng() % 3 == 0) {
        tx->del(*col, key);
        model.erase(key);
      } else {
        const auto value = "v" + std::to_string(batch) + "." + std::to_string(w);
        tx->put(*col, key, value);
        model[key] = value;
      }
    }
    REQUIRE(store->commit(*tx).ok());
    tx.reset();
    for (const char* prefix : {"a/", "b/", "c/"}) {
      for (int twice = 0; twice < 2; ++twice) {  // the first read may fill the cache, the second reads from it
        std::vector<std::pair<std::string, std::string>> rows;
        for (auto c = store->scan(*col, prefix); c->valid(); c->next()) rows.emplace_back(c->key(), c->value());
        INFO("batch " << batch << " prefix " << prefix);
        REQUIRE(rows == expected_rows(prefix));
      }
    }
    for (int probe = 0; probe < 10; ++probe) {
      const auto key = random_key();
      const auto it = model.find(key);
      REQUIRE(store->get(*col, key) == (it == model.end() ? std::nullopt : std::optional<std::string>(it->second)));
    }
  }
  // Every cached row of a longer list deleted at once: the rest is still read from the store.
  {
    auto tx = store->begin();
    const auto rows = expected_rows("c/");
    REQUIRE(rows.size() > 70);
    for (std::size_t i = 0; i < 64; ++i) {
      tx->del(*col, rows[i].first);
      model.erase(rows[i].first);
    }
    REQUIRE(store->commit(*tx).ok());
    std::vector<std::pair<std::string, std::string>> read;
    for (auto c = store->scan(*col, "c/"); c->valid(); c->next()) read.emplace_back(c->key(), c->value());
    CHECK(read == expected_rows("c/"));
  }

  // A cached value takes the write: the read after it is a hit, with the new value.
  const auto key = key_of(0, 7);
  {
    auto tx = store->begin();
    tx->put(*col, key, "before");
    REQUIRE(store->commit(*tx).ok());
  }
  REQUIRE(store->get(*col, key) == "before");
  {
    auto tx = store->begin();
    tx->put(*col, key, "after");
    REQUIRE(store->commit(*tx).ok());
  }
  const auto misses = store->read_cache_stats().second;
  CHECK(store->get(*col, key) == "after");
  CHECK(store->read_cache_stats().second == misses);
}

TEST_CASE("a store with the read cache off answers the same", "[store][cache]") {
  TempDir dir;
  auto opened = Store::open(StoreOptions{.path = dir.str(), .read_cache_mb = 0});
  REQUIRE(opened.ok());
  auto& store = **opened;
  auto col = store.ensure_column("view.test");
  REQUIRE(col.ok());
  auto tx = store.begin();
  tx->put(*col, "a/1", "one");
  REQUIRE(store.commit(*tx).ok());
  tx.reset();
  CHECK(store.get(*col, "a/1") == "one");
  CHECK(scan_keys(store, *col, "a/") == std::vector<std::string>{"a/1"});
  CHECK(store.read_cache_stats() == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}

TEST_CASE("a bulk load fed from two threads fills its columns, split into files both threads write", "[store][bulk]") {
  TempDir dir;
  auto store = open_store(dir);
  const ColumnId small = *store->ensure_column("small"), large = *store->ensure_column("large");
  // 600k rows: more than one file's worth (256k rows), so the second thread shares the large column's files.
  std::vector<std::string> keys;
  for (int i = 0; i < 600000; ++i) keys.push_back(encode_be64(static_cast<std::uint64_t>(i)));
  std::vector<KvRow> large_rows, small_rows = {{"a", "1"}, {"b", "2"}};
  for (const auto& k : keys) large_rows.emplace_back(k, "v");
  auto load = store->begin_bulk_load(2);
  REQUIRE(load.ok());
  // The first thread waits in work() until the other one has added its column.
  std::thread other([&] {
    (*load)->add(large, large_rows);
    (*load)->work();
  });
  (*load)->add(small, small_rows);
  (*load)->work();
  other.join();
  REQUIRE((*load)->finish().ok());
  load->reset();
  CHECK(store->get(small, "b") == "2");
  CHECK(store->get(large, encode_be64(599999)) == "v");
  std::size_t n = 0;
  for (auto c = store->scan(large, ""); c->valid(); c->next()) ++n;
  CHECK(n == 600000);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "bulk-load"));
}

TEST_CASE("an abandoned bulk load ends every worker, writes nothing and says why", "[store][bulk]") {
  TempDir dir;
  auto store = open_store(dir);
  const ColumnId a = *store->ensure_column("a");
  std::vector<KvRow> rows = {{"k", "v"}};
  auto load = store->begin_bulk_load(2);
  REQUIRE(load.ok());
  (*load)->add(a, rows);
  std::thread worker([&] { (*load)->work(); });  // waits for the second column, which never comes
  (*load)->abandon(Error::make(ErrorCode::kCorruption, "event 7 does not decode"));
  worker.join();
  auto finished = (*load)->finish();
  REQUIRE_FALSE(finished.ok());
  CHECK(finished.error().message == "event 7 does not decode");
  CHECK_FALSE(store->get(a, "k"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "bulk-load"));
}

TEST_CASE("a column's expiry drops the rows it names when the column is compacted, after a reopen too", "[store]") {
  TempDir dir;
  // Values starting "old" are stale; the expiry applies to the column by name, also when it is created later.
  auto options = StoreOptions{.path = dir.str(),
                              .expiring = {ColumnExpiry{.column = "records",
                                                        .expired = [](std::string_view v) { return v.starts_with("old"); }}}};
  auto write_rows = [](Store& store, ColumnId column, const std::vector<std::pair<std::string, std::string>>& rows) {
    auto tx = store.begin();
    REQUIRE(tx);
    for (const auto& [k, v] : rows) tx->put(column, k, v);
    REQUIRE(store.commit(*tx).ok());
  };
  {
    auto opened = Store::open(options);
    REQUIRE(opened.ok());
    auto& store = **opened;
    auto records = store.ensure_column("records");
    auto other = store.ensure_column("other");
    REQUIRE(records.ok());
    REQUIRE(other.ok());
    write_rows(store, *records, {{"a", "old 1"}, {"b", "fresh 1"}, {"c", "old 2"}});
    write_rows(store, *other, {{"a", "old but not in an expiring column"}});
    CHECK(store.get(*records, "a") == "old 1");  // not compacted yet: still read, readers must judge
    REQUIRE(store.compact_column(*records).ok());
    REQUIRE(store.compact_column(*other).ok());
    CHECK_FALSE(store.get(*records, "a"));
    CHECK(store.get(*records, "b") == "fresh 1");
    CHECK_FALSE(store.get(*records, "c"));
    CHECK(store.get(*other, "a") == "old but not in an expiring column");
    write_rows(store, *records, {{"d", "old 3"}, {"e", "fresh 2"}});
  }
  auto reopened = Store::open(options);
  REQUIRE(reopened.ok());
  auto& store = **reopened;
  auto records = store.find_column("records");
  REQUIRE(records);
  CHECK(store.get(*records, "d") == "old 3");  // replayed from the WAL, not compacted yet
  REQUIRE(store.compact_column(*records).ok());
  CHECK_FALSE(store.get(*records, "d"));
  CHECK(store.get(*records, "e") == "fresh 2");
  CHECK(store.get(*records, "b") == "fresh 1");
}
