// RocksDB implementation of the event store: the log, the stream index, metadata and generic columns.
#include "events/store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "events/codec.hpp"
#include "events/fault_fs.hpp"
#include "events/key_filter.hpp"
#include "events/derived_cache.hpp"
#include "events/read_cache.hpp"

namespace teamlog {
namespace {

constexpr std::size_t kMaxColumns = 256;
constexpr const char* kLogColumn = "log";
constexpr const char* kStreamsColumn = "streams";
constexpr const char* kMetaColumn = "meta";
constexpr const char* kHeadKey = "head";
constexpr const char* kFormatKey = "format_version";
// Table files of a bulk load wait here until they are ingested; whatever a crash leaves is removed at open.
constexpr const char* kBulkLoadDir = "bulk-load";

Error from_rocks(const rocksdb::Status& s, const std::string& what) {
  ErrorCode code = ErrorCode::kUnavailable;
  if (s.IsCorruption()) code = ErrorCode::kCorruption;
  if (s.IsInvalidArgument() || s.IsNotSupported()) code = ErrorCode::kFailedPrecondition;
  return Error::make(code, what + ": " + s.ToString());
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string stream_index_key(std::string_view stream, std::uint64_t version) {
  std::string key;
  key.reserve(stream.size() + 9);
  key.append(stream);
  key.push_back('\0');
  append_be64(key, version);
  return key;
}

// The smallest key greater than every key that starts with `prefix` (empty if there is none).
std::string prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s.back());
    if (c != 0xff) {
      s.back() = static_cast<char>(c + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

// A ColumnExpiry as RocksDB's compaction filter (one per column, shared by its compactions: `expired` must be
// thread-safe).
class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(ColumnExpiry expiry) : expiry_(std::move(expiry)) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
    return expiry_.expired(view(value));
  }
  const char* Name() const override { return "teamlog.ExpiryFilter"; }

 private:
  ColumnExpiry expiry_;
};

// A key's first part, through its first '\0': per-part insert hints for the memtable. A stream index key's first
// part is its stream, whose keys arrive in order; the views' list keys start with their owner's part (a team row
// "t/<org>\0<id>", an audit row "a/<org>\0<position>"), and a list grows at its end. A key without a '\0' is
// inserted without a hint, and a hint that is no longer next to the key only costs what a plain insert does.
class FirstPartPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "teamlog.FirstPartPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    auto k = view(key);
    return slice(k.substr(0, k.find('\0') + 1));
  }
  bool InDomain(const rocksdb::Slice& key) const override { return view(key).find('\0') != std::string_view::npos; }
};

// A stream's committed version: its last index key (0 when it has none).
std::uint64_t read_stream_head(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* streams, std::string_view stream,
                               const rocksdb::ReadOptions& ro = rocksdb::ReadOptions()) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, streams));
  const std::string last = stream_index_key(stream, ~std::uint64_t{0});
  it->SeekForPrev(last);
  if (!it->Valid()) return 0;
  auto key = view(it->key());
  if (key.size() != stream.size() + 9 || !key.starts_with(std::string_view(last).substr(0, stream.size() + 1))) return 0;
  return decode_be64(key.substr(stream.size() + 1));
}

struct Head {
  std::uint64_t position = 0;
  Hash hash{};
  std::int64_t recorded_at_us = 0;
};

std::string encode_head(const Head& h) {
  std::string out;
  append_be64(out, h.position);
  out.append(reinterpret_cast<const char*>(h.hash.data()), h.hash.size());
  append_be64(out, static_cast<std::uint64_t>(h.recorded_at_us));
  return out;
}

bool decode_head(std::string_view in, Head& h) {
  if (in.size() != 8 + 32 + 8) return false;
  h.position = decode_be64(in.substr(0, 8));
  std::copy(in.begin() + 8, in.begin() + 40, reinterpret_cast<char*>(h.hash.data()));
  h.recorded_at_us = static_cast<std::int64_t>(decode_be64(in.substr(40, 8)));
  return true;
}

// A prefix-bounded cursor over any RocksDB iterator (plain, or a batch merged over its base). The upper bound
// lets RocksDB stop at the end of the prefix instead of wading through later keys and tombstones.
class RocksKvCursor final : public KvCursor {
 public:
  explicit RocksKvCursor(std::string_view prefix, const rocksdb::Snapshot* snapshot = nullptr,
                         std::shared_ptr<const void> pin = nullptr)
      : prefix_(prefix), upper_(prefix_successor(prefix)), upper_slice_(upper_), pin_(std::move(pin)) {
    if (!upper_.empty()) read_options_.iterate_upper_bound = &upper_slice_;
    read_options_.snapshot = snapshot;
  }
  RocksKvCursor(const RocksKvCursor&) = delete;
  RocksKvCursor& operator=(const RocksKvCursor&) = delete;
  const rocksdb::ReadOptions& read_options() const { return read_options_; }
  void init(rocksdb::Iterator* it, std::string_view start) {
    it_.reset(it);
    it_->Seek(slice(start > std::string_view(prefix_) ? start : std::string_view(prefix_)));
  }
  bool valid() const override { return it_->Valid() && view(it_->key()).starts_with(prefix_); }
  void next() override { it_->Next(); }
  std::string_view key() const override { return view(it_->key()); }
  std::string_view value() const override { return view(it_->value()); }

 private:
  std::string prefix_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::shared_ptr<const void> pin_;  // keeps the snapshot alive while iterating
  rocksdb::ReadOptions read_options_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

struct Store::Impl {
  StoreOptions options;
  std::unique_ptr<rocksdb::Env> fault_env;  // with StoreOptions::faults; outlives db (declared before it)
  std::unique_ptr<rocksdb::DB> db;
  std::array<std::atomic<rocksdb::ColumnFamilyHandle*>, kMaxColumns> handles{};
  std::array<std::string, kMaxColumns> names;
  std::atomic<std::size_t> column_count{0};
  std::mutex column_mu;  // serialises create/drop; readers use the atomic slots
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* streams = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyOptions cf_options;
  std::shared_ptr<rocksdb::TableFactory> log_table_factory;
  std::vector<std::unique_ptr<ExpiryFilter>> expiry_filters;  // StoreOptions::expiring's, same order
  rocksdb::WriteOptions write_options;

  // The options of the column family `name`, at open and when it is created.
  rocksdb::ColumnFamilyOptions column_options(std::string_view name) const {
    auto cf = cf_options;
    // Appends insert in key order per log and per stream; hints make those memtable inserts O(1) instead of a
    // skiplist search each (they were the largest cost of a group commit).
    if (name == kLogColumn) {
      cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
      cf.table_factory = log_table_factory;
    }
    for (std::size_t i = 0; i < options.expiring.size(); ++i) {
      if (options.expiring[i].column != name) continue;
      cf.compaction_filter = expiry_filters[i].get();
      cf.periodic_compaction_seconds = options.expiring[i].recheck_seconds;
    }
    return cf;
  }

