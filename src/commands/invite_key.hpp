// The server key that invite secrets are derived from, kept in a file of its own (mode 0600) beside the data.
//
// An invite's secret is HMAC-SHA256(key, "teamlog-invite\0" || invite id || "\0" || nonce), written as 32
// characters of [a-z2-7] (160 bits). The log and the views hold only the nonce and SHA-256 of the secret, so
// neither they nor an export let anyone rebuild a link; the mailer, which has the key, can, for as long as the
// mail is due. Losing or replacing the key makes pending links unbuildable (the mailer records that as a failed
// delivery); a resend draws a new nonce and so a new, working link.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/event.hpp"
#include "events/result.hpp"

namespace teamlog::commands {

class InviteKey {
 public:
  explicit InviteKey(const Hash& key) : key_(key) {}

  // Reads the key from `path` (64 hex digits), or creates it from the CSPRNG with mode 0600 when the file does not
  // exist. Refuses a key file that other users can read or that does not hold a key.
  static Result<InviteKey> load_or_create(const std::string& path);

  std::string secret(std::int64_t invite, std::string_view nonce) const;

 private:
  Hash key_;
};

// The name of the key file in a data dir.
inline constexpr std::string_view kInviteKeyFile = "invite.key";

}  // namespace teamlog::commands
