// SHA-256, hex and CSPRNG secrets (OpenSSL), shared by the log's hash chain and the secret digests.
#pragma once

#include <string>
#include <string_view>

#include "events/event.hpp"

namespace teamlog {

Hash sha256(std::string_view bytes);
// SHA-256 over the concatenation of two byte strings, without building the concatenation.
Hash sha256(std::string_view first, std::string_view second);
// HMAC-SHA256 of `message` under `key`.
Hash hmac_sha256(const Hash& key, std::string_view message);
std::string to_hex(const Hash& hash);
std::string to_hex(std::string_view bytes);
// Parses 64 hex digits; false on anything else.
bool from_hex(std::string_view hex, Hash& out);

// A secret of `length` characters drawn uniformly from `alphabet` with the CSPRNG (rejection sampling, no
// modulo bias). pretix's tokens are 64 (API) or 32 (invite) characters of [a-z0-9].
std::string random_secret(std::size_t length, std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789");

// Compares without an early exit, so the time taken does not depend on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace teamlog