  // What readers see: the state as of the last durable batch, pinned by a RocksDB snapshot, so that a write that is
  // in the WAL but not yet fsynced is never visible (write -> snapshot -> sync -> publish).
  struct Published {
    std::shared_ptr<const rocksdb::Snapshot> snapshot;  // null on a secondary instance (reads the latest)
    Head head;
    rocksdb::SequenceNumber sequence = 0;
  };
  std::atomic<std::shared_ptr<const Published>> published;
  Head written_head;  // the writer's head: the last batch written, synced or not (writer thread only)
  std::mutex sync_mu;     // serialises SyncWAL
  std::mutex publish_mu;  // serialises publishing (and the caches' upkeep that goes with it) and Store::attach
  rocksdb::SequenceNumber synced_sequence = 0;
  std::atomic<bool> failed{false};
  std::atomic<bool> tx_open{false};
  // Point reads of other layers' columns; null when off and on a secondary (which has no writer to invalidate it).
  std::unique_ptr<ReadCache> cache;
  DerivedCache* derived = nullptr;  // see Store::attach; guarded by publish_mu
  // Per column: how many times a change to it became visible (Store::changes).
  std::array<std::atomic<std::uint64_t>, kMaxColumns> column_changes{};
  // Per stripe of keys (Store::change_stripe): how many times a change to one of its keys became visible; with
  // `wholesale`, every change that is not a batch's.
  std::array<std::atomic<std::uint64_t>, kChangeStripes> stripe_changes{};
  std::atomic<std::uint64_t> wholesale_changes{0};
  // Something readers see changed other than by a published batch (a column dropped or bulk-loaded, a secondary
  // caught up): nothing derived from earlier reads holds.
  void changed_wholesale() {
    std::lock_guard lock(publish_mu);  // see Store::attach
    if (derived != nullptr) derived->clear();
    for (auto& c : column_changes) c.fetch_add(1, std::memory_order_release);
    wholesale_changes.fetch_add(1, std::memory_order_release);
  }
  // Keys (and values) written by batches that are not yet visible, by the sequence that makes them so; applied to
  // the caches right after that publication.
  // Its own lock: the writer must not wait for sync_mu, which is held through the fsync it prepares the next batch
  // beside.
  std::mutex unpublished_mu;
  std::deque<std::pair<rocksdb::SequenceNumber, std::vector<KeyChange>>> unpublished_keys;
  // Committed stream versions the writer has seen, so that appends need no read. Touched only by the one open
  // transaction and Store::write. Its buckets are allocated at open for the most entries it holds: a table that
  // grows rehashes every entry at once, which stalled the writer for up to ~120 ms once it held ~500k streams (a
  // long run of team creations). At the bound (StoreOptions::stream_cache_entries) an eighth of it goes, from a
  // bucket that moves round.
  std::unordered_map<std::string, std::uint64_t> stream_cache;
  std::size_t stream_evict_from = 0;
  void remember_stream(std::string stream, std::uint64_t version) {
    if (auto it = stream_cache.find(stream); it != stream_cache.end()) {
      it->second = version;
      return;
    }
    const std::size_t limit = std::max<std::size_t>(options.stream_cache_entries, 1);
    if (stream_cache.size() >= limit) {
      std::vector<std::string> gone;
      const std::size_t buckets = stream_cache.bucket_count();
      std::size_t walked = 0;
      for (; walked < buckets && gone.size() < std::max<std::size_t>(limit / 8, 1); ++walked) {
        const std::size_t b = (stream_evict_from + walked) % buckets;
        for (auto it = stream_cache.begin(b); it != stream_cache.end(b); ++it) gone.push_back(it->first);
      }
      stream_evict_from = (stream_evict_from + walked) % buckets;
      for (const auto& key : gone) stream_cache.erase(key);
    }
    stream_cache.emplace(std::move(stream), version);
  }
  // The writer's memory of other layers' values as of its last written batch (synced or not): what it read from
  // the DB, kept up to date with what it writes over them. Only the writer changes those columns, so a hit is what
  // a DB read would give, without the memtable and table lookups (a command reads its state and counters, then
  // writes them back). Used by the one open transaction and Store::write; `mu` because column changes may come
  // from another thread. Cleared past a byte bound and when columns change.
  struct WriterValues {
    std::mutex mu;
    std::unordered_map<std::string, std::optional<std::string>> map;  // key: column id + key; nullopt: absent
    KeyFilter<1u << 20> filter;  // of the keys in `map`: most keys a batch writes were never read
    std::size_t bytes = 0;
    static constexpr std::size_t kLimit = 32u << 20;
    // With `mu` held. Write-once rows (audit entries) are only kept when read, so writes pass `known_only`.
    void set(std::string key, std::optional<std::string> value, bool known_only) {
      if (known_only && !filter.may_contain(key)) return;
      const std::size_t size = value ? value->size() : 0;
      if (auto it = map.find(key); it != map.end()) {
        bytes = bytes - (it->second ? it->second->size() : 0) + size;
        it->second = std::move(value);
      } else if (!known_only) {
        bytes += key.size() + size + 64;
        filter.add(key);
        map.emplace(std::move(key), std::move(value));
      }
      if (bytes > kLimit) clear();
    }
    void clear() {
      map.clear();
      filter.clear();
      bytes = 0;
    }
    void forget() {
      std::lock_guard lock(mu);
      clear();
    }
  };
  WriterValues writer_values;
  bool is_own_column(const rocksdb::ColumnFamilyHandle* h) const { return h == log || h == streams || h == meta; }

  // Handles must go before the DB closes, also when open() gives up half-way. A clean close flushes the
  // memtables, so that the next open (or a secondary instance) has no WAL to replay and starts at once.
  ~Impl() {
    if (!db) return;
    published.store(nullptr);
    if (options.mode == StoreOptions::Mode::kReadWrite && !failed.load()) {
      std::vector<rocksdb::ColumnFamilyHandle*> all;
      for (std::size_t i = 0; i < column_count.load(); ++i) {
        if (auto* h = handles[i].load()) all.push_back(h);
      }
      (void)db->Flush(rocksdb::FlushOptions(), all);
    }
    for (std::size_t i = 0; i < column_count.load(); ++i) {
      if (auto* h = handles[i].load()) (void)db->DestroyColumnFamilyHandle(h);
    }
    (void)db->Close();
  }

