// Hash-map columns with an ordered index made on demand, plus an append-only list per column.
#include "events/fold_kv.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>

namespace teamlog {
namespace {

// Bytes of appended rows live in large blocks: one allocation per megabyte instead of two per row.
class Arena {
 public:
  char* allocate(std::size_t n) {
    if (n > left_) {
      // Big values get a block of their own, so that the current block's rest is not wasted.
      if (n > kBlock / 8) {
        blocks_.push_back(std::make_unique_for_overwrite<char[]>(n));
        return blocks_.back().get();
      }
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlock));
      next_ = blocks_.back().get();
      left_ = kBlock;
    }
    char* out = next_;
    next_ += n;
    left_ -= n;
    return out;
  }
  std::string_view copy(std::string_view s) {
    char* p = allocate(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

 private:
  static constexpr std::size_t kBlock = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

// The first 32 bytes of a key as four big-endian numbers (zero-padded), so that sorting compares integers and
// looks at the key bytes, cold in memory, only for the rare ties (keys that share 32 bytes; 24 were too few for
// a token's key, whose name and id end past them).
constexpr int kSortWords = 4;
struct SortItem {
  std::uint64_t head[kSortWords];
  const FoldKv::Row* row;
};

std::uint64_t load_be(std::string_view s, std::size_t at) {
  if (std::endian::native == std::endian::little && at + 8 <= s.size()) {
    std::uint64_t v;
    std::memcpy(&v, s.data() + at, 8);
    return __builtin_bswap64(v);
  }
  unsigned char b[8] = {};
  if (at < s.size()) std::memcpy(b, s.data() + at, s.size() - at);
  std::uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

void sort_rows(std::vector<FoldKv::Row>& rows) {
  std::vector<SortItem> items;
  items.reserve(rows.size());
  for (const auto& r : rows) {
    items.push_back({{load_be(r.first, 0), load_be(r.first, 8), load_be(r.first, 16), load_be(r.first, 24)}, &r});
  }
  std::sort(items.begin(), items.end(), [](const SortItem& a, const SortItem& b) {
    for (int k = 0; k < kSortWords; ++k) {
      if (a.head[k] != b.head[k]) return a.head[k] < b.head[k];
    }
    return a.row->first < b.row->first;
  });
  std::vector<FoldKv::Row> sorted;
  sorted.reserve(rows.size());
  // The rows are gathered in key order, which is no order in memory: fetch a few ahead.
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i + 16 < items.size()) __builtin_prefetch(items[i + 16].row);
    sorted.push_back(*items[i].row);
  }
  rows = std::move(sorted);
}

// Appended rows mostly come in runs: rows whose keys differ only in their last 8 bytes (a position, say) are
// appended in increasing order (an audit index, one row per event). Ordering the runs by their common prefix and
// concatenating them (with the table's rows, already sorted, merged in between) then sorts the rows in one pass
// instead of n log n compares. Checked as it goes: the rows of a run must increase and each run must end before
// the next row of either kind begins; otherwise nullopt (sort them whole).
std::optional<std::vector<FoldKv::Row>> sorted_by_runs(const std::vector<FoldKv::Row>& rows,
                                                        const std::vector<FoldKv::Row>& table) {
  constexpr std::size_t kTail = 8;
  // Runs by prefix in an open-addressing table of run numbers + 1 (there are few runs, and a lookup per row).
  std::vector<std::string_view> prefixes;
  std::vector<std::vector<std::uint32_t>> runs;  // row indices
  std::vector<std::uint32_t> slots(1024, 0);
  auto slot_of = [&](std::string_view prefix, std::size_t hash) -> std::uint32_t& {
    for (std::size_t i = hash & (slots.size() - 1);; i = (i + 1) & (slots.size() - 1)) {
      if (slots[i] == 0 || prefixes[slots[i] - 1] == prefix) return slots[i];
    }
  };
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    const std::string_view key = rows[i].first;
    if (key.size() < kTail) return std::nullopt;
    const std::string_view prefix = key.substr(0, key.size() - kTail);
    std::uint32_t run = slot_of(prefix, std::hash<std::string_view>{}(prefix));  // number + 1; 0: new
    if (run == 0) {
      prefixes.push_back(prefix);
      runs.emplace_back();
      run = static_cast<std::uint32_t>(runs.size());
      if (runs.size() * 2 > slots.size()) {
        slots.assign(slots.size() * 4, 0);
        for (std::uint32_t r = 0; r < prefixes.size(); ++r) slot_of(prefixes[r], std::hash<std::string_view>{}(prefixes[r])) = r + 1;
      } else {
        slot_of(prefix, std::hash<std::string_view>{}(prefix)) = run;
      }
    } else {
      // Same prefix: the tails decide, compared as big-endian numbers.
      const std::string_view last = rows[runs[run - 1].back()].first;
      if (load_be(key, key.size() - kTail) <= load_be(last, last.size() - kTail)) return std::nullopt;
    }
    runs[run - 1].push_back(i);
  }
  std::vector<std::uint32_t> order(runs.size());
  for (std::uint32_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return prefixes[a] < prefixes[b]; });
  std::vector<FoldKv::Row> out;
  out.reserve(rows.size() + table.size());
  std::size_t t = 0;
  for (auto run : order) {
    const std::string_view first = rows[runs[run].front()].first, last = rows[runs[run].back()].first;
    while (t < table.size() && table[t].first < first) out.push_back(table[t++]);
    // A prefix may be a prefix of another one, or a table row fall inside the run: then rows interleave.
    if (!out.empty() && !(out.back().first < first)) return std::nullopt;
    if (t < table.size() && table[t].first < last) return std::nullopt;
    for (auto i : runs[run]) out.push_back(rows[i]);
  }
  out.insert(out.end(), table.begin() + static_cast<std::ptrdiff_t>(t), table.end());
  return out;
}

}  // namespace

