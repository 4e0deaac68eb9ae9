// The route table of the service: patterns, methods, and what each route requires of the caller.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "http/router.hpp"

namespace teamlog::http::api {

enum class RouteId : int {
  kHealth,
  kMetrics,
  kTeams,
  kTeam,
  kMembers,
  kMember,
  kInvites,
  kInvite,
  kTokens,
  kToken,
  kEvents,
  kEvent,
  kAuditLog,
  kInviteResend,
  kInviteLink,     // GET /api/v1/invites/{secret}/
  kInviteAccept,   // POST /api/v1/invites/{secret}/accept/
  kInvitePage,     // GET/POST /invite/{secret}: the HTML page
};
inline constexpr std::size_t kRouteCount = 17;

struct RouteSpec {
  RouteId id;
  std::string_view pattern;
  MethodSet methods;  // GET routes also answer HEAD (the Router adds it)
  bool api = true;    // an /api/v1 route: token authentication, the organizer permission, OPTIONS metadata
  // pretix's `permission` (safe methods) and `write_permission` (every other method, routed or not, as DRF checks
  // permissions before it looks for a handler); empty: any token of the organizer.
  std::string_view read_permission;
  std::string_view write_permission;
  std::string_view view_name;  // DRF's get_view_name(), the "name" of the OPTIONS answer
  // Not api: the invite secret in the path is the credential; no token is asked for or looked at.
  bool secret_link = false;
};

const std::array<RouteSpec, kRouteCount>& route_specs();
const RouteSpec& route_spec(const Route& route);

// A Router with every route of route_specs(), tagged with its RouteId.
Router make_router();

}  // namespace teamlog::http::api