  rocksdb::ColumnFamilyHandle* handle(ColumnId id) const {
    if (id >= kMaxColumns) return nullptr;
    return handles[id].load(std::memory_order_acquire);
  }
  ColumnId add_handle(rocksdb::ColumnFamilyHandle* h) {
    std::size_t id = column_count.load();
    names[id] = h->GetName();
    handles[id].store(h, std::memory_order_release);
    column_count.store(id + 1, std::memory_order_release);
    return static_cast<ColumnId>(id);
  }
  std::optional<ColumnId> find(std::string_view name) const {
    std::size_t n = column_count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      if (handles[i].load(std::memory_order_acquire) != nullptr && names[i] == name) return static_cast<ColumnId>(i);
    }
    return std::nullopt;
  }
  std::shared_ptr<const Published> current() const { return published.load(std::memory_order_acquire); }
  Head committed_head() const { return current()->head; }
  rocksdb::ReadOptions read_options(const Published& p) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = p.snapshot.get();
    return ro;
  }
  std::shared_ptr<const Published> make_published(const Head& h, bool with_snapshot) {
    auto p = std::make_shared<Published>();
    p->head = h;
    if (with_snapshot) {
      rocksdb::DB* d = db.get();
      p->snapshot = std::shared_ptr<const rocksdb::Snapshot>(d->GetSnapshot(), [d](const rocksdb::Snapshot* sn) {
        d->ReleaseSnapshot(sn);
      });
      p->sequence = p->snapshot->GetSequenceNumber();
    }
    return p;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// EventCursor

class EventCursor::Impl {
 public:
  // The whole log from a position.
  Impl(rocksdb::DB* db, std::shared_ptr<const void> pin, rocksdb::ReadOptions ro, rocksdb::ColumnFamilyHandle* log,
       std::uint64_t from)
      : db_(db), pin_(std::move(pin)), ro_(ro), log_(log) {
    // A walk over the log reads each block once: caching them only evicts the blocks that queries need, and the
    // allocations of a filling cache cost a whole-log walk more than the reads. Read ahead in large pieces.
    ro_.fill_cache = false;
    ro_.readahead_size = 2u << 20;
    it_.reset(db->NewIterator(ro_, log));
    it_->Seek(encode_be64(from));
    load();
  }
  // One stream from a version, through the stream index.
  Impl(rocksdb::DB* db, std::shared_ptr<const void> pin, rocksdb::ReadOptions ro, rocksdb::ColumnFamilyHandle* log,
       rocksdb::ColumnFamilyHandle* streams, std::string_view stream, std::uint64_t from)
      : db_(db), pin_(std::move(pin)), ro_(ro), log_(log), prefix_(std::string(stream) + '\0'), by_stream_(true) {
    it_.reset(db->NewIterator(ro_, streams));
    it_->Seek(stream_index_key(stream, from));
    load();
  }
  bool valid() const { return valid_; }
  // Decoded on first use: a reader that skips most events by their raw bytes (replay of one organizer) pays
  // for decoding only the ones it keeps.
  const Result<Event>& current() const {
    if (!decoded_) decode();
    return current_;
  }
  std::string_view raw() const { return raw_; }
  std::uint64_t position() const { return position_; }
  void next() {
    it_->Next();
    load();
  }
  void seek(std::uint64_t position) {
    if (by_stream_) throw std::logic_error("EventCursor::seek on a stream cursor");
    it_->Seek(encode_be64(position));
    load();
  }

 private:
  void load() {
    decoded_ = false;
    valid_ = it_->Valid();
    if (valid_ && by_stream_) valid_ = view(it_->key()).starts_with(prefix_);
    if (!valid_) return;
    position_key_ = by_stream_ ? view(it_->value()) : view(it_->key());
    position_ = position_key_.size() == 8 ? decode_be64(position_key_) : 0;
    if (by_stream_) {
      auto s = db_->Get(ro_, log_, it_->value(), &buffer_);
      if (!s.ok()) {
        current_ = from_rocks(s, "reading an indexed event");
        decoded_ = true;
        raw_ = {};
        return;
      }
      raw_ = buffer_;
    } else {
      raw_ = view(it_->value());  // valid until the iterator moves, as the cursor's contract says
    }
  }
  void decode() const {
    decoded_ = true;
    if (current_.ok()) {
      // Decoding into the previous event reuses its strings' memory.
      if (auto s = decode_event_into(raw_, *current_); !s.ok()) current_ = std::move(s).error();
    } else {
      current_ = decode_event(raw_);
    }
    if (!by_stream_ && current_.ok() && (position_key_.size() != 8 || current_->position != position_)) {
      current_ = Error::make(ErrorCode::kCorruption, "event record: position does not match its key");
    }
  }

  rocksdb::DB* db_;
  std::shared_ptr<const void> pin_;  // keeps the snapshot the iterator reads alive
  rocksdb::ReadOptions ro_;
  rocksdb::ColumnFamilyHandle* log_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string prefix_;
  bool by_stream_ = false;
  bool valid_ = false;
  std::string buffer_;
  std::string_view raw_;
  std::string_view position_key_;
  std::uint64_t position_ = 0;
  mutable bool decoded_ = false;
  mutable Result<Event> current_ = Error::make(ErrorCode::kNotFound, "no event");
};

EventCursor::EventCursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventCursor::EventCursor(EventCursor&&) noexcept = default;
EventCursor& EventCursor::operator=(EventCursor&&) noexcept = default;
EventCursor::~EventCursor() = default;
bool EventCursor::valid() const { return impl_->valid(); }
const Result<Event>& EventCursor::current() const { return impl_->current(); }
void EventCursor::next() { impl_->next(); }
void EventCursor::seek(std::uint64_t position) { impl_->seek(position); }
std::string_view EventCursor::raw() const { return impl_->raw(); }
std::uint64_t EventCursor::position() const { return impl_->position(); }

// ---------------------------------------------------------------------------------------------------------------
// Store

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  namespace fs = std::filesystem;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  const bool secondary = options.mode == StoreOptions::Mode::kSecondary;
  std::error_code ec;
  if (!fs::exists(options.path, ec)) {
    if (secondary || !options.create_if_missing) {
      return Error::make(ErrorCode::kNotFound, "data dir " + options.path + " does not exist");
    }
    fs::create_directories(options.path, ec);
    if (ec) return Error::make(ErrorCode::kUnavailable, "cannot create data dir " + options.path + ": " + ec.message());
  } else if (!fs::is_directory(options.path, ec)) {
    return Error::make(ErrorCode::kFailedPrecondition, "data dir " + options.path + " is not a directory");
  }

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_mb << 20);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.cache_index_and_filter_blocks = true;
  table.format_version = 5;
  impl->cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  impl->cf_options.compression = rocksdb::kNoCompression;
  impl->cf_options.memtable_insert_with_hint_prefix_extractor = std::make_shared<FirstPartPrefix>();
  // The log is read front to back (rebuild, verify, replay, export) far more than by position (an audit page's
  // entries): larger blocks cost a whole-log walk fewer block switches and checksums. 16 KiB blocks made the
  // rebuild of a million events 8% faster than 4 KiB ones (same binary, logs seeded alike). Files written before
  // keep their blocks; both kinds read alike.
  rocksdb::BlockBasedTableOptions log_table = table;
  log_table.block_size = 16u << 10;
  impl->log_table_factory.reset(rocksdb::NewBlockBasedTableFactory(log_table));
  for (const auto& expiry : options.expiring) impl->expiry_filters.push_back(std::make_unique<ExpiryFilter>(expiry));

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing && !secondary;
  db_options.create_missing_column_families = !secondary;
  db_options.IncreaseParallelism(2);
  db_options.allow_concurrent_memtable_write = false;  // one writer; and insert hints need it off
  db_options.max_open_files = secondary ? -1 : 512;
  db_options.keep_log_file_num = 3;
  // Column families written rarely (organizers, users) would otherwise keep every WAL file alive, and a restart
  // would replay them all: past this total, RocksDB flushes the memtables that pin the oldest WAL.
  db_options.max_total_wal_size = 64u << 20;
  // Write SST files out in 1 MiB steps as they are built: a memtable flush then leaves little dirty data for the
  // journal commit behind the next WAL fsync to wait on (measured: ~8% more appends/s at 64 appenders).
  db_options.bytes_per_sync = 1u << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.allow_mmap_reads = options.mmap_reads;
  if (options.faults) {
    impl->fault_env = rocksdb::NewCompositeEnv(make_fault_fs(rocksdb::FileSystem::Default(), options.faults));
    db_options.env = impl->fault_env.get();
  }

  std::vector<std::string> cf_names;
  auto list = rocksdb::DB::ListColumnFamilies(db_options, options.path, &cf_names);
  if (!list.ok()) {
    if (secondary) return from_rocks(list, "data dir " + options.path + " holds no teamlog store");
    cf_names = {rocksdb::kDefaultColumnFamilyName};
  }
  for (const char* required : {kLogColumn, kStreamsColumn, kMetaColumn}) {
    if (std::find(cf_names.begin(), cf_names.end(), required) == cf_names.end()) {
      if (secondary) return Error::make(ErrorCode::kFailedPrecondition, "data dir " + options.path + " holds no teamlog store");
      cf_names.emplace_back(required);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : cf_names) descriptors.emplace_back(n, impl->column_options(n));
  if (descriptors.size() > kMaxColumns) return Error::make(ErrorCode::kFailedPrecondition, "too many column families");

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s;
  if (secondary) {
    s = rocksdb::DB::OpenAsSecondary(db_options, options.path, options.secondary_path, descriptors, &handles, &raw_db);
  } else {
    s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw_db);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "data dir " + options.path + " is in use by another process (its LOCK is held)");
    }
    return from_rocks(s, "cannot open data dir " + options.path);
  }
  impl->db.reset(raw_db);
  for (auto* h : handles) {
    ColumnId id = impl->add_handle(h);
    if (h->GetName() == kLogColumn) impl->log = h;
    if (h->GetName() == kStreamsColumn) impl->streams = h;
    if (h->GetName() == kMetaColumn) impl->meta = h;
    (void)id;
  }
  impl->write_options.sync = options.sync;
  if (!secondary) impl->stream_cache.reserve(options.stream_cache_entries);

  // Format version: refuse what a newer teamlog wrote rather than misread it.
  std::string value;
  auto fs_status = impl->db->Get(rocksdb::ReadOptions(), impl->meta, kFormatKey, &value);
  if (fs_status.ok()) {
    std::uint32_t version = 0;
    for (char c : value) version = version * 10 + static_cast<std::uint32_t>(c - '0');
    if (version > kStoreFormatVersion) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "data dir " + options.path + " was written by a newer teamlog (store format " + value +
                             ", this build reads up to " + std::to_string(kStoreFormatVersion) + ")");
    }
  } else if (fs_status.IsNotFound() && !secondary) {
    auto w = impl->db->Put(impl->write_options, impl->meta, kFormatKey, std::to_string(kStoreFormatVersion));
    if (!w.ok()) return from_rocks(w, "writing the format version");
  } else if (!fs_status.IsNotFound()) {
    return from_rocks(fs_status, "reading the format version");
  }

  // The recorded head must be the last event: RocksDB's WAL recovery restores whole batches, so anything else
  // means the files were damaged or edited.
  Head head;
  value.clear();
  auto hs = impl->db->Get(rocksdb::ReadOptions(), impl->meta, kHeadKey, &value);
  if (hs.ok() && !decode_head(value, head)) return Error::make(ErrorCode::kCorruption, "the recorded head is malformed");
  if (!hs.ok() && !hs.IsNotFound()) return from_rocks(hs, "reading the head");
  std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator(rocksdb::ReadOptions(), impl->log));
  it->SeekToLast();
  std::uint64_t last = it->Valid() ? decode_be64(view(it->key())) : 0;
  if (last != head.position) {
    return Error::make(ErrorCode::kCorruption, "the recorded head (" + std::to_string(head.position) +
                                                   ") is not the last event of the log (" + std::to_string(last) + ")");
  }
  if (last != 0) {
    auto ev = decode_event(view(it->value()));
    if (!ev.ok()) return Error::make(ErrorCode::kCorruption, "event " + std::to_string(last) + ": " + ev.error().message);
    if (ev->hash != head.hash) {
      return Error::make(ErrorCode::kCorruption, "the recorded head hash differs from event " + std::to_string(last));
    }
  }
  if (!secondary) fs::remove_all(fs::path(options.path) / kBulkLoadDir, ec);  // a crash in a bulk load's middle
  impl->written_head = head;
  impl->published.store(impl->make_published(head, !secondary));
  if (!secondary && options.read_cache_mb > 0) impl->cache = std::make_unique<ReadCache>(options.read_cache_mb << 20);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