// An open-addressing table over entries of one cache line each: a lookup touches its slot and its entry, which
// holds keys of up to 32 bytes and values of up to 8 (counts) itself; longer ones live in the column's arena.
// std::unordered_map also walked a bucket list and separately allocated strings (cache misses were most of a
// fold's time), and a key in the arena was one more miss per lookup. Dropping a column frees a few large blocks
// instead of millions of nodes.
struct FoldKv::Column {
  struct alignas(64) Entry {
    static constexpr std::size_t kInlineKey = 32, kInlineValue = 8;
    std::uint64_t hash = 0;
    std::uint32_t key_size = 0;
    std::uint32_t value_size = 0;
    std::uint32_t value_capacity = 0;  // of value_data; 0: the value is inline
    bool used = false;                 // false: on the free list
    union {
      char* value_data = nullptr;
      char inline_value[kInlineValue];
    };
    union {
      const char* key_data = nullptr;
      char inline_key[kInlineKey];
    };

    std::string_view key() const { return {key_size <= kInlineKey ? inline_key : key_data, key_size}; }
    std::string_view value() const { return {value_capacity == 0 ? inline_value : value_data, value_size}; }
    char* value_bytes() { return value_capacity == 0 ? inline_value : value_data; }
  };
  static_assert(sizeof(Entry) == 64);
  struct Slot {
    std::uint32_t tag = 0;    // the hash's upper half, to skip most foreign entries without touching them
    std::uint32_t entry = 0;  // 0 empty, 1 deleted, else entry index + 2
  };
  static constexpr std::uint32_t kEmpty = 0, kDeleted = 1;

  // The ordered index keeps entry indices; it compares the keys they name.
  struct ByKey {
    using is_transparent = void;
    const std::vector<Entry>* entries;
    std::string_view key(std::uint32_t i) const { return (*entries)[i].key(); }
    bool operator()(std::uint32_t a, std::uint32_t b) const { return key(a) < key(b); }
    bool operator()(std::uint32_t a, std::string_view b) const { return key(a) < b; }
    bool operator()(std::string_view a, std::uint32_t b) const { return a < key(b); }
  };
  using Index = std::set<std::uint32_t, ByKey>;

  std::vector<Slot> slots = std::vector<Slot>(16);
  std::vector<Entry> entries;
  std::vector<std::uint32_t> free_entries;
  std::size_t live = 0;
  std::size_t used_slots = 0;  // live and deleted
  Arena arena;
  std::unique_ptr<Index> ordered;  // made by the first scan, then kept up to date
  std::vector<Row> appended;

