// The projection registry and helpers shared by the folds.
#include "projections/projections.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <memory>

#include "projections/json_text.hpp"
#include "projections/keys.hpp"
#include "projections/parse_payload.hpp"

namespace teamlog::projections {
namespace {

constexpr std::size_t kArenaBytes = 64 * 1024;  // larger payloads spill to the heap through the resource

}  // namespace

const std::array<ProjectionDef, kViewCount>& definitions() {
  static const std::array<ProjectionDef, kViewCount> defs = {{
      {ViewId::kOrganizers, "organizers", 1, apply_organizers},
      {ViewId::kEvents, "events", 1, apply_events},
      {ViewId::kUsers, "users", 1, apply_users},
      {ViewId::kTeams, "teams", 1, apply_teams},
      {ViewId::kMembers, "members", 1, apply_members},
      // 2: index rows name the organizer and nonce; the outbox (q/) of due invite mails.
      {ViewId::kInvites, "invites", 2, apply_invites},
      {ViewId::kTokens, "tokens", 1, apply_tokens},
      // 2: an index of the log (time and action type); entries are rendered from the events when read.
      // 3: a team's index holds its positions in blocks of keys::kAuditTeamBlock.
      {ViewId::kAudit, "audit", 3, apply_audit},
  }};
  return defs;
}

const ProjectionDef* find_definition(std::string_view name) {
  for (const auto& d : definitions()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

Status apply_event(KvWriter& kv, const ViewColumns& columns, const Event& event, std::optional<ViewId> only) {
  return apply_event_to(kv, columns, event, only ? view_bit(*only) : kAllViews);
}

Status apply_event_to(KvWriter& kv, const ViewColumns& columns, const Event& event, ViewMask views) {
  // The parsed payload lives only for this call: an arena reused across events spares a malloc per JSON node,
  // and a parser reused across events keeps its working stack; both were a large part of folding a whole log.
  thread_local std::unique_ptr<unsigned char[]> arena(new unsigned char[kArenaBytes]);
  thread_local boost::json::parser parser;
  boost::json::monotonic_resource mr(arena.get(), kArenaBytes);
  parser.reset(&mr);
  boost::json::value parsed(&mr);
  if (auto s = parse_payload(event, parser, parsed); !s.ok()) return s;
  apply_parsed(kv, columns, EventView{event, parsed.get_object()}, views);
  return {};
}

void apply_parsed(KvWriter& kv, const ViewColumns& columns, const EventView& ev, ViewMask views) {
  for (const auto& d : definitions()) {
    if ((views & view_bit(d.id)) == 0) continue;
    d.apply(kv, columns[d.id], ev);
  }
}

std::int64_t read_count(const KvReader& kv, ColumnId column, std::string_view key) {
  auto v = kv.get(column, key);
  return v ? count_of(*v) : 0;
}

void raise_seq(KvWriter& kv, ColumnId column, std::int64_t id) {
  kv.raise_count(column, keys::kSeq, id);
}

std::int64_t read_seq(const KvReader& kv, ColumnId column) { return read_count(kv, column, keys::kSeq); }

std::string event_order_key(std::int64_t date_from_us, const boost::json::value& name, std::string_view slug) {
  // Flip the sign bit so that negative times sort before positive ones bytewise.
  std::string key = encode_be64(static_cast<std::uint64_t>(date_from_us) ^ (std::uint64_t{1} << 63));
  key += name.is_string() ? std::string(name.get_string()) : to_json(name);
  key.push_back('\0');
  key.append(slug);
  return key;
}

}  // namespace teamlog::projections
