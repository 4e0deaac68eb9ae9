// Event-log benchmark: raw RocksDB synced writes (the ceiling) against our append through group commit.
//
//   teamlog_bench_log [--dir DIR] [--seconds S] [--payload BYTES]
//
// Prints a Markdown table: events/s, p50/p99 latency per append, and our rate as a share of the raw ceiling.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "events/codec.hpp"
#include "events/crypto.hpp"
#include "events/group_commit.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string name;
  double events_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// A plain RocksDB for the raw rows, tuned as the store is: the same RocksDB tuning on both sides of the ratio.
rocksdb::DB* open_raw(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.bytes_per_sync = 1u << 20;
  rocksdb::DB* db = nullptr;
  if (auto s = rocksdb::DB::Open(options, dir, &db); !s.ok()) {
    std::fprintf(stderr, "raw open failed: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  return db;
}

// Raw RocksDB: each write is one synced WriteBatch of `batch` ~payload-sized values, from one thread.
Row raw_rocksdb(const std::string& dir, int batch, double seconds, std::size_t payload) {
  rocksdb::DB* db = open_raw(dir);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string value(payload, 'x');
  std::uint64_t key = 0, events = 0;
  std::vector<double> lat;
  auto start = Clock::now();
  while (Clock::now() - start < std::chrono::duration<double>(seconds)) {
    rocksdb::WriteBatch wb;
    for (int i = 0; i < batch; ++i) wb.Put(teamlog::encode_be64(++key), value);
    auto t0 = Clock::now();
    if (!db->Write(wo, &wb).ok()) std::exit(1);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    events += static_cast<std::uint64_t>(batch);
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  delete db;
  return Row{"raw RocksDB sync write, " + std::to_string(batch) + " event(s) per batch",
             static_cast<double>(events) / elapsed, percentile(lat, 0.5), percentile(lat, 0.99)};
}

// Raw RocksDB with `threads` threads, each writing one synced single-value WriteBatch at a time: RocksDB's own
// group commit gathers them. The reference for our blocking appenders (a thread per appender, woken per write).
Row raw_rocksdb_threads(const std::string& dir, int threads, double seconds, std::size_t payload) {
  rocksdb::DB* db = open_raw(dir);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const std::string value(payload, 'x');
  std::atomic<std::uint64_t> key{0};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (!stop.load(std::memory_order_relaxed)) {
        rocksdb::WriteBatch wb;
        wb.Put(teamlog::encode_be64(++key), value);
        const auto t0 = Clock::now();
        if (!db->Write(wo, &wb).ok()) std::exit(1);
        lat[static_cast<std::size_t>(t)].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  delete db;
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  return Row{"raw RocksDB sync write, " + std::to_string(threads) + " threads x 1 event (RocksDB's group commit)",
             static_cast<double>(all.size()) / elapsed, percentile(all, 0.5), percentile(all, 0.99)};
}

// teamlog: `appenders` threads each appending one ~payload-byte event at a time through the group committer.
Row ours(const std::string& dir, int appenders, double seconds, std::size_t payload, teamlog::GroupCommitStats& stats) {
  auto store = teamlog::Store::open(teamlog::StoreOptions{.path = dir});
  if (!store.ok()) {
    std::fprintf(stderr, "open failed: %s\n", store.error().message.c_str());
    std::exit(1);
  }
  teamlog::GroupCommitter writer(**store);
  std::string data = "{\"pad\":\"" + std::string(payload > 12 ? payload - 12 : 0, 'x') + "\"}";
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(appenders));
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < appenders; ++t) {
    threads.emplace_back([&, t] {
      std::string stream = "bench-" + std::to_string(t);
      while (!stop.load(std::memory_order_relaxed)) {
        teamlog::AppendRequest req{{teamlog::ProposedEvent{stream, teamlog::ExpectedVersion::any(), "bench.event", 1, data}},
                                   teamlog::Actor{teamlog::ActorType::kSystem, 0, "bench"}, "bench"};
        auto t0 = Clock::now();
        auto r = writer.append(std::move(req));
        if (!r.ok()) std::exit(1);
        lat[static_cast<std::size_t>(t)].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  writer.stop();
  stats = writer.stats();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  return Row{"teamlog append, " + std::to_string(appenders) + " blocking thread(s)",
             static_cast<double>(stats.events) / elapsed, percentile(all, 0.5), percentile(all, 0.99)};
}

// teamlog: `appenders` requests always in flight, submitted asynchronously as the HTTP layer does (an I/O
// thread hands the command over and is called back when it is durable); each completion submits the next.
class AsyncAppend final : public teamlog::CommitJob {
 public:
  struct Shared {
    teamlog::GroupCommitter* writer;
    std::atomic<bool> stop{false};
    std::atomic<int> live{0};
    std::mutex mu;
    std::vector<double> lat;
    std::string data;
  };
  AsyncAppend(Shared& shared, int id) : shared_(shared), id_(id), start_(Clock::now()) {}
  bool prepare(teamlog::Transaction& tx) override {
    return tx.append({{teamlog::ProposedEvent{"bench-" + std::to_string(id_), teamlog::ExpectedVersion::any(),
                                              "bench.event", 1, shared_.data}},
                      teamlog::Actor{teamlog::ActorType::kSystem, 0, "bench"}, "bench"})
        .ok();
  }
  void finish(const teamlog::Status& status) override {
    if (!status.ok()) std::exit(1);
    {
      std::lock_guard lock(shared_.mu);
      shared_.lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start_).count());
    }
    if (shared_.stop.load()) {
      shared_.live--;
    } else {
      shared_.writer->submit(std::make_unique<AsyncAppend>(shared_, id_));
    }
  }

 private:
  Shared& shared_;
  int id_;
  Clock::time_point start_;
};

Row ours_async(const std::string& dir, int appenders, double seconds, std::size_t payload,
               teamlog::GroupCommitStats& stats) {
  auto store = teamlog::Store::open(teamlog::StoreOptions{.path = dir});
  if (!store.ok()) std::exit(1);
  teamlog::GroupCommitOptions gco;
  if (const char* e = std::getenv("BENCH_MAX_BATCH")) gco.max_batch_events = std::stoul(e);
  teamlog::GroupCommitter writer(**store, gco);
  AsyncAppend::Shared shared;
  shared.writer = &writer;
  shared.data = "{\"pad\":\"" + std::string(payload > 12 ? payload - 12 : 0, 'x') + "\"}";
  auto start = Clock::now();
  shared.live = appenders;
  for (int i = 0; i < appenders; ++i) writer.submit(std::make_unique<AsyncAppend>(shared, i));
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  shared.stop = true;
  while (shared.live.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  writer.stop();
  stats = writer.stats();
  return Row{"teamlog append, " + std::to_string(appenders) + " async appender(s)",
             static_cast<double>(stats.events) / elapsed, percentile(shared.lat, 0.5), percentile(shared.lat, 0.99)};
}

}  // namespace

int main(int argc, char** argv) {
  std::string base = (std::filesystem::temp_directory_path() / "teamlog-bench-log").string();
  double seconds = 5;
  std::size_t payload = 300;
  int only_appenders = 0;  // profiling aid: run just our append with this many appenders
  int only_raw = 0;        // profiling aid: run just raw RocksDB writes of this many events per batch
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") base = next();
    else if (a == "--seconds") seconds = std::stod(next());
    else if (a == "--payload") payload = std::stoul(next());
    else if (a == "--only-appenders") only_appenders = std::stoi(next());
    else if (a == "--only-raw") only_raw = std::stoi(next());
    else if (a == "--help" || a == "-h") {
      std::printf("usage: teamlog_bench_log [--dir DIR] [--seconds S (5)] [--payload BYTES (300)] [--only-appenders N] [--only-raw N]\n");
      return 0;
    } else {
      std::fprintf(stderr, "unknown option %s (see --help)\n", a.c_str());
      return 2;
    }
  }
  // Every row starts on an empty dir with nothing of the previous rows left to write back: their table files
  // (written at close) would otherwise be flushed by the kernel during the next rows' fsyncs, a handicap for
  // whichever rows come later.
  auto fresh = [&](const std::string& name) {
    std::string d = base + "/" + name;
    std::filesystem::remove_all(base);
    std::filesystem::create_directories(d);
    ::sync();
    return d;
  };
  std::fprintf(stderr, "measuring %.0f s per row in %s ...\n", seconds, base.c_str());
  if (only_appenders > 0) {
    teamlog::GroupCommitStats st;
    Row r = ours_async(fresh("only"), only_appenders, seconds, payload, st);
    std::printf("%s: %.0f events/s, p50 %.0f us, p99 %.0f us; %.1f events/batch, %.1f events/fsync, fsync avg %.0f us\n",
                r.name.c_str(), r.events_per_s, r.p50_us, r.p99_us,
                st.batches ? static_cast<double>(st.events) / static_cast<double>(st.batches) : 0.0,
                st.syncs ? static_cast<double>(st.events) / static_cast<double>(st.syncs) : 0.0,
                st.syncs ? static_cast<double>(st.fsync_ns_total) / 1e3 / static_cast<double>(st.syncs) : 0.0);
    return 0;
  }
  if (only_raw > 0) {
    Row r = raw_rocksdb(fresh("only"), only_raw, seconds, payload);
    std::printf("%s: %.0f events/s, p50 %.0f us, p99 %.0f us\n", r.name.c_str(), r.events_per_s, r.p50_us, r.p99_us);
    return 0;
  }
  Row raw1 = raw_rocksdb(fresh("raw1"), 1, seconds, payload);
  Row raw64 = raw_rocksdb(fresh("raw64"), 64, seconds, payload);
  Row raw64_threads = raw_rocksdb_threads(fresh("raw64threads"), 64, seconds, payload);
  std::vector<std::pair<Row, teamlog::GroupCommitStats>> rows;
  for (int n : {1, 8, 64}) {
    teamlog::GroupCommitStats st;
    Row r = ours(fresh("ours" + std::to_string(n)), n, seconds, payload, st);
    rows.emplace_back(r, st);
    Row ra = ours_async(fresh("async" + std::to_string(n)), n, seconds, payload, st);
    rows.emplace_back(ra, st);
  }
  std::printf("| scenario | events/s | p50 µs | p99 µs | events/batch | vs ceiling |\n|---|---:|---:|---:|---:|---:|\n");
  std::printf("| %s | %.0f | %.0f | %.0f | 1 | ceiling (1) |\n", raw1.name.c_str(), raw1.events_per_s, raw1.p50_us, raw1.p99_us);
  std::printf("| %s | %.0f | %.0f | %.0f | 64 | ceiling (64) |\n", raw64.name.c_str(), raw64.events_per_s, raw64.p50_us, raw64.p99_us);
  std::printf("| %s | %.0f | %.0f | %.0f | - | %.0f%% of raw x64 (reference for blocking threads) |\n",
              raw64_threads.name.c_str(), raw64_threads.events_per_s, raw64_threads.p50_us, raw64_threads.p99_us,
              100.0 * raw64_threads.events_per_s / raw64.events_per_s);
  for (auto& [r, st] : rows) {
    const bool single = r.name.find(", 1 ") != std::string::npos;
    const Row& ceiling = single ? raw1 : raw64;
    double per_batch = st.batches ? static_cast<double>(st.events) / static_cast<double>(st.batches) : 0;
    std::printf("| %s | %.0f | %.0f | %.0f | %.1f | %.0f%% of %s |\n", r.name.c_str(), r.events_per_s, r.p50_us, r.p99_us,
                per_batch, 100.0 * r.events_per_s / ceiling.events_per_s, &ceiling == &raw1 ? "raw x1" : "raw x64");
  }
  std::filesystem::remove_all(base);
  return 0;
}
