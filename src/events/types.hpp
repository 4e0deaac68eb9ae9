// The event catalogue: type names (pretix's audit action types where one exists) and stream names.
//
// Payloads are JSON objects (schema version 1), written by the commands layer and read by projections:
//   teamlog.organizer.created    {"slug","name"}
//   teamlog.user.created         {"id","email" (lowercased),"fullname" (string|null),"require_2fa"}
//   teamlog.event.created        {"organizer","id","slug","name" (string|object),"date_from","date_from_us"}
//   teamlog.event.deleted        {"organizer","id","slug"}
//   pretix.team.created          {"organizer","team","fields": {normalised team}, "log": pretix's data}
//   pretix.team.changed          {"organizer","team","fields": {team after the change}, "log": the request body}
//   pretix.team.deleted          {"organizer","team","log": {}}
//   pretix.team.member.added     {"organizer","team","user","email","log": {"email","user"}}
//   pretix.team.member.removed   {"organizer","team","user","email","log": {"email","user"}}
//   pretix.team.invite.created   {"organizer","team","invite","email","digest","nonce"?,"log": {"email"}}
//   pretix.team.invite.deleted   {"organizer","team","invite","email","log": {"email"}}
//   pretix.team.invite.resent    {"organizer","team","invite","email","digest","nonce","log": {"email"}}
//   pretix.team.invite.delivered {"organizer","team","invite","email","queued","via","attempts","log": {"email","via"}}
//   pretix.team.invite.delivery_failed
//                                {"organizer","team","invite","email","queued","attempts","error",
//                                 "log": {"email","error"}}
//   pretix.team.member.joined    {"organizer","team","invite","user","email","invite_email",
//                                 "log": {"email","invite_email","user"}}
//   pretix.team.token.created    {"organizer","team","token","name","digest","log": {"name","id"}}
//   pretix.team.token.deleted    {"organizer","team","token","name","log": {"name"}}
// "fields" holds name, all_events, limit_events (slugs) and the twelve can_* flags. "digest" is the hex SHA-256
// of a secret; the secret itself is never in an event. "nonce" (hex, 16 random bytes) makes an invite's secret
// HMAC-SHA256(server key, invite id, nonce) (commands/invite_key.hpp): the mailer can rebuild the link, nobody
// without the key file can; an invite created without a key (tools, old logs) has no nonce and gets no mail.
// "queued" is the position of the created or resent event whose mail was delivered (or given up). "log" is what pretix writes to its LogEntry.data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace teamlog::event_types {

inline constexpr std::string_view kOrganizerCreated = "teamlog.organizer.created";
inline constexpr std::string_view kUserCreated = "teamlog.user.created";
inline constexpr std::string_view kEventCreated = "teamlog.event.created";
inline constexpr std::string_view kEventDeleted = "teamlog.event.deleted";
inline constexpr std::string_view kTeamCreated = "pretix.team.created";
inline constexpr std::string_view kTeamChanged = "pretix.team.changed";
inline constexpr std::string_view kTeamDeleted = "pretix.team.deleted";
inline constexpr std::string_view kMemberAdded = "pretix.team.member.added";
inline constexpr std::string_view kMemberRemoved = "pretix.team.member.removed";
inline constexpr std::string_view kInviteCreated = "pretix.team.invite.created";
inline constexpr std::string_view kInviteDeleted = "pretix.team.invite.deleted";
inline constexpr std::string_view kInviteResent = "pretix.team.invite.resent";
inline constexpr std::string_view kInviteDelivered = "pretix.team.invite.delivered";
inline constexpr std::string_view kInviteDeliveryFailed = "pretix.team.invite.delivery_failed";
inline constexpr std::string_view kMemberJoined = "pretix.team.member.joined";
inline constexpr std::string_view kTokenCreated = "pretix.team.token.created";
inline constexpr std::string_view kTokenDeleted = "pretix.team.token.deleted";

inline std::string organizer_stream(std::string_view slug) { return "organizer-" + std::string(slug); }
inline std::string user_stream(std::int64_t id) { return "user-" + std::to_string(id); }
inline std::string event_stream(std::int64_t id) { return "event-" + std::to_string(id); }
inline std::string team_stream(std::int64_t id) { return "team-" + std::to_string(id); }

}  // namespace teamlog::event_types
