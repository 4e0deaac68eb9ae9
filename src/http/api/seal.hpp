// Authenticated encryption of stored response bodies (AES-256-GCM, OpenSSL), so that a stored response that
// carries a secret (a new API token) is unreadable without the credentials of the client it was made for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/event.hpp"

namespace teamlog::http::api {

// A random 96-bit nonce, the ciphertext and the 128-bit tag, concatenated.
std::string seal(const Hash& key, std::string_view plaintext);
// nullopt when `sealed` was not made with `key` or was altered.
std::optional<std::string> unseal(const Hash& key, std::string_view sealed);

}  // namespace teamlog::http::api
