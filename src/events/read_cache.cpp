// ReadCache: sharded maps with a per-shard epoch that every invalidation advances.
#include "events/read_cache.hpp"

#include <algorithm>
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
  index = StringHash{}(composed) % kShards;
  return shards_[index];
}

std::optional<std::string> ReadCache::find(ColumnId column, std::string_view key, Ticket& ticket) {
  const auto composed = compose(column, key);
  Shard& shard = shard_for(composed, ticket.shard);
  std::lock_guard lock(shard.mu);
  if (auto it = shard.map.find(composed); it != shard.map.end()) {
    ++shard.hits;
    return std::string(it->value());
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
    shard.filter.clear();
    shard.bytes = 0;
  }
  std::string data;
  data.reserve(composed.size() + value.size());
  data.append(composed).append(value);
  if (shard.map.insert(Entry{std::move(data), composed.size()}).second) {
    shard.bytes += size;
    shard.filter.add(composed);
  }
}

void ReadCache::apply(const KeyChange& change) {
  const auto& [column, key, value] = change;
  const auto composed = compose(column, key);
  {
    std::size_t index = 0;
    Shard& shard = shard_for(composed, index);
    std::lock_guard lock(shard.mu);
    ++shard.epoch;
    auto it = shard.filter.may_contain(composed) ? shard.map.find(composed) : shard.map.end();
    if (it != shard.map.end()) {
      shard.bytes -= std::min(shard.bytes, it->value().size());
      if (value && shard.bytes + value->size() <= max_shard_bytes_) {
        it->data.replace(it->key_size, std::string::npos, *value);
        shard.bytes += value->size();
      } else {
        shard.bytes -= std::min(shard.bytes, it->key_size + kEntryOverhead);
        shard.map.erase(it);
      }
    }
  }
  std::lock_guard lock(scan_mu_);
  ScanColumn& col = scan_columns_[column];
  ++col.epoch;
  for (const std::size_t length : col.prefix_lengths) {
    if (length > key.size()) break;
    // composed = column id + key, so its first sizeof(ColumnId) + length bytes are the scan's cache key.
    auto it = scans_.find(composed.substr(0, sizeof(ColumnId) + length));
    if (it == scans_.end()) continue;
    scan_bytes_ -= std::min(scan_bytes_, scan_size(it->first, *it->second));
    // Readers may hold the rows: the change goes into a copy.
    auto rows = patched(it->second, key, value);
    if (!rows) {
      scans_.erase(it);
      continue;
    }
    const std::size_t size = scan_size(it->first, *rows);
    if (scan_bytes_ + size > max_scan_bytes_) {
      scans_.erase(it);
      continue;
    }
    scan_bytes_ += size;
    it->second = std::move(rows);
  }
}

std::shared_ptr<const ReadCache::ScanRows> ReadCache::patched(const std::shared_ptr<const ScanRows>& old,
                                                             std::string_view key,
                                                             const std::optional<std::string>& value) {
  const auto& list = old->rows;
  const auto at = std::lower_bound(list.begin(), list.end(), key, [](const auto& row, std::string_view k) {
    return std::string_view(row.first) < k;
  });
  const auto index = static_cast<std::size_t>(at - list.begin());
  const bool present = at != list.end() && at->first == key;
  // Unchanged: a key deleted that is not among the rows, a key past the cached rows of a longer list (read from
  // the store after the last cached one), a value written again as it was.
  if (!present && (!value || (at == list.end() && !old->complete))) return old;
  if (present && value && at->second == *value) return old;

  auto rows = std::make_shared<ScanRows>(*old);
  auto& out = rows->rows;
  if (present && value) {
    out[index].second = *value;
  } else if (present) {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(index));
    // With no cached row left there is no last key to read on from.
    if (out.empty() && !rows->complete) return nullptr;
  } else {
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(index), {std::string(key), *value});
    if (out.size() > kScanRows) {
      out.pop_back();
      rows->complete = false;
    }
  }
  return rows;
}

void ReadCache::clear() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    ++shard.epoch;
    shard.map.clear();
    shard.filter.clear();
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
