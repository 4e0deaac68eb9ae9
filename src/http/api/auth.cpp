// Authorization header parsing, token lookup by digest, and the organizer permission check.
#include "http/api/auth.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <openssl/crypto.h>

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

// The per-thread slots of every GrantCache. The secret is held in the slot itself (pretix's are 64 characters;
// longer ones are not kept), so that a lookup touches one place in memory.
constexpr std::size_t kMaxKeptSecret = 64;
struct GrantSlot {
  std::uint64_t owner = 0;  // GrantCache::id_; 0: empty
  std::uint64_t version = 0;
  std::size_t secret_size = 0;
  std::array<char, kMaxKeptSecret> secret{};
  projections::TokenGrant grant;
  std::string_view kept() const { return {secret.data(), secret_size}; }
  GrantSlot() = default;
  GrantSlot(const GrantSlot&) = delete;
  GrantSlot& operator=(const GrantSlot&) = delete;
  ~GrantSlot() { OPENSSL_cleanse(secret.data(), secret.size()); }
};
// 256 sets of 4 slots: a thread's few hundred secrets in use rarely push each other out (with one slot per hash,
// ~5% of 100 secrets shared a slot with another and both missed half the time).
constexpr std::size_t kGrantWays = 4;
constexpr std::size_t kGrantSets = 256;
struct GrantSet {
  std::array<GrantSlot, kGrantWays> ways;
  std::uint8_t next = 0;  // the way replaced next when none is free
};
std::atomic<std::uint64_t> next_cache_id{0};

GrantSet& set_for(std::string_view secret) {
  thread_local std::array<GrantSet, kGrantSets> sets;
  return sets[std::hash<std::string_view>{}(secret) % kGrantSets];
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

GrantCache::GrantCache(const Store& store, ColumnId tokens_column)
    : store_(store), column_(tokens_column), id_(next_cache_id.fetch_add(1) + 1) {}

std::optional<projections::TokenGrant> GrantCache::find(std::string_view secret) const {
  const std::uint64_t current = version();
  for (const GrantSlot& slot : set_for(secret).ways) {
    if (slot.owner == id_ && slot.version == current && constant_time_equal(slot.kept(), secret)) return slot.grant;
  }
  return std::nullopt;
}

void GrantCache::keep(std::string_view secret, const projections::TokenGrant& grant, std::uint64_t version) const {
  if (secret.size() > kMaxKeptSecret) return;
  GrantSet& set = set_for(secret);
  // A slot of another cache or of an older version of the tokens view than the current one is free; else the
  // ways take turns.
  const std::uint64_t current = this->version();
  GrantSlot* slot = nullptr;
  for (GrantSlot& way : set.ways) {
    if (way.owner != id_ || way.version != current) {
      slot = &way;
      break;
    }
  }
  if (slot == nullptr) {
    slot = &set.ways[set.next];
    set.next = static_cast<std::uint8_t>((set.next + 1) % kGrantWays);
  }
  OPENSSL_cleanse(slot->secret.data(), slot->secret.size());
  std::copy(secret.begin(), secret.end(), slot->secret.begin());
  slot->secret_size = secret.size();
  slot->owner = id_;
  slot->version = version;
  slot->grant = grant;
}

Result<projections::TokenGrant> authenticate(const HttpRequest& request, const projections::Queries& queries,
                                             const GrantCache* grants) {
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
  std::uint64_t version = 0;
  if (grants != nullptr) {
    if (auto known = grants->find(parts[1])) return std::move(*known);
    version = grants->version();  // before the lookup: a change after it moves the version on
  }
  auto grant = queries.token_by_digest(to_hex(sha256(parts[1])));
  if (!grant) return unauthenticated("Invalid token.");
  if (!grant->active) return unauthenticated("Token inactive or deleted.");
  if (grants != nullptr) grants->keep(parts[1], *grant, version);
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