const std::string& Store::path() const { return impl_->options.path; }
bool Store::read_only() const { return impl_->options.mode == StoreOptions::Mode::kSecondary; }
// The head moves with every batch, outside the columns whose keys invalidate derived values.
std::uint64_t Store::head_position() const {
  DerivedCache::note_untracked();
  return impl_->committed_head().position;
}
Hash Store::head_hash() const {
  DerivedCache::note_untracked();
  return impl_->committed_head().hash;
}
std::int64_t Store::head_recorded_at_us() const {
  DerivedCache::note_untracked();
  return impl_->committed_head().recorded_at_us;
}
bool Store::failed() const { return impl_->failed.load(); }

EventCursor Store::read_all(std::uint64_t from_position) const {
  DerivedCache::note_untracked();  // the log grows: a later read sees more
  auto p = impl_->current();
  return EventCursor(
      std::make_unique<EventCursor::Impl>(impl_->db.get(), p, impl_->read_options(*p), impl_->log, from_position));
}

EventCursor Store::read_stream(std::string_view stream, std::uint64_t from_version) const {
  DerivedCache::note_untracked();
  auto p = impl_->current();
  return EventCursor(std::make_unique<EventCursor::Impl>(impl_->db.get(), p, impl_->read_options(*p), impl_->log,
                                                         impl_->streams, stream, from_version));
}

Result<Event> Store::read_event(std::uint64_t position) const {
  std::string value;
  auto p = impl_->current();
  auto s = impl_->db->Get(impl_->read_options(*p), impl_->log, encode_be64(position), &value);
  if (s.IsNotFound()) {
    DerivedCache::note_untracked();  // the position may be written later; an event once written never changes
    return Error::make(ErrorCode::kNotFound, "no event at position " + std::to_string(position));
  }
  if (!s.ok()) return from_rocks(s, "reading event " + std::to_string(position));
  return decode_event(value);
}

std::uint64_t Store::stream_version(std::string_view stream) const {
  DerivedCache::note_untracked();
  auto p = impl_->current();
  return read_stream_head(impl_->db.get(), impl_->streams, stream, impl_->read_options(*p));
}

Result<ColumnId> Store::ensure_column(std::string_view name) {
  std::lock_guard lock(impl_->column_mu);
  if (auto id = impl_->find(name)) return *id;
  if (read_only()) return Error::make(ErrorCode::kNotFound, "column " + std::string(name) + " does not exist");
  if (impl_->column_count.load() >= kMaxColumns) return Error::make(ErrorCode::kFailedPrecondition, "too many columns");
  rocksdb::ColumnFamilyHandle* h = nullptr;
  auto s = impl_->db->CreateColumnFamily(impl_->column_options(name), std::string(name), &h);
  if (!s.ok()) return from_rocks(s, "creating column " + std::string(name));
  return impl_->add_handle(h);
}

std::optional<ColumnId> Store::find_column(std::string_view name) const { return impl_->find(name); }

std::vector<std::string> Store::column_names() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < impl_->column_count.load(); ++i) {
    if (impl_->handles[i].load() != nullptr) out.push_back(impl_->names[i]);
  }
  return out;
}

