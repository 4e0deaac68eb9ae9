// Key layouts of the view columns (one column family per projection), shared by projections and queries.
// Ids are big-endian 8 bytes so that bytewise order is numeric order; '\0' ends variable-length parts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/codec.hpp"

namespace teamlog::keys {

inline Be64 be(std::int64_t id) { return Be64(static_cast<std::uint64_t>(id)); }
inline std::int64_t from_be(std::string_view bytes) { return static_cast<std::int64_t>(decode_be64(bytes)); }

// One allocation at most (keys are built for every row a fold touches): keys are one join of their parts, not
// a join of a prefix key.
template <class... Parts>
std::string join(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(parts), ...);
  return out;
}

inline constexpr std::string_view kSeq = "seq";  // the last id allocated, in columns that allocate ids
inline constexpr char kEnd = '\0';
inline constexpr std::string_view kEndPart{"\0", 1};

// organizers:  o/{slug} -> {"slug","name"}
inline std::string organizer(std::string_view slug) { return join("o/", slug); }

// events:  e/{org}\0{slug} -> wire JSON   s/{org}\0{sort key} -> slug   k/{org}\0{slug} -> sort key
//          n/{org}\0{slug} -> be id       c/{org} -> be count
inline std::string event(std::string_view org, std::string_view slug) { return join("e/", org, kEndPart, slug); }
inline std::string event_sort_prefix(std::string_view org) { return join("s/", org, kEndPart); }
inline std::string event_sort_key(std::string_view org, std::string_view sort) { return join("s/", org, kEndPart, sort); }
inline std::string event_sort_of(std::string_view org, std::string_view slug) { return join("k/", org, kEndPart, slug); }
inline std::string event_id(std::string_view org, std::string_view slug) { return join("n/", org, kEndPart, slug); }
inline std::string event_count(std::string_view org) { return join("c/", org); }

// users:  u/{be id} -> member wire JSON   e/{lowercased email} -> be id
inline std::string user(std::int64_t id) { return join("u/", be(id)); }
inline std::string user_email(std::string_view email) { return join("e/", email); }

// teams:  t/{org}\0{be id} -> wire JSON   c/{org} -> be count
//         v/{org}\0{slug} -> event sort key (this projection's own copy, to order limit_events)
//         r/{org}\0{slug}\0{be team} -> ""  (which teams name an event)
inline std::string team_prefix(std::string_view org) { return join("t/", org, kEndPart); }
inline std::string team(std::string_view org, std::int64_t id) { return join("t/", org, kEndPart, be(id)); }
inline std::string team_count(std::string_view org) { return join("c/", org); }
inline std::string team_event(std::string_view org, std::string_view slug) { return join("v/", org, kEndPart, slug); }
inline std::string team_ref_prefix(std::string_view org, std::string_view slug) {
  return join("r/", org, kEndPart, slug, kEndPart);
}
inline std::string team_ref(std::string_view org, std::string_view slug, std::int64_t team) {
  return join("r/", org, kEndPart, slug, kEndPart, be(team));
}

// members:  m/{be team}{email}\0{be user} -> wire JSON   i/{be team}{be user} -> email
//           u/{be user} -> wire JSON (own copy of users)   c/{be team} -> be count
inline std::string member_prefix(std::int64_t team) { return join("m/", be(team)); }
inline std::string member(std::int64_t team, std::string_view email, std::int64_t user) {
  return join("m/", be(team), email, kEndPart, be(user));
}
inline std::string member_index_prefix(std::int64_t team) { return join("i/", be(team)); }
inline std::string member_index(std::int64_t team, std::int64_t user) { return join("i/", be(team), be(user)); }
inline std::string member_user(std::int64_t user) { return join("u/", be(user)); }
inline std::string member_count(std::int64_t team) { return join("c/", be(team)); }

// invites:  v/{be team}{email}\0{be id} -> {"id","email"}
//           i/{be team}{be id} -> {"email","lower","digest","organizer","nonce"}
//           l/{be team}{lowercased email} -> be id   d/{digest} -> be team, be id   c/{be team} -> be count
//           q/{be id} -> the outbox: a mail that is due, {"organizer","team","invite","email","nonce","digest",
//                        "queued" (position of the created/resent event),"queued_at_us"}
inline std::string invite_prefix(std::int64_t team) { return join("v/", be(team)); }
inline std::string invite(std::int64_t team, std::string_view email, std::int64_t id) {
  return join("v/", be(team), email, kEndPart, be(id));
}
inline std::string invite_index_prefix(std::int64_t team) { return join("i/", be(team)); }
inline std::string invite_index(std::int64_t team, std::int64_t id) { return join("i/", be(team), be(id)); }
inline std::string invite_email(std::int64_t team, std::string_view lower_email) { return join("l/", be(team), lower_email); }
inline std::string invite_digest(std::string_view digest) { return join("d/", digest); }
inline std::string invite_count(std::int64_t team) { return join("c/", be(team)); }
inline constexpr std::string_view kOutboxPrefix = "q/";
inline std::string outbox(std::int64_t invite) { return join(kOutboxPrefix, be(invite)); }

// tokens:  k/{be team}{name}\0{be id} -> {"id","name","active"}   i/{be team}{be id} -> {"name","active","digest"}
//          d/{digest} -> be team, be id, '1'|'0' (active)   p/{be team} -> {org}\0{12 x '0'|'1'} (the team's flags)
//          c/{be team} -> be count
inline std::string token_prefix(std::int64_t team) { return join("k/", be(team)); }
inline std::string token(std::int64_t team, std::string_view name, std::int64_t id) {
  return join("k/", be(team), name, kEndPart, be(id));
}
inline std::string token_index_prefix(std::int64_t team) { return join("i/", be(team)); }
inline std::string token_index(std::int64_t team, std::int64_t id) { return join("i/", be(team), be(id)); }
inline std::string token_digest(std::string_view digest) { return join("d/", digest); }
inline std::string token_team(std::int64_t team) { return join("p/", be(team)); }
inline std::string token_count(std::int64_t team) { return join("c/", be(team)); }

// audit:  a/{org}\0{be position} -> be recorded_at_us, action type
//         t/{org}\0{be team}{be block} -> be positions: the team's entries in blocks of kAuditTeamBlock, in order
//         c/{org} -> be count   n/{org}\0{be team} -> be count
inline std::string audit_prefix(std::string_view org) { return join("a/", org, kEndPart); }
inline std::string audit(std::string_view org, std::uint64_t position) {
  return join("a/", org, kEndPart, Be64(position));
}
inline std::string audit_team_prefix(std::string_view org, std::int64_t team) {
  return join("t/", org, kEndPart, be(team));
}
// Entry n (from 1) of a team is in block (n - 1) / kAuditTeamBlock: a row per entry was a third of a rebuild's
// rows and the most costly to write, for an index that is only ever read a block at a time.
inline constexpr std::int64_t kAuditTeamBlock = 32;
inline std::string audit_team(std::string_view org, std::int64_t team, std::uint64_t block) {
  return join("t/", org, kEndPart, be(team), Be64(block));
}
inline std::string audit_count(std::string_view org) { return join("c/", org); }
inline std::string audit_team_count(std::string_view org, std::int64_t team) {
  return join("n/", org, kEndPart, be(team));
}

}  // namespace teamlog::keys
