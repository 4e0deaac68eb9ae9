// Group commit: many appenders, one writer, dense positions, real batching.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "events/chain_check.hpp"
#include "events/group_commit.hpp"
#include "events/thread_name.hpp"
#include "test_support.hpp"

using namespace teamlog;
using teamlog::testing::TempDir;

TEST_CASE("8 threads x 1000 appends give 8000 dense positions and dense stream versions", "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  GroupCommitter writer(*store);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        // Each thread writes its own stream with exact expectations, plus a shared stream with "any".
        std::string own = "thread-" + std::to_string(t);
        AppendRequest req{{ProposedEvent{own, ExpectedVersion::exact(static_cast<std::uint64_t>(i)), "t", 1, "{}"}}, {}, ""};
        if (i % 10 == 0) req.events.push_back(ProposedEvent{"shared", ExpectedVersion::any(), "t", 1, "{}"});
        if (!writer.append(std::move(req)).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  writer.stop();
  CHECK(failures == 0);
  CHECK(store->head_position() == 8000 + 800);
  for (int t = 0; t < 8; ++t) CHECK(store->stream_version("thread-" + std::to_string(t)) == 1000);
  CHECK(store->stream_version("shared") == 800);
  auto report = check_chain(*store);  // positions dense, versions dense, chain intact
  CHECK(report.intact);
  CHECK(report.events == 8800);
}

TEST_CASE("under 16 concurrent appenders one fsync serves several appends", "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  GroupCommitter writer(*store);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) REQUIRE(writer.append({{ProposedEvent{"s", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""}).ok());
    });
  }
  for (auto& th : threads) th.join();
  auto stats = writer.stats();
  CHECK(stats.jobs == 1600);
  CHECK(stats.events == 1600);
  CHECK(stats.batches < stats.jobs);
  CHECK(stats.max_batch_jobs > 1);
}

TEST_CASE("a refused append in a batch does not disturb the others", "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  GroupCommitter writer(*store);
  REQUIRE(writer.append({{ProposedEvent{"s", ExpectedVersion::no_stream(), "t", 1, "{}"}}, {}, ""}).ok());
  auto refused = writer.append({{ProposedEvent{"s", ExpectedVersion::no_stream(), "t", 1, "{}"}}, {}, ""});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kConflict);
  CHECK(writer.append({{ProposedEvent{"s", ExpectedVersion::exact(1), "t", 1, "{}"}}, {}, ""}).ok());
  CHECK(store->head_position() == 2);
}

