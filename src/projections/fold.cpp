// The whole-log fold behind rebuild and verify.
#include "projections/fold.hpp"

#include <chrono>
#include <thread>

namespace teamlog::projections {

Status fold_views(const Store& store, FoldedViews& fold, ViewMask views, std::uint64_t to,
                  const std::function<void(std::uint64_t)>& progress) {
  auto last_report = std::chrono::steady_clock::now();
  std::uint64_t folded = 0;
  for (auto cursor = store.read_all(1); cursor.valid(); cursor.next()) {
    if (cursor.position() > to) break;
    const auto& e = cursor.current();
    if (!e.ok()) {
      return Error::make(e.error().code, "event " + std::to_string(folded + 1) + ": " + e.error().message);
    }
    if (e->position > to) break;
    auto s = apply_event_to(fold.kv, fold.columns, *e, views);
    if (!s.ok()) return s;
    ++folded;
    if (progress && (folded & 0x3fff) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        progress(folded);
      }
    }
  }
  return {};
}

std::array<ViewMask, 2> split_for_two_threads(ViewMask views) {
  // Measured on a generated log of a million events: the audit view (an entry rendered per event) and the teams
  // view (a team re-rendered per change) cost about as much as the tokens view and the small ones together.
  const ViewMask first = views & (view_bit(ViewId::kAudit) | view_bit(ViewId::kTeams));
  const ViewMask second = views & ~first;
  if (first == 0 || second == 0) return {views, 0};
  return {first, second};
}

std::vector<ViewId> views_of(ViewMask views) {
  std::vector<ViewId> out;
  for (const auto& d : definitions()) {
    if (views & view_bit(d.id)) out.push_back(d.id);
  }
  return out;
}

ViewMask mask_of(const std::vector<ViewId>& views) {
  ViewMask m = 0;
  for (ViewId id : views) m |= view_bit(id);
  return m;
}

FoldedViews::FoldedViews(std::vector<ViewId> v) : views(std::move(v)) {
  for (ViewId id : views) columns.ids[static_cast<std::size_t>(id)] = kv.ensure_column(definitions()[static_cast<std::size_t>(id)].name);
}

Status fold_log(const Store& store, FoldedViews& fold, std::uint64_t to,
                const std::function<void(std::uint64_t)>& progress) {
  const auto groups = split_for_two_threads(mask_of(fold.views));
  if (groups[1] == 0) return fold_views(store, fold, groups[0], to, progress);
  Status second;
  std::thread helper([&] { second = fold_views(store, fold, groups[1], to); });
  Status first = fold_views(store, fold, groups[0], to, progress);
  helper.join();
  if (!first.ok()) return first;
  return second;
}

}  // namespace teamlog::projections
