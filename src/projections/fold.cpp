// The whole-log fold behind rebuild and verify.
#include "projections/fold.hpp"

#include <chrono>
#include <thread>

namespace teamlog::projections {
namespace {

// Folds `views` of positions 1..to. Returns the number of events folded.
Status fold_part(const Store& store, FoldedViews& fold, ViewMask views, std::uint64_t to, std::uint64_t& folded,
                 const std::function<void(std::uint64_t)>& progress) {
  auto last_report = std::chrono::steady_clock::now();
  for (auto cursor = store.read_all(1); cursor.valid(); cursor.next()) {
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

}  // namespace

FoldedViews::FoldedViews(std::vector<ViewId> v) : views(std::move(v)) {
  for (ViewId id : views) columns.ids[static_cast<std::size_t>(id)] = kv.ensure_column(definitions()[static_cast<std::size_t>(id)].name);
}

Status fold_log(const Store& store, FoldedViews& fold, std::uint64_t to,
                const std::function<void(std::uint64_t)>& progress) {
  ViewMask all = 0;
  for (ViewId id : fold.views) all |= view_bit(id);
  // The audit view renders an entry for every event and costs about as much as all the others together: it gets a
  // thread of its own. Writes go to different FoldKv columns, which share nothing once they exist.
  const ViewMask audit = all & view_bit(ViewId::kAudit);
  const ViewMask rest = all & ~audit;
  if (audit == 0 || rest == 0) {
    std::uint64_t folded = 0;
    return fold_part(store, fold, all, to, folded, progress);
  }
  std::uint64_t audit_folded = 0, rest_folded = 0;
  Status audit_status;
  std::thread audit_thread([&] { audit_status = fold_part(store, fold, audit, to, audit_folded, {}); });
  Status rest_status = fold_part(store, fold, rest, to, rest_folded, progress);
  audit_thread.join();
  if (!rest_status.ok()) return rest_status;
  return audit_status;
}

}  // namespace teamlog::projections
