// Authorization header parsing, token lookup by digest, and the organizer permission check.
#include "http/api/auth.hpp"

#include <vector>

#include "events/crypto.hpp"
#include "http/api/error_response.hpp"
#include "events/utf8.hpp"

namespace teamlog::http::api {
namespace {

Error unauthenticated(std::string message) { return Error::make(ErrorCode::kUnauthenticated, std::move(message)); }

// bytes.split() with no argument: runs of ASCII whitespace separate, none at the ends.
std::vector<std::string_view> split_whitespace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  std::vector<std::string_view> parts;
  std::size_t i = s.find_first_not_of(kSpace);
  while (i != std::string_view::npos) {
    const std::size_t end = s.find_first_of(kSpace, i);
    parts.push_back(s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    i = end == std::string_view::npos ? end : s.find_first_not_of(kSpace, end);
  }
  return parts;
}

bool equals_lowercase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != lower[i]) return false;
  }
  return true;
}

}  // namespace

Result<projections::TokenGrant> authenticate(const HttpRequest& request, const projections::Queries& queries) {
  const auto header = request.header("authorization");
  const auto parts = split_whitespace(header.value_or(""));
  const bool token = !parts.empty() && equals_lowercase(parts[0], "token");
  const bool device = !parts.empty() && equals_lowercase(parts[0], "device");
  // Any other scheme is not ours to judge: DRF tries the next authenticator, finds no credentials, and the
  // permission check then answers "not provided".
  if (!token && !device) return unauthenticated("Authentication credentials were not provided.");
  if (parts.size() == 1) return unauthenticated("Invalid token header. No credentials provided.");
  if (parts.size() > 2) return unauthenticated("Invalid token header. Token string should not contain spaces.");
  if (!is_valid_utf8(parts[1])) {
    return unauthenticated("Invalid token header. Token string should not contain invalid characters.");
  }
  if (device) return unauthenticated("Invalid token.");
  auto grant = queries.token_by_digest(to_hex(sha256(parts[1])));
  if (!grant) return unauthenticated("Invalid token.");
  if (!grant->active) return unauthenticated("Token inactive or deleted.");
  return std::move(*grant);
}

Status authorize(const projections::TokenGrant& grant, std::string_view organizer, std::string_view permission) {
  // A token's organizer always exists, so comparing slugs also answers "unknown organizer" without a lookup.
  if (grant.organizer != organizer || (!permission.empty() && !grant.has(permission))) {
    return Error::make(ErrorCode::kPermissionDenied, std::string(kNoPermission));
  }
  return {};
}

}  // namespace teamlog::http::api