Status Store::drop_column(std::string_view name) {
  std::lock_guard lock(impl_->column_mu);
  auto id = impl_->find(name);
  if (!id) return {};
  auto* h = impl_->handles[*id].exchange(nullptr);
  auto s = impl_->db->DropColumnFamily(h);
  (void)impl_->db->DestroyColumnFamilyHandle(h);
  if (impl_->cache) impl_->cache->clear();
  impl_->changed_wholesale();
  impl_->writer_values.forget();
  if (!s.ok()) return from_rocks(s, "dropping column " + std::string(name));
  return {};
}

Status Store::compact_column(ColumnId column) {
  auto* h = impl_->handle(column);
  if (h == nullptr) return Error::make(ErrorCode::kNotFound, "no such column");
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  auto s = impl_->db->CompactRange(options, h, nullptr, nullptr);
  // What it dropped may be remembered: in the read cache, by the writer, in what was derived from them.
  if (impl_->cache) impl_->cache->clear();
  impl_->changed_wholesale();
  impl_->writer_values.forget();
  if (!s.ok()) return from_rocks(s, "compacting a column");
  return {};
}

std::optional<std::string> Store::get(ColumnId column, std::string_view key) const {
  auto* h = impl_->handle(column);
  if (h == nullptr) {
    DerivedCache::note_untracked();
    return std::nullopt;
  }
  // The log, stream index and meta columns are written outside transactions; only other layers' columns are cached.
  const bool tracked = h != impl_->log && h != impl_->streams && h != impl_->meta;
  if (tracked) {
    DerivedCache::note_get(column, key);
  } else {
    DerivedCache::note_untracked();
  }
  ReadCache* cache = tracked ? impl_->cache.get() : nullptr;
  ReadCache::Ticket ticket;
  if (cache) {
    if (auto hit = cache->find(column, key, ticket)) return hit;
  }
  std::string value;
  auto p = impl_->current();
  auto s = impl_->db->Get(impl_->read_options(*p), h, slice(key), &value);
  if (!s.ok()) return std::nullopt;
  if (cache) cache->insert(column, key, value, ticket);
  return value;
}

std::pair<std::uint64_t, std::uint64_t> Store::read_cache_stats() const {
  if (!impl_->cache) return {0, 0};
  return {impl_->cache->hits(), impl_->cache->misses()};
}

namespace {

// Serves a scan's cached first rows, then (when the list is longer) reads on from the store after the last one.
class CachedKvCursor final : public KvCursor {
 public:
  using Resume = std::function<std::unique_ptr<KvCursor>(std::string_view after)>;
  CachedKvCursor(std::shared_ptr<const ReadCache::ScanRows> rows, Resume resume)
      : rows_(std::move(rows)), resume_(std::move(resume)) {
    settle();
  }
  bool valid() const override { return rest_ ? rest_->valid() : index_ < rows_->rows.size(); }
  void next() override {
    if (rest_) return rest_->next();
    ++index_;
    settle();
  }
  std::string_view key() const override { return rest_ ? rest_->key() : rows_->rows[index_].first; }
  std::string_view value() const override { return rest_ ? rest_->value() : rows_->rows[index_].second; }

 private:
  void settle() {
    if (index_ < rows_->rows.size() || rows_->complete || rows_->rows.empty()) return;
    // The smallest key after the last cached one.
    std::string after = rows_->rows.back().first;
    after.push_back('\0');
    rest_ = resume_(after);
  }

  std::shared_ptr<const ReadCache::ScanRows> rows_;
  Resume resume_;
  std::size_t index_ = 0;
  std::unique_ptr<KvCursor> rest_;
};

}  // namespace

std::unique_ptr<KvCursor> Store::scan(ColumnId column, std::string_view prefix, std::string_view start) const {
  auto* h = impl_->handle(column);
  const auto rocks = [this, h, prefix = std::string(prefix)](std::string_view from) {
    auto p = impl_->current();
    auto c = std::make_unique<RocksKvCursor>(prefix, p->snapshot.get(), p);
    c->init(impl_->db->NewIterator(c->read_options(), h), from);
    return c;
  };
  if (h == nullptr || h == impl_->log || h == impl_->streams || h == impl_->meta) {
    DerivedCache::note_untracked();
  } else {
    DerivedCache::note_scan(column, prefix);
  }
  ReadCache* cache = impl_->cache.get();
  // Only whole-prefix scans of other layers' columns (list pages) are cached.
  if (!cache || h == nullptr || !start.empty() || h == impl_->log || h == impl_->streams || h == impl_->meta) {
    return rocks(start);
  }
  ReadCache::Ticket ticket;
  auto rows = cache->find_scan(column, prefix, ticket);
  if (!rows) {
    auto fresh = std::make_shared<ReadCache::ScanRows>();
    auto c = rocks({});
    for (; c->valid() && fresh->rows.size() < ReadCache::kScanRows; c->next()) {
      fresh->rows.emplace_back(std::string(c->key()), std::string(c->value()));
    }
    fresh->complete = !c->valid();
    cache->insert_scan(column, prefix, fresh, ticket);
    rows = std::move(fresh);
  }
  return std::make_unique<CachedKvCursor>(std::move(rows), rocks);
}

struct BulkLoad::Impl {
  // One table file's share of a column.
  struct Job {
    ColumnId column;
    const std::vector<KvRow>* rows;
    std::size_t begin, end;
    std::string path;
  };
  Store::Impl& db;
  std::filesystem::path dir;
  std::size_t expected;  // columns to come
  rocksdb::Options options;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<Job> queue;
  std::size_t added = 0, files = 0, running = 0;
  std::vector<std::pair<ColumnId, std::string>> written;  // column, file
  Status status;                                          // the first failure
  bool finished = false;

  bool done() const { return !status.ok() || (added == expected && queue.empty()); }

  Status write(const Job& job) {
    // Pages of a file about to be ingested are better left in the page cache (they are read right after, by
    // verify or the server); RocksDB drops them by default. No Bloom filter: the files of a fresh column land in
    // its bottommost level, where a filter only spares a (cached) block read for a key that is absent, and
    // building it was a twentieth of a rebuild's CPU (RocksDB's optimize_filters_for_hits reasoning).
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, db.handle(job.column),
                                  /*invalidate_page_cache=*/false, rocksdb::Env::IO_TOTAL, /*skip_filters=*/true);
    auto s = writer.Open(job.path);
    const auto& rows = *job.rows;
    for (std::size_t i = job.begin; s.ok() && i < job.end; ++i) {
      // Sorted rows point all over memory: fetching a few rows ahead hides most of the cache misses.
      if (i + 16 < job.end) {
        const auto& ahead = rows[i + 16];
        __builtin_prefetch(ahead.first.data());
        __builtin_prefetch(ahead.first.data() + ahead.first.size() - 1);
        __builtin_prefetch(ahead.second.data());
        __builtin_prefetch(ahead.second.data() + ahead.second.size());
      }
      s = writer.Put(slice(rows[i].first), slice(rows[i].second));
    }
    if (s.ok()) s = writer.Finish();  // fsyncs the file
    if (!s.ok()) return from_rocks(s, "writing " + job.path);
    return {};
  }
};

BulkLoad::BulkLoad(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BulkLoad::~BulkLoad() {
  if (!impl_->finished) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->dir, ec);
  }
}

