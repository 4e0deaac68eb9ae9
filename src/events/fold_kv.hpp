// An in-memory KvWriter for folding a whole log at once (rebuild, verify, replay): hash maps for the point reads
// and writes that make up almost every fold step, and key order only where something asks for it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "events/kv.hpp"

namespace teamlog {

// Behaves like MemKv (the reference; see fold_kv_test), but a std::map costs a tree walk of string compares per
// step, which made a million-event fold take most of a minute. Here a point operation is one hash lookup. A
// column's ordered index is built on its first prefix scan and kept from then on, so columns that are never
// scanned never pay for order until `sorted_rows`. Appended rows (one per event) skip the table altogether.
// Different columns share nothing: once every column exists, threads may write to different columns at once.
class FoldKv final : public KvWriter {
 public:
  FoldKv();
  ~FoldKv() override;
  FoldKv(const FoldKv&) = delete;
  FoldKv& operator=(const FoldKv&) = delete;

  ColumnId ensure_column(std::string_view name);
  std::optional<std::string> get(ColumnId column, std::string_view key) const override;
  std::optional<std::string_view> peek(ColumnId column, std::string_view key, std::string& scratch) const override;
  // Cursors see the rows as of the call; a write to the column invalidates them (as in MemKv, folds collect
  // what they scanned before changing it).
  std::unique_ptr<KvCursor> scan(ColumnId column, std::string_view prefix, std::string_view start = {}) const override;
  void put(ColumnId column, std::string_view key, std::string_view value) override;
  void del(ColumnId column, std::string_view key) override;
  // Kept in a list, unseen by get and scan: the caller promises that no other write touches the key and that no
  // read asks for it (see KvWriter::append).
  void append(ColumnId column, std::string_view key, std::string_view value) override;
  std::int64_t add_count(ColumnId column, std::string_view key, std::int64_t delta) override;
  void raise_count(ColumnId column, std::string_view key, std::int64_t value) override;
  void append_to_value(ColumnId column, std::string_view key, std::string_view bytes) override;
  void prefetch(ColumnId column, std::string_view key) const override;

  std::size_t size(ColumnId column) const;
  // Every row of a column in bytewise key order. The views stay valid until the next write to the column.
  using Row = KvRow;
  std::vector<Row> sorted_rows(ColumnId column) const;

 private:
  struct Column;
  Column& column(ColumnId id) const;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Column>> columns_;
};

}  // namespace teamlog
