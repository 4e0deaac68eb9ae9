// Token authentication as pretix's DRF stack does it: `Authorization: Token <secret>`, then the permission rule.
#pragma once

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
// hashed and looked up again while the tokens view is unchanged.
class GrantCache;
Result<projections::TokenGrant> authenticate(const HttpRequest& request, const projections::Queries& queries,
                                             const GrantCache* grants = nullptr);

// The grants of the last active token secrets each thread authenticated (per thread, 256 sets of 4 slots chosen by
// a hash of the secret). One is served only for exactly its secret (compared in constant time) and only while no
// change to the tokens view has become visible since it was read (Store::changes): a revoked token, a team's new
// permissions, a deleted team are seen by the next request, as without the cache. A secret pushed out is wiped
// from memory.
class GrantCache {
 public:
  GrantCache(const Store& store, ColumnId tokens_column);
  std::optional<projections::TokenGrant> find(std::string_view secret) const;
  // Read before the lookup whose grant is kept under it.
  std::uint64_t version() const { return store_.changes(column_); }
  void keep(std::string_view secret, const projections::TokenGrant& grant, std::uint64_t version) const;

 private:
  const Store& store_;
  const ColumnId column_;
  const std::uint64_t id_;  // tells this cache's entries from another's in the per-thread slots
};

// pretix's EventPermission for organizer-level routes: the token must belong to `organizer` (an unknown organizer
// fails the same way) and its team must hold `permission` (empty: none needed). kPermissionDenied otherwise.
Status authorize(const projections::TokenGrant& grant, std::string_view organizer, std::string_view permission);

}  // namespace teamlog::http::api
