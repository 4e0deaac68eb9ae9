// A bounded in-memory cache of the store's point reads (Store::get) and of the first rows of prefix scans
// (Store::scan, which serves list pages), for the reader threads, invalidated by the writer when a batch becomes
// visible.
//
// Correctness rests on one rule: a miss takes a ticket (the shard's epoch) *before* it reads the store, and its
// value is kept only if no write touched the shard since. The writer publishes a batch first and then applies its
// keys here, before any request of that batch is acknowledged: a cached value is replaced by what the batch wrote
// (or erased, for a deleted key), and a cached scan whose prefix a written key starts with has the row put in,
// replaced or taken out. So a value read from an older snapshot is never inserted, and once a write is
// acknowledged (a token revoked, say) no reader can see the old value any more; a write does not cost the next
// reader a trip to the store. Scans follow the same rule with one epoch per column: any write to the column
// refuses scans read while it happened.
#pragma once

#include <boost/unordered/unordered_flat_set.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "events/key_filter.hpp"
#include "events/kv.hpp"
#include "events/string_hash.hpp"

namespace teamlog {

class ReadCache {
 public:
  // Holds up to about max_bytes of keys and values; a full shard is emptied (cheap, and rare in steady state).
  explicit ReadCache(std::size_t max_bytes);
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  struct Ticket {
    std::size_t shard = 0;
    std::uint64_t epoch = 0;
  };
  // The cached value, or nullopt and a ticket for `insert` after reading the store.
  std::optional<std::string> find(ColumnId column, std::string_view key, Ticket& ticket);
  void insert(ColumnId column, std::string_view key, std::string_view value, const Ticket& ticket);
  // What a batch that became visible wrote: the cached point read of the key and the cached scans whose prefix
  // the key starts with now hold `change.value` (nothing, when deleted).
  void apply(const KeyChange& change);
  void clear();

  // The first rows of a prefix scan, in key order; `complete` when they are all of them.
  struct ScanRows {
    std::vector<std::pair<std::string, std::string>> rows;
    bool complete = false;
  };
  static constexpr std::size_t kScanRows = 64;  // a page (50) and a little; longer lists read on from the store
  std::shared_ptr<const ScanRows> find_scan(ColumnId column, std::string_view prefix, Ticket& ticket);
  void insert_scan(ColumnId column, std::string_view prefix, std::shared_ptr<const ScanRows> rows,
                   const Ticket& ticket);

  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  // A cached point read: the composed key and then the value in one allocation, so that a hit touches the
  // node and one more place in memory (a key and a value of their own were two more, mostly cold: ~5% of the
  // CPU of GET team detail went to the copy of the value out of the cache).
  struct Entry {
    mutable std::string data;  // mutable: a new value keeps the key, hence the entry's place in the set
    std::size_t key_size = 0;
    std::string_view key() const { return std::string_view(data).substr(0, key_size); }
    std::string_view value() const { return std::string_view(data).substr(key_size); }
  };
  struct EntryHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return StringHash{}(key); }
    std::size_t operator()(const Entry& entry) const { return StringHash{}(entry.key()); }
  };
  struct EntryEqual {
    using is_transparent = void;
    static std::string_view key(std::string_view key) { return key; }
    static std::string_view key(const Entry& entry) { return entry.key(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const { return key(a) == key(b); }
  };
  struct Shard {
    mutable std::mutex mu;
    // Open addressing (metadata groups, entries in one array): a hit reads a group, the entry and its data, where
    // the node-based set read the bucket, the node before the bucket's first, that node and its data.
    boost::unordered_flat_set<Entry, EntryHash, EntryEqual> map;
    KeyFilter<1u << 16> filter;  // of the keys in `map`: most keys a batch writes were never read
    std::uint64_t epoch = 0;
    std::size_t bytes = 0;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
  };
  std::uint64_t total(std::uint64_t Shard::*counter) const;  // summed over the shards
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kEntryOverhead = 64;  // node, hash and string headers, roughly

  // column id (4 bytes) + key, in a per-thread scratch buffer.
  static std::string_view compose(ColumnId column, std::string_view key);
  static std::size_t scan_size(std::string_view composed, const ScanRows& rows);
  // `old` with `key` set to `value` (or taken out); null when the rows can no longer serve the scan.
  static std::shared_ptr<const ScanRows> patched(const std::shared_ptr<const ScanRows>& old, std::string_view key,
                                                 const std::optional<std::string>& value);
  Shard& shard_for(std::string_view composed, std::size_t& index);

  std::array<Shard, kShards> shards_;
  std::size_t max_shard_bytes_;

  // Scans: few and large, so one map under one lock. Keyed like the point reads (column + prefix).
  struct ScanColumn {
    std::uint64_t epoch = 0;
    std::set<std::size_t> prefix_lengths;  // of the cached scans' prefixes, for invalidation by key
  };
  std::mutex scan_mu_;
  std::unordered_map<std::string, std::shared_ptr<const ScanRows>, StringHash, std::equal_to<>> scans_;
  std::unordered_map<ColumnId, ScanColumn> scan_columns_;
  std::size_t scan_bytes_ = 0;
  std::size_t max_scan_bytes_;
};

}  // namespace teamlog
