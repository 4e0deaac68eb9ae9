// The event envelope: what every entry of the log carries, and what an append asks for.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace teamlog {

using Hash = std::array<std::uint8_t, 32>;

enum class ActorType : std::uint8_t { kSystem = 0, kToken = 1, kUser = 2 };
const char* actor_type_name(ActorType type);

// Who caused an event: an API token, a user, or the system itself (init, migrations, mail delivery).
struct Actor {
  ActorType type = ActorType::kSystem;
  std::int64_t id = 0;
  std::string name;
  bool operator==(const Actor&) const = default;
};

// One stored event. `data` is the payload as canonical JSON text; its meaning is given by `type` and
// `schema_version` (upcasters in the domain layer read old versions).
struct Event {
  std::uint64_t position = 0;        // global, dense, commit-ordered, from 1
  std::string stream;                // e.g. "team-42"; never contains '\0'
  std::uint64_t stream_version = 0;  // dense per stream, from 1
  std::string type;                  // e.g. "pretix.team.created"
  std::uint32_t schema_version = 1;
  std::int64_t recorded_at_us = 0;   // UTC microseconds since the epoch; non-decreasing along positions
  Actor actor;
  std::string request_id;
  std::string data;
  Hash hash{};                       // SHA-256(previous hash || canonical bytes of this event)
  bool operator==(const Event&) const = default;
};

// What the appender expects of a stream's version just before its event lands.
struct ExpectedVersion {
  enum class Kind : std::uint8_t { kAny, kNoStream, kExact };
  Kind kind = Kind::kAny;
  std::uint64_t version = 0;
  static ExpectedVersion any() { return {Kind::kAny, 0}; }
  static ExpectedVersion no_stream() { return {Kind::kNoStream, 0}; }
  static ExpectedVersion exact(std::uint64_t v) { return {Kind::kExact, v}; }
};

struct ProposedEvent {
  std::string stream;
  ExpectedVersion expected;
  std::string type;
  std::uint32_t schema_version = 1;
  std::string data;
};

// One command's worth of events: they land together or not at all.
struct AppendRequest {
  std::vector<ProposedEvent> events;
  Actor actor;
  std::string request_id;
  // 0: the commit time. `teamlogctl import` sets the exported time, so that the hashes come out the same; it may
  // not be earlier than the previous event's.
  std::int64_t recorded_at_us = 0;
};

struct AppendResult {
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::int64_t recorded_at_us = 0;
  std::vector<std::uint64_t> stream_versions;  // one per event, in request order
};

}  // namespace teamlog
