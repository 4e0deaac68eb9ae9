// The durable store: one RocksDB database holding the append-only event log, its stream index, metadata,
// and the column families of later layers (views, idempotency records, the mail outbox).
//
// Column families:
//   log       big-endian position -> encoded event (docs/STORAGE.md)
//   streams   stream '\0' big-endian version -> big-endian position (a stream's version is its last key)
//   meta      "format_version" -> decimal;  "head" -> be64 position, 32-byte hash, be64 recorded_at_us
//   anything else: created on demand by `ensure_column` (views "view.<name>", "idempotency", "outbox", ...)
//
// Threading: reads are safe from any thread and see only durable state (a snapshot published after each fsync).
// Writes go through one Transaction at a time (one writer, see GroupCommitter); `write` + `sync` make it durable.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/event_reader.hpp"
#include "events/faults.hpp"
#include "events/kv.hpp"
#include "events/result.hpp"

namespace teamlog {

inline constexpr std::uint32_t kStoreFormatVersion = 1;

// Rows of a column that go once stale (idempotency records past their lifetime): RocksDB drops those `expired`
// names when it compacts the column's files, and rewrites each of its files at least every `recheck_seconds`, so
// stale rows do not stay on disk for ever. Until its file is compacted a stale row is still read (and a read may
// keep it in the read cache after): readers must ignore stale rows themselves.
struct ColumnExpiry {
  std::string column;
  std::function<bool(std::string_view value)> expired;  // called from RocksDB's compaction threads
  std::uint64_t recheck_seconds = 24 * 3600;
};

struct StoreOptions {
  std::string path;
  enum class Mode { kReadWrite, kSecondary } mode = Mode::kReadWrite;
  bool create_if_missing = true;
  // kSecondary only: where RocksDB keeps the secondary instance's own files (a fresh temp dir is fine).
  std::string secondary_path;
  bool sync = true;               // fsync every commit; only benchmarks of the raw ceiling turn it off
  std::size_t block_cache_mb = 256;
  // Read table files through mmap instead of pread: a block is then used where it lies, not copied first. For the
  // whole-log scans of teamlogctl (verify ~11% faster on a million events); the server keeps pread and its cache.
  bool mmap_reads = false;
  // Point reads (`get`) of the columns of other layers (views, idempotency records) are served from memory up to
  // this size, invalidated when a write to the key becomes visible (read_cache.hpp). 0: off. Never on a secondary.
  std::size_t read_cache_mb = 64;
  // The writer remembers the versions of up to this many streams (its buckets allocated at open, ~8 bytes each).
  std::size_t stream_cache_entries = 1u << 19;
  std::vector<ColumnExpiry> expiring;  // by column name; a column created later gets its expiry too
  // Tests switch disk faults on and off through this (failing writes, fsyncs, a full disk); null in production.
  std::shared_ptr<StorageFaults> faults;
};

// Iterates events in order without holding more than one in memory.
class EventCursor {
 public:
  class Impl;
  explicit EventCursor(std::unique_ptr<Impl> impl);
  EventCursor(EventCursor&&) noexcept;
  EventCursor& operator=(EventCursor&&) noexcept;
  ~EventCursor();
  bool valid() const;
  // The current event; a stored record that fails to decode is reported, not skipped.
  const Result<Event>& current() const;
  void next();
  // Moves a cursor over the whole log (read_all) to a position; faster than a new cursor, which reads ahead anew.
  void seek(std::uint64_t position);
  // The raw stored bytes of the current event (verify and export read these), valid until `next`.
  std::string_view raw() const;
  // The current event's position as its key says (0 if the key is malformed), without decoding the event.
  std::uint64_t position() const;

 private:
  std::unique_ptr<Impl> impl_;
};

class Transaction;
class BulkLoad;
class DerivedCache;

// A batch written to the WAL and memtable but not yet known durable; `Store::sync` makes it so and visible.
struct WrittenBatch {
  bool empty = true;
  std::shared_ptr<const void> published;  // the state readers will see once it is durable
};

// Fills empty columns (a rebuild's fresh ones) with rows sorted by key, without duplicates: written as table
// files beside the database and ingested whole, bypassing the WAL and memtables that made a rebuild through
// batches slow. Columns are added as their rows are ready, from any thread; every thread that calls `work` writes
// the queued files (a column's rows are split into files, so threads share a large one) until the last column
// announced to Store::begin_bulk_load has been added and written. Durable once `finish` succeeds; nothing else
// may write to these columns meanwhile. Dropped without `finish`, it leaves the columns empty.
class BulkLoad {
 public:
  ~BulkLoad();
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;
  // Queues one column's rows; they must stay valid until `finish`.
  void add(ColumnId column, const std::vector<KvRow>& rows);
  // Ends every `work` without the columns still to come (`finish` then answers `why`).
  void abandon(const Error& why);
  // Writes queued files until all columns were added and written, or a write failed.
  void work();
  // Once no `work` runs: the first failure, else ingests every file.
  Status finish();

