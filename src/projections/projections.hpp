// The projections: pure folds apply(view, event) over key-value columns, one column family per projection.
// Each projection is self-contained (it keeps its own copy of what it needs from other streams), so that any one
// of them can be rebuilt from the log alone.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "events/event.hpp"
#include "events/kv.hpp"
#include "events/result.hpp"

namespace teamlog::projections {

enum class ViewId : std::uint8_t { kOrganizers, kEvents, kUsers, kTeams, kMembers, kInvites, kTokens, kAudit };
inline constexpr std::size_t kViewCount = 8;

struct ViewColumns {
  std::array<ColumnId, kViewCount> ids{};
  ColumnId operator[](ViewId v) const { return ids[static_cast<std::size_t>(v)]; }
};

// An event with its payload parsed once for every projection.
struct EventView {
  const Event& event;
  const boost::json::object& data;
  // The first event of its stream. Every event of a team is in the team's stream, so at its first nothing of the
  // team exists in any view yet, and a fold need not read (on the writer, a read of a key that does not exist
  // searches every level of the store).
  bool opens_stream() const { return event.stream_version == 1; }
};

using ApplyFn = void (*)(KvWriter& kv, ColumnId column, const EventView& ev);

struct ProjectionDef {
  ViewId id;
  std::string_view name;
  // Bump when the view's layout or content changes: the view is then rebuilt from the log before it is served.
  std::uint32_t version;
  ApplyFn apply;
};

const std::array<ProjectionDef, kViewCount>& definitions();
const ProjectionDef* find_definition(std::string_view name);

// Applies `event` to every projection, or to the one named by `only`. A payload that is not a JSON object is
// reported as corruption (the log is the only source of events; this means a bug or a damaged log).
Status apply_event(KvWriter& kv, const ViewColumns& columns, const Event& event,
                   std::optional<ViewId> only = std::nullopt);

// A set of views, one bit per ViewId (the fold threads of a rebuild each take some).
using ViewMask = std::uint32_t;
inline constexpr ViewMask view_bit(ViewId v) { return ViewMask{1} << static_cast<unsigned>(v); }
inline constexpr ViewMask kAllViews = (ViewMask{1} << kViewCount) - 1;
Status apply_event_to(KvWriter& kv, const ViewColumns& columns, const Event& event, ViewMask views);
// The same with the payload already parsed (a whole-log fold parses each event once for all its threads).
void apply_parsed(KvWriter& kv, const ViewColumns& columns, const EventView& ev, ViewMask views);

// The per-projection folds (defined in the *_views.cpp files).
void apply_organizers(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_events(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_users(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_teams(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_members(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_invites(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_tokens(KvWriter& kv, ColumnId column, const EventView& ev);
void apply_audit(KvWriter& kv, ColumnId column, const EventView& ev);

// Shared helpers for the folds.
std::int64_t read_count(const KvReader& kv, ColumnId column, std::string_view key);
void raise_seq(KvWriter& kv, ColumnId column, std::int64_t id);
std::int64_t read_seq(const KvReader& kv, ColumnId column);
// The order key of a ticketed event: pretix orders events by date_from, then name, then slug.
std::string event_order_key(std::int64_t date_from_us, const boost::json::value& name, std::string_view slug);

}  // namespace teamlog::projections