void BulkLoad::add(ColumnId column, const std::vector<KvRow>& rows) {
  // Files of at most 64 MiB and 256k rows (the cost of a file is mostly per row), so that two threads share
  // the work of the largest column too.
  constexpr std::size_t kFileBytes = 64u << 20;
  constexpr std::size_t kFileRows = 256u << 10;
  auto& d = *impl_;
  std::lock_guard lock(d.mu);
  std::size_t begin = 0, bytes = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    bytes += rows[i].first.size() + rows[i].second.size();
    if (bytes >= kFileBytes || i + 1 - begin == kFileRows || i + 1 == rows.size()) {
      d.queue.push_back({column, &rows, begin, i + 1,
                         (d.dir / (std::to_string(column) + "." + std::to_string(d.files++) + ".sst")).string()});
      begin = i + 1;
      bytes = 0;
    }
  }
  ++d.added;
  d.changed.notify_all();
}

void BulkLoad::abandon(const Error& why) {
  std::lock_guard lock(impl_->mu);
  if (impl_->status.ok()) impl_->status = why;
  impl_->changed.notify_all();
}

void BulkLoad::work() {
  auto& d = *impl_;
  std::unique_lock lock(d.mu);
  while (true) {
    d.changed.wait(lock, [&] { return d.done() || !d.queue.empty(); });
    if (!d.status.ok() || d.queue.empty()) return;
    const auto job = d.queue.front();
    d.queue.pop_front();
    ++d.running;
    lock.unlock();
    auto s = d.write(job);
    lock.lock();
    --d.running;
    if (s.ok()) {
      d.written.emplace_back(job.column, job.path);
    } else if (d.status.ok()) {
      d.status = std::move(s);
    }
    d.changed.notify_all();
  }
}

Status BulkLoad::finish() {
  auto& d = *impl_;
  {
    std::unique_lock lock(d.mu);
    d.changed.wait(lock, [&] { return d.running == 0; });
    if (d.status.ok() && (d.added != d.expected || !d.queue.empty())) {
      d.status = Error::make(ErrorCode::kFailedPrecondition, "bulk load finished before every column was written");
    }
  }
  Status result = d.status;
  // Ingested per column (a column's files never overlap), all of a column's files at once.
  std::sort(d.written.begin(), d.written.end());
  for (std::size_t i = 0; i < d.written.size() && result.ok();) {
    const ColumnId column = d.written[i].first;
    std::vector<std::string> files;
    for (; i < d.written.size() && d.written[i].first == column; ++i) files.push_back(d.written[i].second);
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;           // hard links: no copy
    ingest.write_global_seqno = false;  // the files stay as written (no rewrite of their footers)
    auto s = d.db.db->IngestExternalFile(d.db.handle(column), files, ingest);
    if (!s.ok()) result = from_rocks(s, "ingesting a bulk load");
  }
  std::error_code ec;
  std::filesystem::remove_all(d.dir, ec);
  d.finished = true;
  d.db.writer_values.forget();
  if (d.db.cache) d.db.cache->clear();
  // Readers see the ingested rows from now on (they read a snapshot that a commit would otherwise refresh).
  if (result.ok()) d.db.published.store(d.db.make_published(d.db.committed_head(), true));
  d.db.changed_wholesale();
  return result;
}

Result<std::unique_ptr<BulkLoad>> Store::begin_bulk_load(std::size_t columns) {
  namespace fs = std::filesystem;
  if (read_only()) return Error::make(ErrorCode::kFailedPrecondition, "bulk load on a read-only store");
  const fs::path dir = fs::path(impl_->options.path) / kBulkLoadDir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::make(ErrorCode::kUnavailable, "cannot create " + dir.string() + ": " + ec.message());
  auto impl = std::unique_ptr<BulkLoad::Impl>(new BulkLoad::Impl{
      *impl_, dir, columns, rocksdb::Options(rocksdb::DBOptions(), impl_->cf_options), {}, {}, {}, 0, 0, 0, {}, {}, false});
  return std::unique_ptr<BulkLoad>(new BulkLoad(std::move(impl)));
}

Status Store::catch_up() {
  if (!read_only()) return {};
  auto s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return from_rocks(s, "catching up with the server");
  std::string value;
  Head head;
  if (impl_->db->Get(rocksdb::ReadOptions(), impl_->meta, kHeadKey, &value).ok() && decode_head(value, head)) {
    impl_->published.store(impl_->make_published(head, false));
  }
  impl_->changed_wholesale();
  return {};
}

std::uint64_t Store::approximate_size_bytes() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < impl_->column_count.load(); ++i) {
    auto* h = impl_->handles[i].load();
    if (h == nullptr) continue;
    std::uint64_t v = 0;
    if (impl_->db->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) total += v;
    if (impl_->db->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
  }
  return total;
}

