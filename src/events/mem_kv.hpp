// An in-memory KvWriter: the state of pure command tests and of `replay --at`, and a reference for RocksDB views.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "events/kv.hpp"

namespace teamlog {

class MemKv final : public KvWriter {
 public:
  ColumnId ensure_column(std::string_view name);
  std::optional<std::string> get(ColumnId column, std::string_view key) const override;
  std::unique_ptr<KvCursor> scan(ColumnId column, std::string_view prefix, std::string_view start = {}) const override;
  void put(ColumnId column, std::string_view key, std::string_view value) override;
  void del(ColumnId column, std::string_view key) override;

  using Table = std::map<std::string, std::string, std::less<>>;
  const Table& table(ColumnId column) const { return tables_.at(column); }
  const std::vector<std::string>& column_names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::vector<Table> tables_;
};

}  // namespace teamlog
