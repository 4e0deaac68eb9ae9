// ReadCache: sharded maps with a per-shard epoch that every invalidation advances.
#include "events/read_cache.hpp"

#include <cstring>

namespace teamlog {

// Half of the budget for point reads, half for scans.
ReadCache::ReadCache(std::size_t max_bytes)
    : max_shard_bytes_(std::max<std::size_t>(max_bytes / 2 / kShards, 1)), max_scan_bytes_(max_bytes / 2) {}

std::string_view ReadCache::compose(ColumnId column, std::string_view key) {
  thread_local std::string scratch;
  scratch.resize(sizeof(column) + key.size());
  std::memcpy(scratch.data(), &column, sizeof(column));
  if (!key.empty()) std::memcpy(scratch.data() + sizeof(column), key.data(), key.size());
  return scratch;
}

ReadCache::Shard& ReadCache::shard_for(std::string_view composed, std::size_t& index) {
  index = Hash{}(composed) % kShards;
  return shards_[index];
}

std::optional<std::string> ReadCache::find(ColumnId column, std::string_view key, Ticket& ticket) {
  const auto composed = compose(column, key);
  Shard& shard = shard_for(composed, ticket.shard);
  std::lock_guard lock(shard.mu);
  if (auto it = shard.map.find(composed); it != shard.map.end()) {
    ++shard.hits;
    return it->second;
  }
  ++shard.misses;
  ticket.epoch = shard.epoch;
  return std::nullopt;
}

void ReadCache::insert(ColumnId column, std::string_view key, std::string_view value, const Ticket& ticket) {
  const auto composed = compose(column, key);
  Shard& shard = shards_[ticket.shard];
  const std::size_t size = composed.size() + value.size() + kEntryOverhead;
  std::lock_guard lock(shard.mu);
  // The writer invalidated something in this shard since the read began: the value may predate it.
  if (shard.epoch != ticket.epoch) return;
  if (shard.bytes + size > max_shard_bytes_) {
    shard.map.clear();
    shard.bytes = 0;
  }
  if (shard.map.try_emplace(std::string(composed), value).second) shard.bytes += size;
}

void ReadCache::invalidate(ColumnId column, std::string_view key) {
  const auto composed = compose(column, key);
  {
    std::size_t index = 0;
    Shard& shard = shard_for(composed, index);
    std::lock_guard lock(shard.mu);
    ++shard.epoch;
    if (auto it = shard.map.find(composed); it != shard.map.end()) {
      shard.bytes -= std::min(shard.bytes, it->first.size() + it->second.size() + kEntryOverhead);
      shard.map.erase(it);
    }
  }
  std::lock_guard lock(scan_mu_);
  ScanColumn& col = scan_columns_[column];
  ++col.epoch;
  for (const std::size_t length : col.prefix_lengths) {
    if (length > key.size()) break;
    // composed = column id + key, so its first sizeof(ColumnId) + length bytes are the scan's cache key.
    if (auto it = scans_.find(composed.substr(0, sizeof(ColumnId) + length)); it != scans_.end()) {
      scan_bytes_ -= std::min(scan_bytes_, scan_size(it->first, *it->second));
      scans_.erase(it);
    }
  }
}

void ReadCache::clear() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    ++shard.epoch;
    shard.map.clear();
    shard.bytes = 0;
  }
  std::lock_guard lock(scan_mu_);
  for (auto& [id, col] : scan_columns_) {
    ++col.epoch;
    col.prefix_lengths.clear();
  }
  scans_.clear();
  scan_bytes_ = 0;
}

std::size_t ReadCache::scan_size(std::string_view composed, const ScanRows& rows) {
  std::size_t size = composed.size() + kEntryOverhead;
  for (const auto& [key, value] : rows.rows) size += key.size() + value.size() + kEntryOverhead;
  return size;
}

std::shared_ptr<const ReadCache::ScanRows> ReadCache::find_scan(ColumnId column, std::string_view prefix,
                                                               Ticket& ticket) {
  const auto composed = compose(column, prefix);
  std::lock_guard lock(scan_mu_);
  if (auto it = scans_.find(composed); it != scans_.end()) return it->second;
  ticket.epoch = scan_columns_[column].epoch;
  return nullptr;
}

void ReadCache::insert_scan(ColumnId column, std::string_view prefix, std::shared_ptr<const ScanRows> rows,
                            const Ticket& ticket) {
  const auto composed = compose(column, prefix);
  const std::size_t size = scan_size(composed, *rows);
  std::lock_guard lock(scan_mu_);
  ScanColumn& col = scan_columns_[column];
  if (col.epoch != ticket.epoch || size > max_scan_bytes_) return;
  if (scan_bytes_ + size > max_scan_bytes_) {
    scans_.clear();
    for (auto& [id, c] : scan_columns_) c.prefix_lengths.clear();
    scan_bytes_ = 0;
  }
  if (scans_.try_emplace(std::string(composed), std::move(rows)).second) {
    scan_bytes_ += size;
    col.prefix_lengths.insert(prefix.size());
  }
}

std::uint64_t ReadCache::total(std::uint64_t Shard::*counter) const {
  std::uint64_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.*counter;
  }
  return n;
}

std::uint64_t ReadCache::hits() const { return total(&Shard::hits); }
std::uint64_t ReadCache::misses() const { return total(&Shard::misses); }

}  // namespace teamlog
