// Folding the log into memory: the fresh views that `rebuild` writes out, that `verify` compares with the stored
// ones, and that tests compare with incrementally maintained views.
#pragma once

#include <cstdint>
#include <array>
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

// Folds positions 1..`to` of the log into the views of `fold` named by `views`, on the calling thread. `progress`
// gets the number of events folded so far about once a second. An event that does not decode or parse is an
// error naming its position.
Status fold_views(const Store& store, FoldedViews& fold, ViewMask views, std::uint64_t to,
                  const std::function<void(std::uint64_t done)>& progress = {});

// Two groups of about equal folding cost, for two threads that each read the log (reading is cheap next to
// folding): writes go to different FoldKv columns, which share nothing once they exist. Either may be empty.
std::array<ViewMask, 2> split_for_two_threads(ViewMask views);

// All views of `fold` on two threads (split_for_two_threads), each event read and parsed once: each chunk of
// the log is read and parsed by whichever thread needs it first, and each thread folds every chunk into its own
// group of views. `then(g)` runs on group g's thread as soon as that group is complete (sorting or comparing it
// overlaps the other group's fold); its error ends the fold. With only one group, everything runs on the calling
// thread. Chunks hold `chunk_events` events (tests make them small). 1,024 parsed events (about a megabyte) stay
// in the cache of the thread that parsed them until it folds them: a rebuild took 4.7% less CPU than with 4,096
// (medians of 9).
inline constexpr std::uint64_t kFoldChunkEvents = 1024;
Status fold_log(const Store& store, FoldedViews& fold, std::uint64_t to,
                const std::function<Status(ViewMask group)>& then,
                const std::function<void(std::uint64_t done)>& progress = {},
                std::uint64_t chunk_events = kFoldChunkEvents);

// The views of a mask, in definition order.
std::vector<ViewId> views_of(ViewMask views);
ViewMask mask_of(const std::vector<ViewId>& views);

}  // namespace teamlog::projections
