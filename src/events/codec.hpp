// The event storage encoding (format 1, documented in docs/STORAGE.md) and the hash chain over it.
#pragma once

#include <string>
#include <string_view>

#include "events/event.hpp"
#include "events/result.hpp"

namespace teamlog {

inline constexpr std::uint8_t kEventFormatVersion = 1;

// Appends the canonical bytes of `event` (every field but the hash) to `out`.
void encode_canonical(const Event& event, std::string& out);
// The stored value: canonical bytes followed by the 32-byte hash.
std::string encode_event(const Event& event);
// Reads a stored value; any malformed, truncated or unknown-format input is a kCorruption error, never UB.
Result<Event> decode_event(std::string_view bytes);
// The same into an existing event, whose strings keep their capacity (cursors decode a million events with no
// allocation each). On an error `event` holds a mix of old and new fields.
Status decode_event_into(std::string_view bytes, Event& event);
// The hash an event must carry given its predecessor's hash (all zero before position 1).
Hash chain_hash(const Hash& previous, std::string_view canonical_bytes);

// Big-endian fixed-width keys, so that RocksDB's bytewise order is numeric order.
// The 8 bytes by value: a key part that needs no string of its own (folds build keys for every row they touch).
struct Be64 {
  char bytes[8];
  explicit Be64(std::uint64_t value) noexcept {
    for (int i = 7; i >= 0; --i, value >>= 8) bytes[i] = static_cast<char>(value & 0xff);
  }
  operator std::string_view() const noexcept { return {bytes, sizeof bytes}; }
};
std::string encode_be64(std::uint64_t value);
void append_be64(std::string& out, std::uint64_t value);
std::uint64_t decode_be64(std::string_view bytes);  // bytes.size() must be >= 8

}  // namespace teamlog
