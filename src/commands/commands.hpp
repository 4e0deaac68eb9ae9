// The commands of teamlog's domain and decide(state, command) -> events | error: pure functions of the views (read
// through any KvReader) that validate a command exactly as pretix would and say which events record it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "commands/input.hpp"
#include "commands/invite_key.hpp"
#include "events/event.hpp"
#include "events/kv.hpp"
#include "events/result.hpp"
#include "projections/projections.hpp"

namespace teamlog::commands {

struct InitOrganizer {
  std::string slug;
  std::string name;
  std::string admin_email;
  std::optional<std::string> admin_name;
};
struct CreateEvent { std::string organizer; Input body; };
struct DeleteEvent { std::string organizer; std::string slug; };
struct CreateTeam { std::string organizer; Input body; };
struct UpdateTeam { std::string organizer; std::int64_t team = 0; Input body; bool partial = false; };
struct DeleteTeam { std::string organizer; std::int64_t team = 0; };
struct RemoveMember { std::string organizer; std::int64_t team = 0; std::int64_t user = 0; };
struct CreateInvite { std::string organizer; std::int64_t team = 0; Input body; };
struct DeleteInvite { std::string organizer; std::int64_t team = 0; std::int64_t invite = 0; };
// Sends the invite's mail again, with a new secret (the earlier link stops working).
struct ResendInvite { std::string organizer; std::int64_t team = 0; std::int64_t invite = 0; };
// The person who holds an invite's secret joins its team; `digest` is the hex SHA-256 of the secret presented.
struct AcceptInvite { std::string digest; Input body; };
// The mailer's outcome for a queued invite mail: delivered (error empty), or given up with `error`.
struct RecordInviteMail {
  std::string organizer;
  std::int64_t team = 0;
  std::int64_t invite = 0;
  std::string email;
  std::uint64_t queued = 0;
  std::int64_t attempts = 0;
  std::string via;    // "smtp" or "file"
  std::string error;  // empty: delivered
};
struct CreateToken { std::string organizer; std::int64_t team = 0; Input body; };
struct RevokeToken { std::string organizer; std::int64_t team = 0; std::int64_t token = 0; };

using Command = std::variant<InitOrganizer, CreateEvent, DeleteEvent, CreateTeam, UpdateTeam, DeleteTeam, RemoveMember,
                             CreateInvite, DeleteInvite, CreateToken, RevokeToken, ResendInvite, AcceptInvite,
                             RecordInviteMail>;

const char* command_name(const Command& command);

// Who asks, and the secrets source (the CSPRNG; tests may substitute a deterministic one).
struct Context {
  Actor actor;
  std::string request_id;
  std::function<std::string(std::size_t length)> new_secret;  // empty: random_secret from the CSPRNG
  // Invite secrets are derived under this key, so that their mail can be sent later. Null (tools, tests of other
  // things): invites get a random secret that nobody can mail, and ResendInvite is refused.
  const InviteKey* invite_key = nullptr;
};

// What a successful command answers, as pretix's view would.
enum class Outcome { kCreated, kOk, kNoContent };

struct Decision {
  AppendRequest append;  // the events to record, all or nothing
  Outcome outcome = Outcome::kOk;
  std::string body;      // the response body (compact JSON); empty for kNoContent
};

// The answer to an invite acceptance, and to a secret that matches no invite.
inline constexpr const char* kInviteNotFound = "This invitation link is not valid: it may have been used already or revoked.";

// Not-found errors carry DRF's doc-era body text.
inline constexpr const char* kNotFound = "Not found.";

Result<Decision> decide(const KvReader& state, const projections::ViewColumns& columns, const Command& command,
                        const Context& context);

// pretix's LogEntry.data for a request body: keys sorted, values of keys naming a password, secret or API key
// masked; form input as its last value per key.
boost::json::object log_data(const Input& body);

}  // namespace teamlog::commands
