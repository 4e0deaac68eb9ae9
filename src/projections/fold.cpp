// The whole-log fold behind rebuild and verify.
#include "projections/fold.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/json/monotonic_resource.hpp>

#include "events/thread_name.hpp"
#include "projections/parse_payload.hpp"

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

namespace {

constexpr std::size_t kSlots = 4;                  // chunks in flight
constexpr std::size_t kChunkArenaBytes = 4 << 20;  // parsed payloads of a chunk; more spills to the heap

// A chunk of parsed events, produced by one thread and folded by both.
struct Slot {
  enum class State : std::uint8_t { kFree, kFilling, kReady };
  State state = State::kFree;
  std::uint64_t chunk = 0;  // which chunk it holds (kFilling, kReady)
  int readers = 0;          // kReady: folds still to read it
  Status status;            // the chunk's first bad event
  std::vector<Event> events;  // the first `count` are this chunk's (the rest keep their strings' capacity)
  std::size_t count = 0;
  std::vector<boost::json::value> payloads;
  std::unique_ptr<unsigned char[]> arena = std::make_unique_for_overwrite<unsigned char[]>(kChunkArenaBytes);
  std::optional<boost::json::monotonic_resource> mr;
};

// The log in chunks, each read and parsed once by whichever fold thread gets to it first (the one with less
// folding to do reads more), and folded by both.
class SharedReader {
 public:
  SharedReader(const Store& store, std::uint64_t to, std::uint64_t chunk_events, int readers)
      : store_(store), to_(to), chunk_events_(std::max<std::uint64_t>(1, chunk_events)), readers_(readers) {}

  std::uint64_t chunks() const { return (to_ + chunk_events_ - 1) / chunk_events_; }
  std::uint64_t chunk_events() const { return chunk_events_; }

  // Chunk `c`, ready to fold; meanwhile this thread reads the next chunks that have a free slot. nullptr when
  // the other thread failed.
  Slot* get(std::uint64_t c, boost::json::parser& parser, std::optional<EventCursor>& cursor) {
    std::unique_lock lock(mu_);
    while (!failed_) {
      Slot& wanted = slots_[c % kSlots];
      if (wanted.state == Slot::State::kReady && wanted.chunk == c) return &wanted;
      // Chunks are claimed in order, so the slot of the next one is free once the chunk kSlots before it (the
      // slot's last) has been folded by both threads.
      Slot& next = slots_[claimed_ % kSlots];
      if (claimed_ < chunks() && claimed_ < c + kSlots && next.state == Slot::State::kFree) {
        const std::uint64_t x = claimed_++;
        next.state = Slot::State::kFilling;
        lock.unlock();
        fill(next, x, parser, cursor);
        lock.lock();
        next.chunk = x;
        next.readers = readers_;
        next.state = Slot::State::kReady;
        changed_.notify_all();
        continue;
      }
      changed_.wait(lock);
    }
    return nullptr;
  }

  void release(Slot& slot) {
    std::lock_guard lock(mu_);
    if (--slot.readers == 0) {
      slot.state = Slot::State::kFree;
      changed_.notify_all();
    }
  }

  // Ends the fold for both threads (the other one may be waiting).
  void fail() {
    std::lock_guard lock(mu_);
    failed_ = true;
    changed_.notify_all();
  }

 private:
  void fill(Slot& slot, std::uint64_t c, boost::json::parser& parser, std::optional<EventCursor>& cursor) {
    slot.payloads.clear();  // before the arena they live on goes
    slot.mr.reset();
    slot.mr.emplace(slot.arena.get(), kChunkArenaBytes);
    slot.status = {};
    slot.count = 0;
    const std::uint64_t first = c * chunk_events_ + 1, last = std::min(to_, first + chunk_events_ - 1);
    if (!cursor) {
      cursor.emplace(store_.read_all(first));
    } else if (!cursor->valid() || cursor->position() != first) {
      cursor->seek(first);
    }
    for (; cursor->valid() && cursor->position() <= last; cursor->next()) {
      const auto& e = cursor->current();
      if (!e.ok()) {
        slot.status = Error::make(e.error().code, "event " + std::to_string(cursor->position()) + ": " + e.error().message);
        return;
      }
      if (slot.count == slot.events.size()) slot.events.emplace_back();
      Event& event = slot.events[slot.count++];
      event = *e;
      parser.reset(&*slot.mr);
      slot.payloads.emplace_back(&*slot.mr);
      if (auto s = parse_payload(event, parser, slot.payloads.back()); !s.ok()) {
        slot.status = std::move(s);
        return;
      }
    }
    if (slot.count != last - first + 1) {
      slot.status = Error::make(ErrorCode::kCorruption, "the log has no event at position " +
                                                            std::to_string(first + slot.count));
    }
  }

  const Store& store_;
  const std::uint64_t to_;
  const std::uint64_t chunk_events_;
  const int readers_;
  std::array<Slot, kSlots> slots_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::uint64_t claimed_ = 0;  // chunks below are being read or were
  bool failed_ = false;
};

}  // namespace

Status fold_log(const Store& store, FoldedViews& fold, std::uint64_t to, const std::function<Status(ViewMask)>& then,
                const std::function<void(std::uint64_t)>& progress, std::uint64_t chunk_events) {
  const auto groups = split_for_two_threads(mask_of(fold.views));
  if (groups[1] == 0) {
    auto s = fold_views(store, fold, groups[0], to, progress);
    return s.ok() ? then(groups[0]) : s;
  }
  SharedReader reader(store, to, chunk_events, 2);
  // Each thread folds every chunk into its group of views, reading and parsing chunks as they are needed.
  auto run = [&](int t) -> Status {
    boost::json::parser parser;
    std::optional<EventCursor> cursor;
    auto last_report = std::chrono::steady_clock::now();
    for (std::uint64_t c = 0; c < reader.chunks(); ++c) {
      Slot* slot = reader.get(c, parser, cursor);
      if (!slot) return {};  // the other thread's error is the answer
      if (!slot->status.ok()) {
        Status s = slot->status;
        reader.fail();
        return s;
      }
      for (std::size_t i = 0; i < slot->count; ++i) {
        apply_parsed(fold.kv, fold.columns, EventView{slot->events[i], slot->payloads[i].get_object()}, groups[t]);
      }
      reader.release(*slot);
      if (t == 0 && progress) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_report >= std::chrono::seconds(1)) {
          last_report = now;
          progress(std::min(to, (c + 1) * reader.chunk_events()));
        }
      }
    }
    // Every chunk this thread reads has been read: the other one never waits for it again.
    auto s = then(groups[t]);
    if (!s.ok()) reader.fail();
    return s;
  };
  Status second;
  std::thread helper([&] {
    name_this_thread("teamlog-fold");
    second = run(1);
  });
  Status first = run(0);
  helper.join();
  if (!first.ok()) return first;
  return second;
}

}  // namespace teamlog::projections