Status Store::overwrite_event_bytes_for_test(std::uint64_t position, std::string_view bytes) {
  auto s = impl_->db->Put(impl_->write_options, impl_->log, encode_be64(position), slice(bytes));
  if (!s.ok()) return from_rocks(s, "overwriting an event");
  impl_->published.store(impl_->make_published(impl_->committed_head(), !read_only()));
  return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Transaction

struct Transaction::Impl {
  Store::Impl* store = nullptr;
  // Bytes put so far (keys and values), for the batch size limit.
  std::size_t bytes = 0;
  Head head;
  std::vector<Event> events;
  std::vector<std::string> encoded;  // the stored bytes of `events`, written to the batch at commit
  // Stream versions written by this transaction, with an undo log so savepoints can restore them.
  std::unordered_map<std::string, std::uint64_t> streams;
  std::vector<std::pair<std::string, std::uint64_t>> stream_undo;  // (stream, previous version; 0 = absent)
  struct Savepoint {
    Head head;
    std::size_t events;
    std::size_t stream_undo;
    std::size_t overlay_undo;
    std::size_t bytes;
  };
  std::vector<Savepoint> savepoints;
  std::string scratch;
  // Values this transaction wrote (nullopt: deleted), by column id + key: its reads and scans see them on top of
  // the DB, and `Store::write` writes them, the last value of each key once; with an undo log for savepoints (the
  // entry before the write; outer nullopt: there was none).
  std::unordered_map<std::string, std::optional<std::string>> overlay;
  std::vector<std::pair<std::string, std::optional<std::optional<std::string>>>> overlay_undo;

  static std::string value_key(ColumnId column, std::string_view key) {
    std::string k;
    k.reserve(8 + key.size());
    append_be64(k, column);
    k.append(key);
    return k;
  }
  void record(ColumnId column, std::string_view key, std::optional<std::string> value) {
    std::string k = value_key(column, key);
    auto it = overlay.find(k);
    if (!savepoints.empty()) {
      overlay_undo.emplace_back(k, it == overlay.end() ? std::nullopt
                                                       : std::optional<std::optional<std::string>>(std::move(it->second)));
    }
    if (it == overlay.end()) {
      overlay.emplace(std::move(k), std::move(value));
    } else {
      it->second = std::move(value);
    }
  }
  std::optional<std::string> get(ColumnId column, rocksdb::ColumnFamilyHandle* h, std::string_view key) const {
    std::string k = value_key(column, key);
    if (auto it = overlay.find(k); it != overlay.end()) return it->second;
    if (store->is_own_column(h)) {
      std::string value;
      if (!store->db->Get(rocksdb::ReadOptions(), h, slice(key), &value).ok()) return std::nullopt;
      return value;
    }
    auto& memory = store->writer_values;
    std::lock_guard lock(memory.mu);
    if (auto it = memory.map.find(k); it != memory.map.end()) return it->second;
    // Not written by this transaction: the DB's latest (written batches included) is the value.
    std::string value;
    std::optional<std::string> found;
    if (store->db->Get(rocksdb::ReadOptions(), h, slice(key), &value).ok()) found = std::move(value);
    memory.set(std::move(k), found, /*known_only=*/false);
    return found;
  }
};

Transaction::Transaction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transaction::~Transaction() { impl_->store->tx_open.store(false); }

std::unique_ptr<Transaction> Store::begin() {
  if (read_only()) return nullptr;
  bool expected = false;
  if (!impl_->tx_open.compare_exchange_strong(expected, true)) return nullptr;
  auto t = std::make_unique<Transaction::Impl>();
  t->store = impl_.get();
  t->head = impl_->written_head;
  return std::unique_ptr<Transaction>(new Transaction(std::move(t)));
}

Result<WrittenBatch> Store::write(Transaction& tx) {
  auto& t = *tx.impl_;
  if (impl_->failed.load()) {
    return Error::make(ErrorCode::kUnavailable, "the store refuses writes after a failed write; restart the server");
  }
  // Every key this transaction wrote, once, in key order per column: a command rewrites counters and sequence
  // rows that the previous command of the batch wrote already, and the memtable's skiplist inserts keys in
  // order from where the last one went instead of searching from its top for each.
  rocksdb::WriteBatch batch;
  auto* wb = &batch;
  // The same keys with their new values, for the caches and the change counts once the batch is visible.
  std::vector<KeyChange> changes;
  {
    std::vector<decltype(t.overlay)::value_type*> rows;
    rows.reserve(t.overlay.size());
    for (auto& row : t.overlay) rows.push_back(&row);
    std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    rocksdb::ColumnFamilyHandle* h = nullptr;
    ColumnId column = kMaxColumns;
    for (const auto* row : rows) {
      const std::string_view k = row->first;
      const auto id = static_cast<ColumnId>(decode_be64(k));
      if (id != column || h == nullptr) {
        column = id;
        h = impl_->handle(column);
        if (h == nullptr) return Error::make(ErrorCode::kInternal, "a transaction wrote to a column that is gone");
      }
      const auto key = slice(k.substr(8));
      changes.push_back({column, std::string(k.substr(8)), row->second});
      if (row->second) {
        (void)wb->Put(h, key, slice(*row->second));
      } else {
        (void)wb->Delete(h, key);
      }
    }
  }
  // The events go into the batch only now: nothing reads them back through the transaction (stream versions come
  // from its own map).
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const auto& e = t.events[i];
    const std::string pos_key = encode_be64(e.position);
    wb->Put(impl_->log, pos_key, t.encoded[i]);
    wb->Put(impl_->streams, stream_index_key(e.stream, e.stream_version), pos_key);
  }
  if (!t.events.empty()) wb->Put(impl_->meta, kHeadKey, encode_head(t.head));
  WrittenBatch written;
  written.empty = wb->Count() == 0;
  if (written.empty) return written;
  rocksdb::WriteOptions wo;
  wo.sync = false;  // made durable by sync(); readers do not see it before then
  auto s = impl_->db->Write(wo, wb);
  if (!s.ok()) {
    impl_->failed.store(true);
    impl_->writer_values.forget();
    return from_rocks(s, "writing a batch");
  }
  {
    std::lock_guard lock(impl_->writer_values.mu);
    for (auto& [key, value] : t.overlay) impl_->writer_values.set(key, std::move(value), /*known_only=*/true);
  }
  t.overlay.clear();
  for (auto& [stream, version] : t.streams) impl_->remember_stream(stream, version);
  impl_->written_head = t.head;
  written.published = impl_->make_published(t.head, true);
  if (!changes.empty()) {
    const auto sequence = std::static_pointer_cast<const Impl::Published>(written.published)->sequence;
    std::lock_guard lock(impl_->unpublished_mu);
    impl_->unpublished_keys.emplace_back(sequence, std::move(changes));
  }
  return written;
}

Status Store::sync(const WrittenBatch& batch) {
  auto status = make_durable(batch);
  if (status.ok()) publish(batch);
  return status;
}

Status Store::make_durable(const WrittenBatch& batch) {
  if (batch.empty) return {};
  auto target = std::static_pointer_cast<const Impl::Published>(batch.published);
  std::lock_guard lock(impl_->sync_mu);
  if (impl_->failed.load()) {
    return Error::make(ErrorCode::kUnavailable, "the store refuses writes after a failed write; restart the server");
  }
  if (target->sequence > impl_->synced_sequence) {
    // Everything written before this point is covered by the one fsync below, later batches included.
    const rocksdb::SequenceNumber covered = impl_->db->GetLatestSequenceNumber();
    if (impl_->options.sync) {
      auto s = impl_->db->SyncWAL();
      if (!s.ok()) {
        // A failed fsync leaves the file state unknown (PostgreSQL's "fsyncgate"): acknowledge nothing, ever again.
        impl_->failed.store(true);
        return from_rocks(s, "syncing the write-ahead log");
      }
    }
    impl_->synced_sequence = covered;
  }
  return {};
}

void Store::publish(const WrittenBatch& batch) {
  if (batch.empty) return;
  auto target = std::static_pointer_cast<const Impl::Published>(batch.published);
  // Its own lock, not sync_mu: the next batch's fsync may be running meanwhile.
  std::lock_guard lock(impl_->publish_mu);
  if (target->sequence > impl_->current()->sequence) impl_->published.store(target, std::memory_order_release);
  // Published first; then the read cache takes the new values, what was derived from reads is dropped and the
  // change counts move; acknowledged (by the caller) last: see read_cache.hpp, derived_cache.hpp, Store::changes.
  const auto visible = impl_->current()->sequence;
  std::vector<std::vector<KeyChange>> now_visible;
  {
    std::lock_guard keys_lock(impl_->unpublished_mu);
    auto& pending = impl_->unpublished_keys;
    while (!pending.empty() && pending.front().first <= visible) {
      now_visible.push_back(std::move(pending.front().second));
      pending.pop_front();
    }
  }
  if (impl_->cache) {
    for (const auto& keys : now_visible) {
      for (const auto& change : keys) impl_->cache->apply(change);
    }
  }
  if (impl_->derived != nullptr) {
    for (const auto& keys : now_visible) impl_->derived->invalidate(keys);
  }
  for (const auto& keys : now_visible) {
    for (const auto& change : keys) {
      impl_->column_changes[change.column].fetch_add(1, std::memory_order_release);
      impl_->stripe_changes[change_stripe(change.column, change.key)].fetch_add(1, std::memory_order_release);
    }
  }
}

std::uint64_t Store::changes(ColumnId column) const {
  return column < kMaxColumns ? impl_->column_changes[column].load(std::memory_order_acquire) : 0;
}

std::uint32_t Store::change_stripe(ColumnId column, std::string_view key) const {
  const std::uint64_t h =
      std::hash<std::string_view>{}(key) ^ (static_cast<std::uint64_t>(column) * 0x9E3779B97F4A7C15ull);
  return static_cast<std::uint32_t>((h ^ (h >> 29)) % kChangeStripes);
}

