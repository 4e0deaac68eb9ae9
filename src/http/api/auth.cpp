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

// bytes.split() with no argument: runs of ASCII whitespace separate, none at the ends. Only the first two parts
// matter (keyword and secret); `count` tells whether there were more.
struct HeaderParts {
  std::array<std::string_view, 2> part;
  std::size_t count = 0;
};
// " \t\n\v\f\r": a byte test, where find_first_of with a set costs a memchr per character of every request's header.
constexpr bool ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

HeaderParts split_whitespace(std::string_view s) {
  HeaderParts parts;
  std::size_t i = 0;
  for (;;) {
    while (i < s.size() && ascii_space(s[i])) ++i;
    if (i == s.size()) return parts;
    const std::size_t start = i;
    while (i < s.size() && !ascii_space(s[i])) ++i;
    if (parts.count < parts.part.size()) parts.part[parts.count] = s.substr(start, i - start);
    ++parts.count;
  }
}

// The per-thread slots of every GrantCache. The secret is held in the slot itself (pretix's are 64 characters;
// longer ones are not kept), so that a lookup touches one place in memory.
constexpr std::size_t kMaxKeptSecret = 64;
struct GrantSlot {
  std::size_t secret_size = 0;
  std::array<char, kMaxKeptSecret> secret{};
  projections::TokenGrant grant;
  std::array<std::uint32_t, 2> stripes{};  // of the rows the grant was read from (GrantCache::Source)
  std::uint64_t version = 0;
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
  std::array<std::uint64_t, kGrantWays> owner{};  // GrantCache::id_; 0: empty
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

GrantCache::GrantCache(const Store& store) : store_(store), id_(next_cache_id.fetch_add(1) + 1) {}

std::uint64_t GrantCache::current(const std::array<std::uint32_t, 2>& stripes) const {
  return store_.changes_of_stripe(stripes[0]) + store_.changes_of_stripe(stripes[1]);
}

std::optional<projections::TokenGrant> GrantCache::find(std::string_view secret) const {
  const GrantSet& set = set_for(secret);
  for (std::size_t way = 0; way < kGrantWays; ++way) {
    const GrantSlot& slot = set.ways[way];
    if (set.owner[way] == id_ && constant_time_equal(slot.kept(), secret)) {
      if (slot.version == current(slot.stripes)) return slot.grant;
      return std::nullopt;  // keep() puts the secret's next grant into this way
    }
  }
  return std::nullopt;
}

void GrantCache::watch(Source& source, ColumnId column, std::string_view key) const {
  if (source.rows < source.stripes.size()) {
    const auto stripe = store_.change_stripe(column, key);
    source.stripes[source.rows] = stripe;
    source.version += store_.changes_of_stripe(stripe);
  }
  ++source.rows;
}

void GrantCache::keep(std::string_view secret, const projections::TokenGrant& grant, const Source& source) const {
  if (secret.size() > kMaxKeptSecret || source.rows != source.stripes.size()) return;
  GrantSet& set = set_for(secret);
  // The way that holds this secret already; else one of another cache, or whose grant is out of date; else the
  // ways take turns.
  std::size_t way = 0;
  while (way < kGrantWays && !(set.owner[way] == id_ && constant_time_equal(set.ways[way].kept(), secret))) ++way;
  if (way == kGrantWays) {
    way = 0;
    while (way < kGrantWays && set.owner[way] == id_ && set.ways[way].version == current(set.ways[way].stripes)) ++way;
  }
  if (way == kGrantWays) {
    way = set.next;
    set.next = static_cast<std::uint8_t>((set.next + 1) % kGrantWays);
  }
  GrantSlot& slot = set.ways[way];
  OPENSSL_cleanse(slot.secret.data(), slot.secret.size());
  std::copy(secret.begin(), secret.end(), slot.secret.begin());
  slot.secret_size = secret.size();
  slot.grant = grant;
  slot.stripes = source.stripes;
  slot.version = source.version;
  set.owner[way] = id_;
}

Result<projections::TokenGrant> authenticate(const HttpRequest& request, const projections::Queries& queries,
                                             const GrantCache* grants) {
  const auto header = request.header("authorization");
  const auto [part, count] = split_whitespace(header.value_or(""));
  const bool token = count > 0 && equals_lowercase(part[0], "token");
  const bool device = count > 0 && equals_lowercase(part[0], "device");
  // Any other scheme is not ours to judge: DRF tries the next authenticator, finds no credentials, and the
  // permission check then answers "not provided".
  if (!token && !device) return unauthenticated("Authentication credentials were not provided.");
  if (count == 1) return unauthenticated("Invalid token header. No credentials provided.");
  if (count > 2) return unauthenticated("Invalid token header. Token string should not contain spaces.");
  if (!is_valid_utf8(part[1])) {
    return unauthenticated("Invalid token header. Token string should not contain invalid characters.");
  }
  if (device) return unauthenticated("Invalid token.");
  GrantCache::Source source;
  projections::Queries::BeforeRead watch;
  if (grants != nullptr) {
    if (auto known = grants->find(part[1])) return std::move(*known);
    watch = [&](ColumnId column, std::string_view key) { grants->watch(source, column, key); };
  }
  auto grant = queries.token_by_digest(to_hex(sha256(part[1])), watch);
  if (!grant) return unauthenticated("Invalid token.");
  if (!grant->active) return unauthenticated("Token inactive or deleted.");
  if (grants != nullptr) grants->keep(part[1], *grant, source);
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
