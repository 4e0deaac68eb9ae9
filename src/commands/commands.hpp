// The commands of teamlog's domain and decide(state, command) -> events | error: pure functions of the views (read
// through any KvReader) that validate a command exactly as pretix would and say which events record it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "commands/input.hpp"
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
struct CreateToken { std::string organizer; std::int64_t team = 0; Input body; };
struct RevokeToken { std::string organizer; std::int64_t team = 0; std::int64_t token = 0; };

using Command = std::variant<InitOrganizer, CreateEvent, DeleteEvent, CreateTeam, UpdateTeam, DeleteTeam, RemoveMember,
                             CreateInvite, DeleteInvite, CreateToken, RevokeToken>;

const char* command_name(const Command& command);

// Who asks, and the secrets source (the CSPRNG; tests may substitute a deterministic one).
struct Context {
  Actor actor;
  std::string request_id;
  std::function<std::string(std::size_t length)> new_secret;  // empty: random_secret from the CSPRNG
};

// What a successful command answers, as pretix's view would.
enum class Outcome { kCreated, kOk, kNoContent };

struct Decision {
  AppendRequest append;  // the events to record, all or nothing
  Outcome outcome = Outcome::kOk;
  std::string body;      // the response body (compact JSON); empty for kNoContent
};

// Not-found errors carry DRF's doc-era body text.
inline constexpr const char* kNotFound = "Not found.";

Result<Decision> decide(const KvReader& state, const projections::ViewColumns& columns, const Command& command,
                        const Context& context);

// pretix's LogEntry.data for a request body: keys sorted, values of keys naming a password, secret or API key
// masked; form input as its last value per key.
boost::json::object log_data(const Input& body);

}  // namespace teamlog::commands
