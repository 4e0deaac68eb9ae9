// Token authentication as pretix's DRF stack does it: `Authorization: Token <secret>`, then the permission rule.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "events/result.hpp"
#include "events/store.hpp"
#include "http/request.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::api {

// DRF's TokenAuthentication (keyword "Token"; pretix's DeviceTokenAuthentication, keyword "Device", fails the same
// way since teamlog has no devices). The keyword is case-insensitive. Errors are kUnauthenticated with DRF's
// messages; the secret is only ever hashed (SHA-256) and looked up by digest, never logged or echoed.
//
// With a GrantCache, a secret seen again on the same thread (every request of a connection, as a rule) is not
// hashed and looked up again while the two rows its grant was read from are unchanged.
class GrantCache;
Result<projections::TokenGrant> authenticate(const HttpRequest& request, const projections::Queries& queries,
                                             const GrantCache* grants = nullptr);

// The grants of the last active token secrets each thread authenticated (per thread, 256 sets of 4 slots chosen by
// a hash of the secret). One is served only for exactly its secret (compared in constant time) and only while no
// change to the rows it was read from (the token's digest row and its team's row) has become visible since they
// were read (Store::change_stripe): a revoked token, a team's new permissions, a deleted team are seen by the next
// request, as without the cache, while writes to other tokens and teams leave it be. A secret pushed out is wiped
// from memory.
class GrantCache {
 public:
  explicit GrantCache(const Store& store);
  std::optional<projections::TokenGrant> find(std::string_view secret) const;
  // The rows a grant is read from: each one's change stripe, and the sum of their counts, each read before its row.
  struct Source {
    std::array<std::uint32_t, 2> stripes{};
    std::size_t rows = 0;  // more than the stripes hold: not kept
    std::uint64_t version = 0;
  };
  // Call just before reading a row of the grant (Queries::token_by_digest's before_read).
  void watch(Source& source, ColumnId column, std::string_view key) const;
  void keep(std::string_view secret, const projections::TokenGrant& grant, const Source& source) const;

 private:
  std::uint64_t current(const std::array<std::uint32_t, 2>& stripes) const;

  const Store& store_;
  const std::uint64_t id_;  // tells this cache's entries from another's in the per-thread slots
};

// pretix's EventPermission for organizer-level routes: the token must belong to `organizer` (an unknown organizer
// fails the same way) and its team must hold `permission` (empty: none needed). kPermissionDenied otherwise.
Status authorize(const projections::TokenGrant& grant, std::string_view organizer, std::string_view permission);

}  // namespace teamlog::http::api
