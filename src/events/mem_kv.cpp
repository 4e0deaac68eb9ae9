// std::map-backed key-value columns.
#include "events/mem_kv.hpp"

#include <stdexcept>

namespace teamlog {
namespace {

class MemCursor final : public KvCursor {
 public:
  MemCursor(const MemKv::Table& table, std::string prefix, std::string_view start) : table_(table), prefix_(std::move(prefix)) {
    it_ = table_.lower_bound(start > std::string_view(prefix_) ? start : std::string_view(prefix_));
  }
  bool valid() const override { return it_ != table_.end() && std::string_view(it_->first).starts_with(prefix_); }
  void next() override { ++it_; }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }

 private:
  const MemKv::Table& table_;
  std::string prefix_;
  MemKv::Table::const_iterator it_;
};

}  // namespace

ColumnId MemKv::ensure_column(std::string_view name) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<ColumnId>(i);
  }
  names_.emplace_back(name);
  tables_.emplace_back();
  return static_cast<ColumnId>(names_.size() - 1);
}

std::optional<std::string> MemKv::get(ColumnId column, std::string_view key) const {
  const auto& t = tables_.at(column);
  auto it = t.find(key);
  if (it == t.end()) return std::nullopt;
  return it->second;
}

std::unique_ptr<KvCursor> MemKv::scan(ColumnId column, std::string_view prefix, std::string_view start) const {
  return std::make_unique<MemCursor>(tables_.at(column), std::string(prefix), start);
}

void MemKv::put(ColumnId column, std::string_view key, std::string_view value) {
  tables_.at(column).insert_or_assign(std::string(key), std::string(value));
}

void MemKv::del(ColumnId column, std::string_view key) {
  auto& t = tables_.at(column);
  auto it = t.find(key);
  if (it != t.end()) t.erase(it);
}

}  // namespace teamlog