 private:
  friend class Store;
  struct Impl;
  explicit BulkLoad(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Store final : public KvReader, public EventReader {
 public:
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const;
  bool read_only() const;

  // Committed head: the last durable position and its hash (0 and all-zero on an empty log).
  std::uint64_t head_position() const;
  Hash head_hash() const;
  std::int64_t head_recorded_at_us() const;

  EventCursor read_all(std::uint64_t from_position = 1) const;
  EventCursor read_stream(std::string_view stream, std::uint64_t from_version = 1) const;
  Result<Event> read_event(std::uint64_t position) const override;
  // 0 when the stream has no events.
  std::uint64_t stream_version(std::string_view stream) const;

  // Columns of other layers. `ensure_column` creates one if missing (read-write stores only).
  Result<ColumnId> ensure_column(std::string_view name);
  std::optional<ColumnId> find_column(std::string_view name) const;
  std::vector<std::string> column_names() const;
  Status drop_column(std::string_view name);
  // Compacts every file of a column now (its ColumnExpiry then drops what is stale); operators and tests.
  Status compact_column(ColumnId column);

  std::optional<std::string> get(ColumnId column, std::string_view key) const override;
  std::unique_ptr<KvCursor> scan(ColumnId column, std::string_view prefix, std::string_view start = {}) const override;

  // Starts a bulk load of `columns` fresh columns (see BulkLoad).
  Result<std::unique_ptr<BulkLoad>> begin_bulk_load(std::size_t columns);

  // The single writer's unit of work. Only one may be open at a time.
  std::unique_ptr<Transaction> begin();
  // Commit in two steps, so that the writer can prepare the next batch while this one is fsynced: `write` applies
  // the transaction as one WriteBatch (WAL + memtable, not yet synced; later transactions see it, readers do not);
  // `sync` fsyncs the WAL and then shows readers the state as of that batch. On any failure nothing is
  // acknowledged and the store refuses further writes (a failed fsync leaves the file state unknown): restart to
  // recover through the WAL. `commit` is both in one.
  Result<WrittenBatch> write(Transaction& tx);
  Status sync(const WrittenBatch& batch);
  // `sync` in its two halves, for a writer that fsyncs on one thread and acknowledges on another: `make_durable`
  // fsyncs the WAL (covering `batch` and every batch written before it); `publish` then shows readers the state as
  // of `batch`. Publish durable batches in the order they were written, and before acknowledging them.
  Status make_durable(const WrittenBatch& batch);
  void publish(const WrittenBatch& batch);
  Status commit(Transaction& tx);
  bool failed() const;

  // kSecondary: catch up with the primary's latest writes.
  Status catch_up();
  std::uint64_t approximate_size_bytes() const;
  // Values computed from this store's reads (derived_cache.hpp), invalidated by the keys of every batch that
  // becomes visible (after the read cache lets go of them, before the batch is acknowledged) and emptied by any
  // other change readers can see (a column dropped or bulk-loaded, a secondary caught up). Attach before the first
  // write; null detaches. The cache must outlive its attachment.
  void attach(DerivedCache* cache);
  // Moves whenever a change to `column` becomes visible, before the write is acknowledged (and with any wholesale
  // change): something computed from reads of the column that began after changes() returned n is current for as
  // long as changes() still returns n.
  std::uint64_t changes(ColumnId column) const;
  // The same, finer: keys are spread over kChangeStripes stripes, and changes_of_stripe(change_stripe(c, k)) moves
  // whenever a change to key k of column c becomes visible (or one to another key of its stripe, or any wholesale
  // change). Something computed from reads of a few keys stays current while their stripes' counts, each read
  // before its key, are unchanged: a cache of it survives the writes to every other key of the column.
  static constexpr std::uint32_t kChangeStripes = 4096;
  std::uint32_t change_stripe(ColumnId column, std::string_view key) const;
  std::uint64_t changes_of_stripe(std::uint32_t stripe) const;
  // The read cache's hits and misses so far (0 and 0 without one).
  std::pair<std::uint64_t, std::uint64_t> read_cache_stats() const;

  // Test helper: overwrites the stored bytes of one event without touching the chain (for tamper tests).
  Status overwrite_event_bytes_for_test(std::uint64_t position, std::string_view bytes);

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class Transaction;
  friend class BulkLoad;
};

// Reads see this transaction's own writes on top of the committed state. Savepoints make one command's writes
// atomic inside a group-committed batch.
class Transaction final : public KvWriter {
 public:
  ~Transaction() override;

  // Appends one command's events after checking each event's expected version against the stream's version at
  // that point (committed + this transaction). On a mismatch nothing of this request is kept and the error
  // (kConflict) names the stream, the expected and the actual version.
  Result<AppendResult> append(const AppendRequest& request);
  using KvWriter::append;  // a row appended to a column, as any KvWriter

  std::optional<std::string> get(ColumnId column, std::string_view key) const override;
  std::unique_ptr<KvCursor> scan(ColumnId column, std::string_view prefix, std::string_view start = {}) const override;
  void put(ColumnId column, std::string_view key, std::string_view value) override;
  void del(ColumnId column, std::string_view key) override;

  std::uint64_t stream_version(std::string_view stream) const;
  std::uint64_t head_position() const;
  Hash head_hash() const;

  void set_savepoint();
  void rollback_to_savepoint();
  void pop_savepoint();

  // Events appended so far in this transaction, in position order.
  const std::vector<Event>& events() const;
  std::size_t byte_size() const;

  struct Impl;

 private:
  friend class Store;
  explicit Transaction(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace teamlog