// Each disk fault, injected below RocksDB: the append in flight fails, nothing is acknowledged, the store refuses
// every later write even once the disk is healthy again, and a restart finds exactly the acknowledged events.
TEST_CASE("a disk fault acknowledges nothing, later writes are refused, and a restart keeps what was acknowledged",
          "[group_commit][faults]") {
  using Kind = StorageFaults::Kind;
  const auto [kind, name] = GENERATE(table<Kind, std::string>({{Kind::kSyncError, "failing fsync"},
                                                                {Kind::kWriteError, "failing write"},
                                                                {Kind::kNoSpace, "full disk"}}));
  INFO(name);
  TempDir dir;
  auto faults = std::make_shared<StorageFaults>();
  {
    auto store = std::move(Store::open(StoreOptions{.path = dir.str(), .faults = faults})).value();
    GroupCommitter writer(*store);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(writer.append({{ProposedEvent{"s", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""}).ok());
    }
    faults->set(kind);
    // Several appenders at once: none of them may be told its event is durable.
    std::vector<std::future<Result<AppendResult>>> inflight;
    for (int i = 0; i < 8; ++i) {
      inflight.push_back(std::async(std::launch::async, [&writer] {
        return writer.append({{ProposedEvent{"s", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""});
      }));
    }
    for (auto& f : inflight) {
      auto r = f.get();
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kUnavailable);
    }
    CHECK(faults->injected.load() > 0);
    faults->set(Kind::kNone);
    auto after = writer.append({{ProposedEvent{"s", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""});
    REQUIRE_FALSE(after.ok());
    CHECK(after.error().code == ErrorCode::kUnavailable);
    // Readers still see the acknowledged events, and only those.
    CHECK(store->head_position() == 3);
  }
  auto reopened = Store::open(StoreOptions{.path = dir.str()});
  REQUIRE(reopened.ok());
  auto& store = **reopened;
  // What reached the disk before the fault may survive, but only whole events after the last acknowledged one,
  // never a gap and never a broken chain; and the store takes writes again.
  CHECK(store.head_position() >= 3);
  const auto report = check_chain(store);
  CHECK(report.intact);
  CHECK(report.events == store.head_position());
  GroupCommitter writer(store);
  CHECK(writer.append({{ProposedEvent{"s", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""}).ok());
}

TEST_CASE("a job that throws fails alone and writes nothing", "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  GroupCommitter writer(*store);
  struct Throwing final : CommitJob {
    std::promise<Status>* out;
    bool prepare(Transaction& tx) override {
      (void)tx.append({{ProposedEvent{"x", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""});
      throw std::runtime_error("boom");
    }
    void finish(const Status& s) override { out->set_value(s); }
  };
  std::promise<Status> p;
  auto job = std::make_unique<Throwing>();
  job->out = &p;
  writer.submit(std::move(job));
  auto s = p.get_future().get();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::kInternal);
  CHECK(writer.append({{ProposedEvent{"s", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""}).ok());
  CHECK(store->stream_version("x") == 0);
  CHECK(store->head_position() == 1);
}

TEST_CASE("64 asynchronous submitters: every append is acknowledged once, in commit order, and readable when acknowledged",
          "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  struct Shared {
    GroupCommitter* writer = nullptr;
    Store* store = nullptr;
    std::mutex mu;
    std::vector<std::uint64_t> acked;  // positions in the order their jobs were told
    int not_yet_visible = 0;           // acknowledged while readers could not see the event yet
    int failed = 0;
    std::atomic<int> remaining{0};
    std::promise<void> done;
  } shared;
  // A closed loop as the HTTP layer drives the writer: each completion submits the client's next append, so the
  // writer sees batches being fsynced and written at the same time (the syncer hands synced batches over).
  struct Job final : CommitJob {
    Shared& s;
    int client;
    int left;
    std::uint64_t position = 0;
    Job(Shared& shared_state, int c, int n) : s(shared_state), client(c), left(n) {}
    bool prepare(Transaction& tx) override {
      auto r = tx.append({{ProposedEvent{"client-" + std::to_string(client), ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""});
      if (r.ok()) position = r.value().last_position;
      return r.ok();
    }
    void finish(const Status& status) override {
      {
        std::lock_guard lock(s.mu);
        if (!status.ok()) s.failed++;
        s.acked.push_back(position);
        if (s.store->head_position() < position) s.not_yet_visible++;
      }
      if (left > 1) {
        s.writer->submit(std::make_unique<Job>(s, client, left - 1));
      } else if (--s.remaining == 0) {
        s.done.set_value();
      }
    }
  };
  GroupCommitter writer(*store);
  shared.writer = &writer;
  shared.store = store.get();
  constexpr int kClients = 64, kEach = 40;
  shared.remaining = kClients;
  for (int c = 0; c < kClients; ++c) writer.submit(std::make_unique<Job>(shared, c, kEach));
  REQUIRE(shared.done.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  writer.stop();
  CHECK(shared.failed == 0);
  CHECK(shared.not_yet_visible == 0);
  REQUIRE(shared.acked.size() == kClients * kEach);
  CHECK(std::is_sorted(shared.acked.begin(), shared.acked.end()));
  CHECK(std::adjacent_find(shared.acked.begin(), shared.acked.end()) == shared.acked.end());  // each exactly once
  CHECK(store->head_position() == kClients * kEach);
  const auto stats = writer.stats();
  CHECK(stats.syncs < stats.jobs);
  CHECK(check_chain(*store).intact);
}

TEST_CASE("a batch the writer syncs itself is told after the batch before it, which the syncer is still telling",
          "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  std::mutex mu;
  std::vector<int> told;
  std::promise<void> both;
  std::atomic<int> left{2};
  struct Job final : CommitJob {
    int id;
    std::chrono::milliseconds prepare_time, finish_time;
    std::mutex& mu;
    std::vector<int>& told;
    std::promise<void>& both;
    std::atomic<int>& left;
    Job(int i, std::chrono::milliseconds p, std::chrono::milliseconds f, std::mutex& m, std::vector<int>& t,
        std::promise<void>& b, std::atomic<int>& l)
        : id(i), prepare_time(p), finish_time(f), mu(m), told(t), both(b), left(l) {}
    bool prepare(Transaction& tx) override {
      std::this_thread::sleep_for(prepare_time);
      return tx.append({{ProposedEvent{"s" + std::to_string(id), ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""}).ok();
    }
    void finish(const Status& status) override {
      std::this_thread::sleep_for(finish_time);  // a slow acknowledgement
      {
        std::lock_guard lock(mu);
        told.push_back(status.ok() ? id : -id);
      }
      if (--left == 0) both.set_value();
    }
  };
  GroupCommitter writer(*store);
  using std::chrono::milliseconds;
  // The first job's batch goes to the syncer (the second job waits in the queue when it is written); the syncer
  // then tells it, slowly, while the writer prepares the second job slowly, finds the disk idle, syncs that batch
  // itself and would tell it at once.
  writer.submit(std::make_unique<Job>(1, milliseconds(30), milliseconds(400), mu, told, both, left));
  std::this_thread::sleep_for(milliseconds(10));
  writer.submit(std::make_unique<Job>(2, milliseconds(100), milliseconds(0), mu, told, both, left));
  REQUIRE(both.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  writer.stop();
  CHECK(told == std::vector<int>{1, 2});
}

namespace {

// `clients` clients in a closed loop (each completion submits that client's next append, as the HTTP layer
// does), each job taking `prepare_time` on the writer thread; returns the writer's stats once all are told. With
// `gated`, every client's first job is queued before the writer takes any (a first job holds it until then);
// without, they reach the writer as they are submitted, a few at a time.
GroupCommitStats closed_loop(Store& store, int clients, int each, std::chrono::microseconds prepare_time,
                             bool gated = false) {
  struct Shared {
    GroupCommitter* writer = nullptr;
    std::chrono::microseconds prepare_time{};
    std::atomic<int> failed{0};
    std::atomic<int> remaining{0};
    std::promise<void> done;
  } shared;
  struct Job final : CommitJob {
    Shared& s;
    int client, left;
    Job(Shared& shared_state, int c, int n) : s(shared_state), client(c), left(n) {}
    bool prepare(Transaction& tx) override {
      if (s.prepare_time.count() > 0) std::this_thread::sleep_for(s.prepare_time);
      return tx.append({{ProposedEvent{"client-" + std::to_string(client), ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""})
          .ok();
    }
    void finish(const Status& status) override {
      if (!status.ok()) s.failed++;
      if (left > 1) {
        s.writer->submit(std::make_unique<Job>(s, client, left - 1));
      } else if (--s.remaining == 0) {
        s.done.set_value();
      }
    }
  };
  // Holds the writer in a batch of its own (it is alone in the queue when the writer takes it) until released.
  struct Gate final : CommitJob {
    std::promise<void>& entered;
    std::shared_future<void> open;
    Gate(std::promise<void>& e, std::shared_future<void> f) : entered(e), open(std::move(f)) {}
    bool prepare(Transaction&) override {
      entered.set_value();
      open.wait();
      return false;  // writes nothing
    }
    void finish(const Status&) override {}
  };
  GroupCommitter writer(store);
  shared.writer = &writer;
  shared.prepare_time = prepare_time;
  shared.remaining = clients;
  std::promise<void> entered, open;
  if (gated) {
    writer.submit(std::make_unique<Gate>(entered, open.get_future().share()));
    entered.get_future().wait();
  }
  for (int c = 0; c < clients; ++c) writer.submit(std::make_unique<Job>(shared, c, each));
  if (gated) open.set_value();
  REQUIRE(shared.done.get_future().wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  writer.stop();
  CHECK(shared.failed == 0);
  return writer.stats();
}

}  // namespace

TEST_CASE("cheap commands from 64 clients share one fsync when preparing them all is quicker than an fsync",
          "[group_commit]") {
  // Splitting the waiting jobs into two pipelined halves would cost two fsyncs per round of 64 (about 32 events
  // per fsync); with an fsync of 10 ms and appends of microseconds, one batch of everything is faster. The clients
  // start a few at a time, so they first form groups that are fsynced in turn; the groups must merge.
  TempDir dir;
  auto faults = std::make_shared<StorageFaults>();
  faults->sync_delay_us = 10'000;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str(), .faults = faults})).value();
  const auto stats = closed_loop(*store, 64, 16, std::chrono::microseconds(0));
  CHECK(stats.events == 64 * 16);
  const std::uint64_t mean_fsync_us = stats.syncs ? stats.fsync_ns_total / stats.syncs / 1000 : 0;
  CAPTURE(stats.batches, stats.syncs, mean_fsync_us, stats.batch_jobs_buckets);
  CHECK(static_cast<double>(stats.events) / static_cast<double>(stats.syncs) >= 48.0);
}

TEST_CASE("commands slower to prepare than an fsync are written in halves, so that the disk works meanwhile",
          "[group_commit]") {
  // 64 waiting jobs of 2 ms each would keep the disk idle for 128 ms: the writer writes half of what waits and
  // prepares the rest during the first half's fsync. All 64 clients start together (gated), so never splitting
  // would make every batch one of 64; splitting makes them halves or less.
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  const auto stats = closed_loop(*store, 64, 6, std::chrono::microseconds(2000), /*gated=*/true);
  CHECK(stats.events == 64 * 6);
  std::uint64_t over_32 = 0;  // batches of more than 32 jobs: buckets 6 (<= 64) and up
  for (std::size_t i = 6; i < stats.batch_jobs_buckets.size(); ++i) over_32 += stats.batch_jobs_buckets[i];
  const std::uint64_t mean_fsync_us = stats.syncs ? stats.fsync_ns_total / stats.syncs / 1000 : 0;
  CAPTURE(stats.batches, stats.syncs, mean_fsync_us, stats.batch_jobs_buckets);
  CHECK(over_32 <= 1);
}

// Operators and profiles tell the threads apart by name (top -H, ps -L, perf --sort comm).
TEST_CASE("the writer and the syncer threads are named teamlog-writer and teamlog-sync", "[group_commit]") {
  TempDir dir;
  auto store = std::move(Store::open(StoreOptions{.path = dir.str()})).value();
  GroupCommitter writer(*store);
  struct Named final : CommitJob {
    std::promise<std::string>* out;
    std::string name;
    bool prepare(Transaction& tx) override {
      name = this_thread_name();
      return tx.append({{ProposedEvent{"n", ExpectedVersion::any(), "t", 1, "{}"}}, {}, ""}).ok();
    }
    void finish(const Status&) override { out->set_value(name); }
  };
  std::promise<std::string> p;
  auto job = std::make_unique<Named>();
  job->out = &p;
  writer.submit(std::move(job));
  CHECK(p.get_future().get() == "teamlog-writer");
  std::set<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.insert(name);
  }
  CHECK(names.count("teamlog-writer") == 1);
  CHECK(names.count("teamlog-sync") == 1);
  writer.stop();
}
