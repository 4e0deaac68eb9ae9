// DerivedCache: one map of values, two indexes from what they read back to them, one epoch.
#include "events/derived_cache.hpp"

#include <algorithm>
#include <cstring>

namespace teamlog {
namespace {

constexpr std::size_t kEntryOverhead = 96;  // node, hash, strings and the shared value's control block, roughly

thread_local DerivedCache::Reads* t_reads = nullptr;  // of the innermost Recording on this thread

std::string composed(ColumnId column, std::string_view key) {
  std::string out(sizeof(column) + key.size(), '\0');
  std::memcpy(out.data(), &column, sizeof(column));
  if (!key.empty()) std::memcpy(out.data() + sizeof(column), key.data(), key.size());
  return out;
}

ColumnId column_of(std::string_view composed_key) {
  ColumnId column = 0;
  std::memcpy(&column, composed_key.data(), sizeof(column));
  return column;
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

DerivedCache::Recording::Recording(DerivedCache& cache) : cache_(cache), ticket_(cache.ticket()), outer_(t_reads) {
  t_reads = &reads_;
}

DerivedCache::Recording::~Recording() {
  t_reads = outer_;
  if (outer_ == nullptr) return;
  outer_->tracked = outer_->tracked && reads_.tracked;
  outer_->keys.insert(outer_->keys.end(), reads_.keys.begin(), reads_.keys.end());
  outer_->prefixes.insert(outer_->prefixes.end(), reads_.prefixes.begin(), reads_.prefixes.end());
}

void DerivedCache::Recording::keep(std::string key, std::shared_ptr<const std::string> value) {
  if (!reads_.tracked || (reads_.keys.empty() && reads_.prefixes.empty())) return;
  cache_.insert(std::move(key), std::move(value), reads_, ticket_);
}

void DerivedCache::note_get(ColumnId column, std::string_view key) {
  if (t_reads != nullptr) t_reads->keys.push_back(composed(column, key));
}

void DerivedCache::note_scan(ColumnId column, std::string_view prefix) {
  if (t_reads != nullptr) t_reads->prefixes.push_back(composed(column, prefix));
}

void DerivedCache::note_untracked() {
  if (t_reads != nullptr) t_reads->tracked = false;
}

std::uint64_t DerivedCache::ticket() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

std::shared_ptr<const std::string> DerivedCache::find(std::string_view key) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    ++hits_;
    return it->second.value;
  }
  ++misses_;
  return nullptr;
}

void DerivedCache::insert(std::string key, std::shared_ptr<const std::string> value, Reads reads,
                          std::uint64_t ticket) {
  sort_unique(reads.keys);
  sort_unique(reads.prefixes);
  std::size_t size = key.size() + value->size() + kEntryOverhead;
  // Each dependency is held twice: in the entry and in an index.
  for (const auto& k : reads.keys) size += 2 * (k.size() + kEntryOverhead);
  for (const auto& p : reads.prefixes) size += 2 * (p.size() + kEntryOverhead);
  if (size > max_bytes_) return;
  std::lock_guard lock(mu_);
  if (epoch_ != ticket) return;  // a write became visible while it was computed: it may predate the write
  if (bytes_ + size > max_bytes_) clear_locked();
  auto [it, inserted] = entries_.try_emplace(std::move(key));
  if (!inserted) return;  // computed twice at once: the first one stays
  Entry& entry = it->second;
  entry.value = std::move(value);
  entry.reads = std::move(reads);
  entry.bytes = size;
  const std::string* name = &it->first;
  for (const auto& k : entry.reads.keys) {
    by_key_.emplace(k, name);
    dependencies_.add(k);
  }
  for (const auto& p : entry.reads.prefixes) {
    by_prefix_.emplace(p, name);
    dependencies_.add(p);
    ++prefix_lengths_[column_of(p)][p.size() - sizeof(ColumnId)];
  }
  bytes_ += size;
}

void DerivedCache::erase_locked(Entries::iterator it) {
  const std::string* name = &it->first;
  const auto unlink = [name](Index& index, const std::string& dependency) {
    auto [from, to] = index.equal_range(dependency);
    for (auto i = from; i != to; ++i) {
      if (i->second == name) {
        index.erase(i);
        return;
      }
    }
  };
  for (const auto& k : it->second.reads.keys) unlink(by_key_, k);
  for (const auto& p : it->second.reads.prefixes) {
    unlink(by_prefix_, p);
    auto column = prefix_lengths_.find(column_of(p));
    if (column == prefix_lengths_.end()) continue;
    auto length = column->second.find(p.size() - sizeof(ColumnId));
    if (length != column->second.end() && --length->second == 0) column->second.erase(length);
  }
  bytes_ -= std::min(bytes_, it->second.bytes);
  entries_.erase(it);
}

void DerivedCache::invalidate(const std::vector<KeyChange>& changes) {
  std::lock_guard lock(mu_);
  ++epoch_;
  if (entries_.empty()) return;
  std::vector<std::string> doomed;
  const auto collect = [&](const Index& index, std::string_view dependency) {
    if (!dependencies_.may_contain(dependency)) return;
    auto [from, to] = index.equal_range(dependency);
    for (auto i = from; i != to; ++i) doomed.push_back(*i->second);
  };
  for (const auto& [column, key, value] : changes) {
    const std::string written = composed(column, key);
    collect(by_key_, written);
    auto lengths = prefix_lengths_.find(column);
    if (lengths == prefix_lengths_.end()) continue;
    for (const auto& [length, count] : lengths->second) {
      if (length > key.size()) break;
      collect(by_prefix_, std::string_view(written).substr(0, sizeof(ColumnId) + length));
    }
  }
  for (const auto& name : doomed) {
    if (auto it = entries_.find(name); it != entries_.end()) erase_locked(it);
  }
}

void DerivedCache::clear_locked() {
  entries_.clear();
  by_key_.clear();
  by_prefix_.clear();
  dependencies_.clear();
  prefix_lengths_.clear();
  bytes_ = 0;
}

void DerivedCache::clear() {
  std::lock_guard lock(mu_);
  ++epoch_;
  clear_locked();
}

std::uint64_t DerivedCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

std::uint64_t DerivedCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

std::size_t DerivedCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace teamlog
