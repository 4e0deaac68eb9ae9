// The key-value vocabulary that projections are written against: RocksDB column families in production, an
// in-memory map in pure tests and time-travel replays.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace teamlog {

using ColumnId = std::uint32_t;
using KvRow = std::pair<std::string_view, std::string_view>;  // key, value

// One key a batch wrote, with what it holds afterwards (nullopt: deleted).
struct KeyChange {
  ColumnId column = 0;
  std::string key;
  std::optional<std::string> value;
};

// Iterates keys in bytewise order, limited to one prefix.
class KvCursor {
 public:
  virtual ~KvCursor() = default;
  virtual bool valid() const = 0;
  virtual void next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class KvReader {
 public:
  virtual ~KvReader() = default;
  virtual std::optional<std::string> get(ColumnId column, std::string_view key) const = 0;
  // The value at `key` without a copy where the store holds it in memory (a whole-log fold); elsewhere it is
  // copied into `scratch`. The view is valid until the next write to the column or the next use of `scratch`.
  virtual std::optional<std::string_view> peek(ColumnId column, std::string_view key, std::string& scratch) const;
  // Keys that start with `prefix`, from the first one >= max(prefix, start).
  virtual std::unique_ptr<KvCursor> scan(ColumnId column, std::string_view prefix,
                                         std::string_view start = {}) const = 0;
};

class KvWriter : public KvReader {
 public:
  virtual void put(ColumnId column, std::string_view key, std::string_view value) = 0;
  virtual void del(ColumnId column, std::string_view key) = 0;
  // A put of a row that nothing of the fold writes again or reads back (one row per event, like the audit
  // trail's). A whole-log fold in memory keeps such rows in a plain list instead of its lookup table; everywhere
  // else it is a put.
  virtual void append(ColumnId column, std::string_view key, std::string_view value) { put(column, key, value); }
  // Adds `delta` to the count stored at `key` as 8 big-endian bytes (absent or malformed: 0) and returns the new
  // count; a count that drops to 0 or below is deleted. A whole-log fold in memory updates it in place with one
  // lookup; everywhere else it is a get and a put.
  virtual std::int64_t add_count(ColumnId column, std::string_view key, std::int64_t delta);
  // Raises the count at `key` to `value` if it is lower (a sequence of ids); the same in place for a fold.
  virtual void raise_count(ColumnId column, std::string_view key, std::int64_t value);
  // Appends `bytes` to the value at `key` (absent: a new row). A whole-log fold in memory grows the value in
  // place; everywhere else it is a get and a put.
  virtual void append_to_value(ColumnId column, std::string_view key, std::string_view bytes);
  // A hint that `key` is read or written next: a whole-log fold in memory starts fetching its place in the table,
  // so that the cache misses of the few rows an event touches overlap instead of following one another.
  virtual void prefetch(ColumnId, std::string_view) const {}
};

// The 8 big-endian bytes of a count, and back (malformed: 0).
std::string count_bytes(std::int64_t n);
std::int64_t count_of(std::string_view bytes);

}  // namespace teamlog
