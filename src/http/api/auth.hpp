// Token authentication as pretix's DRF stack does it: `Authorization: Token <secret>`, then the permission rule.
#pragma once

#include <string_view>

#include "events/result.hpp"
#include "http/request.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::api {

// DRF's TokenAuthentication (keyword "Token"; pretix's DeviceTokenAuthentication, keyword "Device", fails the same
// way since teamlog has no devices). The keyword is case-insensitive. Errors are kUnauthenticated with DRF's
// messages; the secret is only ever hashed (SHA-256) and looked up by digest, never logged or echoed.
Result<projections::TokenGrant> authenticate(const HttpRequest& request, const projections::Queries& queries);

// pretix's EventPermission for organizer-level routes: the token must belong to `organizer` (an unknown organizer
// fails the same way) and its team must hold `permission` (empty: none needed). kPermissionDenied otherwise.
Status authorize(const projections::TokenGrant& grant, std::string_view organizer, std::string_view permission);

}  // namespace teamlog::http::api
