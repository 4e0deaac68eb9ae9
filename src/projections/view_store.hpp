// The persisted views: one column family per projection ("view.<name>.<generation>"), each with a checkpoint
// (its version and the last position applied) kept in the "projections" column and written in the same batch as
// the rows it covers. Opening catches lagging views up from the log and rebuilds views whose code version changed;
// a rebuild fills fresh columns and switches to them only when complete.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/store.hpp"
#include "projections/projections.hpp"

namespace teamlog::projections {

class ViewStore {
 public:
  using Progress = std::function<void(const std::string& message)>;
  // A view further behind the log than this many events is rebuilt at open rather than caught up event by event.
  static constexpr std::uint64_t kCatchUpLimit = 10'000;

  static Result<std::unique_ptr<ViewStore>> open(Store& store, const Progress& progress = {},
                                                 std::uint64_t catch_up_limit = kCatchUpLimit);

  const ViewColumns& columns() const { return columns_; }

  // In the writer, for each event the transaction appended: fold it into every view.
  Status apply(Transaction& tx, const Event& event) const;
  // Before the commit of a batch that appended events: every checkpoint moves to the transaction's head.
  void write_checkpoints(Transaction& tx) const;

  struct RebuildStats {
    std::uint64_t events = 0;
    double seconds = 0;
  };
  // Rebuilds one view (or all) from the log into fresh columns, then switches. Nothing may write meanwhile.
  Result<RebuildStats> rebuild(std::optional<ViewId> only, const Progress& progress = {});
  // The views of a mask, in one pass over the log.
  Result<RebuildStats> rebuild(ViewMask views, const Progress& progress = {});

  struct Info {
    std::string name;
    std::uint32_t version = 0;       // of the stored view
    std::uint32_t code_version = 0;  // of this build
    std::uint64_t generation = 0;
    std::uint64_t checkpoint = 0;
    std::string column;
  };
  std::vector<Info> info() const;

 private:
  struct Record {
    std::uint32_t version = 0;
    std::uint64_t generation = 0;
    std::uint64_t position = 0;
  };
  explicit ViewStore(Store& store) : store_(store) {}
  Status replay_into(const std::vector<ViewId>& views, const ViewColumns& target, std::uint64_t from,
                     const std::vector<Record>& final_records, const Progress& progress, RebuildStats& stats);
  static std::string column_name(std::string_view view, std::uint64_t generation);

  Store& store_;
  ColumnId records_column_ = 0;
  ViewColumns columns_;
  std::array<Record, kViewCount> records_{};
};

}  // namespace teamlog::projections
