// Folding the log into memory: the fresh views that `rebuild` writes out, that `verify` compares with the stored
// ones, and that tests compare with incrementally maintained views.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "events/fold_kv.hpp"
#include "events/store.hpp"
#include "projections/projections.hpp"

namespace teamlog::projections {

// Some views folded into a FoldKv, one column each (named after the view).
struct FoldedViews {
  explicit FoldedViews(std::vector<ViewId> views);
  std::vector<ViewId> views;
  FoldKv kv;
  ViewColumns columns;
};

// Folds positions 1..`to` of the log into `fold`. The views are independent, so with more than one they are
// shared between two threads, each reading the log itself (reading is cheap next to folding). `progress` gets
// the number of events folded so far, from one thread, about once a second. An event that does not decode or
// parse is an error naming its position.
Status fold_log(const Store& store, FoldedViews& fold, std::uint64_t to,
                const std::function<void(std::uint64_t done)>& progress = {});

}  // namespace teamlog::projections
