// Hash-map columns with an ordered index made on demand, plus an append-only list per column.
#include "events/fold_kv.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace teamlog {
namespace {

// Bytes of appended rows live in large blocks: one allocation per megabyte instead of two per row.
class Arena {
 public:
  std::string_view copy(std::string_view s) {
    if (s.size() > left_) {
      const std::size_t size = std::max(kBlock, s.size());
      blocks_.push_back(std::make_unique<char[]>(size));
      next_ = blocks_.back().get();
      left_ = size;
    }
    if (!s.empty()) std::memcpy(next_, s.data(), s.size());
    std::string_view out(next_, s.size());
    next_ += s.size();
    left_ -= s.size();
    return out;
  }

 private:
  static constexpr std::size_t kBlock = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

// The first 16 bytes of a key as two big-endian numbers (zero-padded), so that sorting compares integers and
// looks at the key bytes only for the rare ties (keys that share 16 bytes).
struct SortItem {
  std::uint64_t head0;
  std::uint64_t head1;
  const FoldKv::Row* row;
};

std::uint64_t load_be(std::string_view s, std::size_t at) {
  unsigned char b[8] = {};
  if (at < s.size()) std::memcpy(b, s.data() + at, std::min<std::size_t>(8, s.size() - at));
  std::uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

void sort_rows(std::vector<FoldKv::Row>& rows) {
  std::vector<SortItem> items;
  items.reserve(rows.size());
  for (const auto& r : rows) items.push_back({load_be(r.first, 0), load_be(r.first, 8), &r});
  std::sort(items.begin(), items.end(), [](const SortItem& a, const SortItem& b) {
    if (a.head0 != b.head0) return a.head0 < b.head0;
    if (a.head1 != b.head1) return a.head1 < b.head1;
    return a.row->first < b.row->first;
  });
  std::vector<FoldKv::Row> sorted;
  sorted.reserve(rows.size());
  for (const auto& i : items) sorted.push_back(*i.row);
  rows = std::move(sorted);
}

}  // namespace

struct FoldKv::Column {
  struct Hash {
    using is_transparent = void;
    // Not noexcept on purpose: libstdc++ then caches each node's hash, instead of rehashing whole keys while it
    // walks a bucket (that rehashing was the largest cost of a fold).
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::string, Hash, std::equal_to<>>;
  using Entry = Map::value_type;
  // Map nodes never move, so the index can point at them.
  struct ByKey {
    using is_transparent = void;
    bool operator()(const Entry* a, const Entry* b) const { return a->first < b->first; }
    bool operator()(const Entry* a, std::string_view b) const { return std::string_view(a->first) < b; }
    bool operator()(std::string_view a, const Entry* b) const { return a < std::string_view(b->first); }
  };
  using Index = std::set<const Entry*, ByKey>;

  Map rows;
  std::unique_ptr<Index> ordered;  // made by the first scan, then kept up to date
  std::vector<Row> appended;
  Arena arena;

  void build_index() {
    ordered = std::make_unique<Index>();
    for (const auto& e : rows) ordered->insert(&e);
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
  const auto& rows = column(id).rows;
  auto it = rows.find(key);
  if (it == rows.end()) return std::nullopt;
  return it->second;
}

std::unique_ptr<KvCursor> FoldKv::scan(ColumnId id, std::string_view prefix, std::string_view start) const {
  auto& c = column(id);
  if (!c.ordered) c.build_index();
  std::vector<Row> rows;
  for (auto it = c.ordered->lower_bound(std::max(prefix, start)); it != c.ordered->end(); ++it) {
    std::string_view key = (*it)->first;
    if (!key.starts_with(prefix)) break;
    rows.emplace_back(key, (*it)->second);
  }
  return std::make_unique<RowsCursor>(std::move(rows));
}

void FoldKv::put(ColumnId id, std::string_view key, std::string_view value) {
  auto& c = column(id);
  auto it = c.rows.find(key);
  if (it != c.rows.end()) {
    it->second.assign(value);
    return;
  }
  auto [added, inserted] = c.rows.emplace(std::string(key), std::string(value));
  if (c.ordered) c.ordered->insert(&*added);
}

void FoldKv::del(ColumnId id, std::string_view key) {
  auto& c = column(id);
  auto it = c.rows.find(key);
  if (it == c.rows.end()) return;
  if (c.ordered) c.ordered->erase(&*it);
  c.rows.erase(it);
}

void FoldKv::append(ColumnId id, std::string_view key, std::string_view value) {
  auto& c = column(id);
  c.appended.emplace_back(c.arena.copy(key), c.arena.copy(value));
}

std::size_t FoldKv::size(ColumnId id) const {
  const auto& c = column(id);
  return c.rows.size() + c.appended.size();
}

std::vector<FoldKv::Row> FoldKv::sorted_rows(ColumnId id) const {
  const auto& c = column(id);
  std::vector<Row> out;
  out.reserve(c.rows.size() + c.appended.size());
  if (c.ordered && c.appended.empty()) {
    for (const auto* e : *c.ordered) out.emplace_back(e->first, e->second);
    return out;
  }
  for (const auto& e : c.rows) out.emplace_back(e.first, e.second);
  out.insert(out.end(), c.appended.begin(), c.appended.end());
  sort_rows(out);
  return out;
}

}  // namespace teamlog
