// The audit index: every event of an organizer, by position and by team; entries are rendered from the log.
#include <boost/json/object.hpp>

#include "events/types.hpp"
#include "projections/audit_entry.hpp"
#include "projections/json_text.hpp"
#include "projections/keys.hpp"
#include "projections/payload.hpp"
#include "projections/projections.hpp"

namespace teamlog::projections {

std::string_view audit_organizer(const Event& event, const boost::json::object& data) {
  if (event.type == event_types::kOrganizerCreated) return str_of(data, "slug");
  return str_of(data, "organizer");
}

std::string render_audit_entry(const Event& event, const boost::json::object& data) {
  std::string out = "{\"position\":" + std::to_string(event.position) + ",\"datetime\":";
  append_json_string(out, format_rfc3339_utc(event.recorded_at_us));
  out += ",\"action_type\":";
  append_json_string(out, event.type);
  out += ",\"team\":";
  auto* team = data.if_contains("team");
  out += team && team->is_int64() && event.type.starts_with("pretix.team.") ? std::to_string(team->get_int64()) : "null";
  out += ",\"actor\":{\"type\":";
  append_json_string(out, actor_type_name(event.actor.type));
  out += ",\"id\":";
  out += event.actor.type == ActorType::kSystem ? "null" : std::to_string(event.actor.id);
  out += ",\"name\":";
  append_json_string(out, event.actor.name);
  out += "},\"data\":";
  if (auto* log = data.if_contains("log")) {
    append_json(out, *log);
  } else {
    append_json(out, data);
  }
  out.push_back('}');
  return out;
}

void apply_audit(KvWriter& kv, ColumnId column, const EventView& ev) {
  auto org = audit_organizer(ev.event, ev.data);
  if (org.empty()) return;  // users are not any one organizer's
  // An index of the log: the entry itself is rendered from the event when read (the log holds it already, and
  // rendering a million entries was most of a rebuild's writing). The value carries what the filters look at:
  // the recorded time (8 bytes) and the action type. The two counts' rows are fetched together (in a fold their
  // cache misses overlap).
  const bool of_team = ev.event.type.starts_with("pretix.team.");
  const std::int64_t team = of_team ? int_of(ev.data, "team") : 0;
  const auto count = keys::audit_count(org);
  const auto team_count = of_team ? keys::audit_team_count(org, team) : std::string();
  kv.prefetch(column, count);
  if (of_team && !ev.opens_stream()) kv.prefetch(column, team_count);
  kv.append(column, keys::audit(org, ev.event.position),
            keys::join(Be64(static_cast<std::uint64_t>(ev.event.recorded_at_us)), ev.event.type));
  kv.add_count(column, count, 1);
  if (of_team) {
    // At a team's first event it has no entries and no count yet: nothing to read.
    const Be64 position(ev.event.position);
    if (ev.opens_stream()) {
      kv.put(column, team_count, count_bytes(1));
      kv.put(column, keys::audit_team(org, team, 0), position);
    } else {
      const std::int64_t n = kv.add_count(column, team_count, 1);
      const auto block = static_cast<std::uint64_t>((n - 1) / keys::kAuditTeamBlock);
      kv.append_to_value(column, keys::audit_team(org, team, block), position);
    }
  }
}

}  // namespace teamlog::projections