  static std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // The entry index of `key`, or -1.
  std::int64_t find(std::string_view key, std::uint64_t hash) const {
    const std::size_t mask = slots.size() - 1;
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots[i];
      if (s.entry == kEmpty) return -1;
      if (s.entry != kDeleted && s.tag == tag) {
        const Entry& e = entries[s.entry - 2];
        if (e.hash == hash && e.key() == key) return s.entry - 2;
      }
    }
  }
  std::size_t slot_of(std::uint32_t entry) const {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = entries[entry].hash & mask;; i = (i + 1) & mask) {
      if (slots[i].entry == entry + 2) return i;
    }
  }
  void place(std::uint32_t entry) {
    const std::size_t mask = slots.size() - 1;
    const std::uint64_t hash = entries[entry].hash;
    std::size_t i = hash & mask;
    while (slots[i].entry > kDeleted) i = (i + 1) & mask;
    if (slots[i].entry == kEmpty) ++used_slots;
    slots[i] = Slot{static_cast<std::uint32_t>(hash >> 32), entry + 2};
  }
  void grow() {
    // Rehash into a table where live entries take at most a quarter (deleted slots are dropped on the way).
    std::size_t size = 16;
    while (size < live * 4) size *= 2;
    slots.assign(size, Slot{});
    used_slots = 0;
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      if (entries[i].used) place(i);
    }
  }
  void set_key(Entry& e, std::string_view key) {
    e.key_size = static_cast<std::uint32_t>(key.size());
    if (key.size() <= Entry::kInlineKey) {
      if (!key.empty()) std::memcpy(e.inline_key, key.data(), key.size());
    } else {
      e.key_data = arena.copy(key).data();
    }
  }
  // `value` must not point into the entry itself.
  void set_value(Entry& e, std::string_view value) {
    if (value.size() <= Entry::kInlineValue) {
      e.value_capacity = 0;
    } else if (value.size() > e.value_capacity) {
      e.value_data = arena.allocate(value.size());
      e.value_capacity = static_cast<std::uint32_t>(value.size());
    }
    if (!value.empty()) std::memcpy(e.value_bytes(), value.data(), value.size());
    e.value_size = static_cast<std::uint32_t>(value.size());
  }
  std::string_view value_of(const Entry& e) const { return e.value(); }

  void build_index() {
    ordered = std::make_unique<Index>(ByKey{&entries});
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      if (entries[i].used) ordered->insert(i);
    }
  }
};

namespace {

// Owns the (views of the) rows it walks: a scanned prefix holds few rows.
class RowsCursor final : public KvCursor {
 public:
  explicit RowsCursor(std::vector<FoldKv::Row> rows) : rows_(std::move(rows)) {}
  bool valid() const override { return i_ < rows_.size(); }
  void next() override { ++i_; }
  std::string_view key() const override { return rows_[i_].first; }
  std::string_view value() const override { return rows_[i_].second; }

 private:
  std::vector<FoldKv::Row> rows_;
  std::size_t i_ = 0;
};

}  // namespace

FoldKv::FoldKv() = default;
FoldKv::~FoldKv() = default;

FoldKv::Column& FoldKv::column(ColumnId id) const {
  if (id >= columns_.size()) throw std::out_of_range("FoldKv: no column " + std::to_string(id));
  return *columns_[id];
}

ColumnId FoldKv::ensure_column(std::string_view name) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<ColumnId>(i);
  }
  names_.emplace_back(name);
  columns_.push_back(std::make_unique<Column>());
  return static_cast<ColumnId>(names_.size() - 1);
}

std::optional<std::string> FoldKv::get(ColumnId id, std::string_view key) const {
  const auto& c = column(id);
  const auto i = c.find(key, Column::hash_of(key));
  if (i < 0) return std::nullopt;
  return std::string(c.value_of(c.entries[static_cast<std::size_t>(i)]));
}

std::optional<std::string_view> FoldKv::peek(ColumnId id, std::string_view key, std::string&) const {
  const auto& c = column(id);
  const auto i = c.find(key, Column::hash_of(key));
  if (i < 0) return std::nullopt;
  return c.value_of(c.entries[static_cast<std::size_t>(i)]);
}

std::unique_ptr<KvCursor> FoldKv::scan(ColumnId id, std::string_view prefix, std::string_view start) const {
  auto& c = column(id);
  if (!c.ordered) c.build_index();
  std::vector<Row> rows;
  for (auto it = c.ordered->lower_bound(std::max(prefix, start)); it != c.ordered->end(); ++it) {
    const auto& e = c.entries[*it];
    if (!e.key().starts_with(prefix)) break;
    rows.emplace_back(e.key(), c.value_of(e));
  }
  return std::make_unique<RowsCursor>(std::move(rows));
}

void FoldKv::put(ColumnId id, std::string_view key, std::string_view value) {
  auto& c = column(id);
  const std::uint64_t hash = Column::hash_of(key);
  if (const auto i = c.find(key, hash); i >= 0) {
    c.set_value(c.entries[static_cast<std::size_t>(i)], value);
    return;
  }
  std::uint32_t entry;
  if (!c.free_entries.empty()) {
    entry = c.free_entries.back();
    c.free_entries.pop_back();
  } else {
    entry = static_cast<std::uint32_t>(c.entries.size());
    c.entries.emplace_back();
  }
  auto& e = c.entries[entry];
  e = Column::Entry{};
  c.set_key(e, key);
  e.hash = hash;
  e.used = true;
  c.set_value(e, value);
  ++c.live;
  if ((c.used_slots + 1) * 2 > c.slots.size()) c.grow();
  c.place(entry);
  if (c.ordered) c.ordered->insert(entry);
}

