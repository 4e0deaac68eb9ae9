// Values computed from a Store's reads (rendered list pages), each kept until a write that becomes visible
// touches what it was computed from: a key it read, or a key under a prefix it scanned. A write to one team or one
// organizer leaves every other list page cached.
//
// A value is computed inside a Recording, which notes every read the Store serves on this thread; `keep` then
// caches the value with those reads as what it depends on. Correctness follows the read cache's rule
// (read_cache.hpp): the Recording takes a ticket (the cache's epoch) before its first read, and the value is kept
// only if no invalidation came since. The Store invalidates after it has published a batch and its read cache has
// let go of the batch's keys, before any request of the batch is acknowledged. So a value computed from an older
// state is either never kept or erased again, and once a write is acknowledged no reader is served a value that the
// write changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "events/key_filter.hpp"
#include "events/kv.hpp"
#include "events/string_hash.hpp"

namespace teamlog {

class DerivedCache {
 public:
  // Holds up to about max_bytes of keys, values and dependencies; a full cache is emptied.
  explicit DerivedCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  DerivedCache(const DerivedCache&) = delete;
  DerivedCache& operator=(const DerivedCache&) = delete;

  std::shared_ptr<const std::string> find(std::string_view key);

  // What one computation read (column id + key, as the invalidation sees them).
  struct Reads {
    std::vector<std::string> keys;
    std::vector<std::string> prefixes;
    bool tracked = true;  // false: it read something that invalidation does not cover
  };

  // Notes the Store's reads on this thread from construction to destruction (a nested Recording passes its reads
  // on to the one around it).
  class Recording {
   public:
    explicit Recording(DerivedCache& cache);
    ~Recording();
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;
    // Caches `value` under `key` unless something it read is not tracked, nothing was read at all (a reader that
    // is not a Store), or a write became visible since the Recording began.
    void keep(std::string key, std::shared_ptr<const std::string> value);

   private:
    DerivedCache& cache_;
    std::uint64_t ticket_;
    Reads reads_;
    Reads* outer_;
  };

  // Called by the Store on the reading thread; no-ops without a Recording there.
  static void note_get(ColumnId column, std::string_view key);
  static void note_scan(ColumnId column, std::string_view prefix);
  static void note_untracked();

  // Called by the Store: the keys of a batch that became visible; everything (a column dropped or bulk-loaded).
  void invalidate(const std::vector<KeyChange>& changes);
  void clear();

  std::uint64_t hits() const;
  std::uint64_t misses() const;
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const std::string> value;
    Reads reads;
    std::size_t bytes = 0;
  };
  using Entries = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;
  // Dependency -> the key of an entry that depends on it (entries_' node keys do not move).
  using Index = std::unordered_multimap<std::string, const std::string*, StringHash, std::equal_to<>>;

  std::uint64_t ticket() const;
  void insert(std::string key, std::shared_ptr<const std::string> value, Reads reads, std::uint64_t ticket);
  void erase_locked(Entries::iterator it);
  void clear_locked();

  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::uint64_t epoch_ = 0;  // advanced by every invalidation
  std::size_t bytes_ = 0;
  Entries entries_;
  Index by_key_;
  Index by_prefix_;
  KeyFilter<1u << 18> dependencies_;  // of the keys of both indexes: most keys a batch writes no page read
  // Per column: the lengths of the scanned prefixes entries depend on, with how many dependencies have each.
  std::unordered_map<ColumnId, std::map<std::size_t, std::size_t>> prefix_lengths_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace teamlog