std::uint64_t Store::changes_of_stripe(std::uint32_t stripe) const {
  if (stripe >= kChangeStripes) return 0;
  return impl_->stripe_changes[stripe].load(std::memory_order_acquire) +
         impl_->wholesale_changes.load(std::memory_order_acquire);
}

void Store::attach(DerivedCache* cache) {
  // Under the publication's lock: once this returns, no publication uses the cache detached.
  std::lock_guard lock(impl_->publish_mu);
  impl_->derived = cache;
}

Status Store::commit(Transaction& tx) {
  auto written = write(tx);
  if (!written.ok()) return std::move(written).error();
  return sync(*written);
}

Result<AppendResult> Transaction::append(const AppendRequest& request) {
  auto& t = *impl_;
  if (request.events.empty()) return Error::make(ErrorCode::kInvalidArgument, "an append needs at least one event");
  if (request.recorded_at_us != 0 && request.recorded_at_us < t.head.recorded_at_us) {
    return Error::make(ErrorCode::kInvalidArgument, "a recorded time may not be earlier than the previous event's");
  }
  set_savepoint();
  AppendResult result;
  const std::int64_t at = request.recorded_at_us != 0 ? request.recorded_at_us : std::max(now_us(), t.head.recorded_at_us);
  for (const auto& proposed : request.events) {
    if (proposed.stream.empty() || proposed.stream.find('\0') != std::string::npos) {
      rollback_to_savepoint();
      return Error::make(ErrorCode::kInvalidArgument, "a stream name must be non-empty and contain no NUL byte");
    }
    const std::uint64_t current = stream_version(proposed.stream);
    const auto& exp = proposed.expected;
    const bool ok = exp.kind == ExpectedVersion::Kind::kAny ||
                    (exp.kind == ExpectedVersion::Kind::kNoStream && current == 0) ||
                    (exp.kind == ExpectedVersion::Kind::kExact && current == exp.version);
    if (!ok) {
      rollback_to_savepoint();
      std::string expected = exp.kind == ExpectedVersion::Kind::kNoStream ? "no stream" : std::to_string(exp.version);
      return Error::make(ErrorCode::kConflict, "stream " + proposed.stream + ": expected version " + expected +
                                                   ", actual version " + std::to_string(current));
    }
    Event e;
    e.position = t.head.position + 1;
    e.stream = proposed.stream;
    e.stream_version = current + 1;
    e.type = proposed.type;
    e.schema_version = proposed.schema_version;
    e.recorded_at_us = at;
    e.actor = request.actor;
    e.request_id = request.request_id;
    e.data = proposed.data;
    t.scratch.clear();
    encode_canonical(e, t.scratch);
    e.hash = chain_hash(t.head.hash, t.scratch);
    t.scratch.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());

    t.encoded.push_back(t.scratch);
    auto [slot, inserted] = t.streams.try_emplace(e.stream, 0);
    t.stream_undo.emplace_back(e.stream, inserted ? 0 : slot->second);
    slot->second = e.stream_version;
    t.head = Head{e.position, e.hash, at};
    if (result.first_position == 0) result.first_position = e.position;
    result.last_position = e.position;
    result.stream_versions.push_back(e.stream_version);
    t.events.push_back(std::move(e));
  }
  result.recorded_at_us = at;
  pop_savepoint();
  return result;
}

std::optional<std::string> Transaction::get(ColumnId column, std::string_view key) const {
  auto* h = impl_->store->handle(column);
  if (h == nullptr) return std::nullopt;
  return impl_->get(column, h, key);
}

std::unique_ptr<KvCursor> Transaction::scan(ColumnId column, std::string_view prefix, std::string_view start) const {
  auto* h = impl_->store->handle(column);
  // Scans are rare on the writer (deleting a team or an event): an index of this transaction's writes to the
  // column, built for the one scan, merges them over the committed data.
  auto index = std::make_shared<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
  const std::string column_key = Transaction::Impl::value_key(column, {});
  for (const auto& [k, value] : impl_->overlay) {
    const auto key = std::string_view(k).substr(column_key.size());
    if (!k.starts_with(column_key) || !key.starts_with(prefix)) continue;
    if (value) {
      (void)index->Put(h, slice(key), slice(*value));
    } else {
      (void)index->Delete(h, slice(key));
    }
  }
  auto c = std::make_unique<RocksKvCursor>(prefix, nullptr, index);
  c->init(index->NewIteratorWithBase(h, impl_->store->db->NewIterator(c->read_options(), h)), start);
  return c;
}

void Transaction::put(ColumnId column, std::string_view key, std::string_view value) {
  impl_->bytes += key.size() + value.size() + 16;
  impl_->record(column, key, std::string(value));
}

void Transaction::del(ColumnId column, std::string_view key) {
  impl_->bytes += key.size() + 16;
  impl_->record(column, key, std::nullopt);
}

std::uint64_t Transaction::stream_version(std::string_view stream) const {
  auto& t = *impl_;
  std::string key(stream);
  if (auto it = t.streams.find(key); it != t.streams.end()) return it->second;
  auto& cache = t.store->stream_cache;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  // A stream's first index key exists once it has events. Its point read is answered by the bloom filters for a
  // stream that does not exist yet (every created team, user, event): only an existing one needs the seek for
  // its last key, which no filter helps.
  std::uint64_t version = 0;
  std::string first;
  if (t.store->db->Get(rocksdb::ReadOptions(), t.store->streams, stream_index_key(stream, 1), &first).ok()) {
    version = read_stream_head(t.store->db.get(), t.store->streams, stream);
  }
  t.store->remember_stream(std::move(key), version);
  return version;
}

std::uint64_t Transaction::head_position() const { return impl_->head.position; }
Hash Transaction::head_hash() const { return impl_->head.hash; }

void Transaction::set_savepoint() {
  impl_->savepoints.push_back({impl_->head, impl_->events.size(), impl_->stream_undo.size(), impl_->overlay_undo.size(),
                              impl_->bytes});
}

void Transaction::rollback_to_savepoint() {
  auto sp = impl_->savepoints.back();
  impl_->savepoints.pop_back();
  impl_->bytes = sp.bytes;
  impl_->head = sp.head;
  impl_->events.resize(sp.events);
  impl_->encoded.resize(sp.events);
  auto& undo = impl_->stream_undo;
  while (undo.size() > sp.stream_undo) {
    auto& [stream, previous] = undo.back();
    if (previous == 0) {
      impl_->streams.erase(stream);
    } else {
      impl_->streams[stream] = previous;
    }
    undo.pop_back();
  }
  auto& values = impl_->overlay_undo;
  while (values.size() > sp.overlay_undo) {
    auto& [key, previous] = values.back();
    if (previous) {
      impl_->overlay[key] = std::move(*previous);
    } else {
      impl_->overlay.erase(key);
    }
    values.pop_back();
  }
  if (impl_->savepoints.empty()) values.clear();
}

void Transaction::pop_savepoint() {
  impl_->savepoints.pop_back();
  // The outer savepoint (if any) still needs these entries to roll back to.
  if (impl_->savepoints.empty()) impl_->overlay_undo.clear();
}

const std::vector<Event>& Transaction::events() const { return impl_->events; }
std::size_t Transaction::byte_size() const { return impl_->bytes; }

}  // namespace teamlog