void FoldKv::del(ColumnId id, std::string_view key) {
  auto& c = column(id);
  const auto i = c.find(key, Column::hash_of(key));
  if (i < 0) return;
  const auto entry = static_cast<std::uint32_t>(i);
  if (c.ordered) c.ordered->erase(entry);
  c.slots[c.slot_of(entry)].entry = Column::kDeleted;
  c.entries[entry] = Column::Entry{};  // the arena keeps its bytes until the column goes
  c.free_entries.push_back(entry);
  --c.live;
}

void FoldKv::append(ColumnId id, std::string_view key, std::string_view value) {
  auto& c = column(id);
  c.appended.emplace_back(c.arena.copy(key), c.arena.copy(value));
}

std::int64_t FoldKv::add_count(ColumnId id, std::string_view key, std::int64_t delta) {
  auto& c = column(id);
  const auto i = c.find(key, Column::hash_of(key));
  if (i < 0) {
    if (delta > 0) put(id, key, count_bytes(delta));
    return delta;
  }
  auto& e = c.entries[static_cast<std::size_t>(i)];
  const std::int64_t n = count_of(c.value_of(e)) + delta;
  if (n <= 0) {
    del(id, key);
  } else {
    c.set_value(e, count_bytes(n));  // 8 bytes: in place once the entry holds a count
  }
  return n;
}

void FoldKv::raise_count(ColumnId id, std::string_view key, std::int64_t value) {
  auto& c = column(id);
  const auto i = c.find(key, Column::hash_of(key));
  if (i < 0) {
    if (value > 0) put(id, key, count_bytes(value));
    return;
  }
  auto& e = c.entries[static_cast<std::size_t>(i)];
  if (value > count_of(c.value_of(e))) c.set_value(e, count_bytes(value));
}

void FoldKv::append_to_value(ColumnId id, std::string_view key, std::string_view bytes) {
  auto& c = column(id);
  const auto i = c.find(key, Column::hash_of(key));
  if (i < 0) {
    put(id, key, bytes);
    return;
  }
  auto& e = c.entries[static_cast<std::size_t>(i)];
  const std::size_t size = e.value_size + bytes.size();
  if (size > (e.value_capacity == 0 ? Column::Entry::kInlineValue : e.value_capacity)) {
    // Doubling: a value appended to n times moves O(log n) times, and the arena holds at most twice its size.
    const std::size_t capacity = std::max<std::size_t>(2 * size, 64);
    char* grown = c.arena.allocate(capacity);
    if (e.value_size != 0) std::memcpy(grown, e.value_bytes(), e.value_size);
    e.value_data = grown;
    e.value_capacity = static_cast<std::uint32_t>(capacity);
  }
  if (!bytes.empty()) std::memcpy(e.value_bytes() + e.value_size, bytes.data(), bytes.size());
  e.value_size = static_cast<std::uint32_t>(size);
}

void FoldKv::prefetch(ColumnId id, std::string_view key) const {
  const auto& c = column(id);
  __builtin_prefetch(&c.slots[Column::hash_of(key) & (c.slots.size() - 1)]);
}

std::size_t FoldKv::size(ColumnId id) const {
  const auto& c = column(id);
  return c.live + c.appended.size();
}

std::vector<FoldKv::Row> FoldKv::sorted_rows(ColumnId id) const {
  const auto& c = column(id);
  std::vector<Row> table;
  table.reserve(c.live);
  if (c.ordered) {
    for (auto i : *c.ordered) table.emplace_back(c.entries[i].key(), c.value_of(c.entries[i]));
  } else {
    for (const auto& e : c.entries) {
      if (e.used) table.emplace_back(e.key(), c.value_of(e));
    }
    sort_rows(table);
  }
  if (c.appended.empty()) return table;
  if (auto merged = sorted_by_runs(c.appended, table)) return std::move(*merged);
  // Appended keys are never in the table (append's contract).
  auto appended = c.appended;
  sort_rows(appended);
  std::vector<Row> out;
  out.reserve(table.size() + appended.size());
  std::merge(table.begin(), table.end(), appended.begin(), appended.end(), std::back_inserter(out),
             [](const Row& a, const Row& b) { return a.first < b.first; });
  return out;
}

}  // namespace teamlog
