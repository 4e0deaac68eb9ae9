// The routes of pretix-teams-api.rst and DESIGN.md's additions.
#include "http/api/routes.hpp"

namespace teamlog::http::api {
namespace {

using enum Method;
constexpr std::string_view kTeams = "can_change_teams";
constexpr std::string_view kCreateEvents = "can_create_events";

// The permission names are those of the teams' flags (projections::kTeamFlagNames).
constexpr std::array<RouteSpec, kRouteCount> kRoutes{{
    {RouteId::kHealth, "/healthz", {kGet}, false, {}, {}, {}},
    {RouteId::kMetrics, "/metrics", {kGet}, false, {}, {}, {}},
    {RouteId::kTeams, "/api/v1/organizers/{organizer}/teams/", {kGet, kPost, kOptions}, true, kTeams, kTeams,
     "Team List"},
    {RouteId::kTeam, "/api/v1/organizers/{organizer}/teams/{team}/", {kGet, kPut, kPatch, kDelete, kOptions}, true,
     kTeams, kTeams, "Team Instance"},
    {RouteId::kMembers, "/api/v1/organizers/{organizer}/teams/{team}/members/", {kGet, kOptions}, true, kTeams,
     kTeams, "Team Member List"},
    {RouteId::kMember, "/api/v1/organizers/{organizer}/teams/{team}/members/{id}/", {kGet, kDelete, kOptions}, true,
     kTeams, kTeams, "Team Member Instance"},
    {RouteId::kInvites, "/api/v1/organizers/{organizer}/teams/{team}/invites/", {kGet, kPost, kOptions}, true,
     kTeams, kTeams, "Team Invite List"},
    {RouteId::kInvite, "/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/", {kGet, kDelete, kOptions}, true,
     kTeams, kTeams, "Team Invite Instance"},
    {RouteId::kTokens, "/api/v1/organizers/{organizer}/teams/{team}/tokens/", {kGet, kPost, kOptions}, true, kTeams,
     kTeams, "Team API Token List"},
    {RouteId::kToken, "/api/v1/organizers/{organizer}/teams/{team}/tokens/{id}/", {kGet, kDelete, kOptions}, true,
     kTeams, kTeams, "Team API Token Instance"},
    {RouteId::kEvents, "/api/v1/organizers/{organizer}/events/", {kGet, kPost, kOptions}, true, {}, kCreateEvents,
     "Event List"},
    {RouteId::kEvent, "/api/v1/organizers/{organizer}/events/{slug}/", {kGet, kDelete, kOptions}, true, {},
     kCreateEvents, "Event Instance"},
    {RouteId::kAuditLog, "/api/v1/organizers/{organizer}/auditlog/", {kGet, kOptions}, true, kTeams, kTeams,
     "Audit Log List"},
    {RouteId::kInviteResend, "/api/v1/organizers/{organizer}/teams/{team}/invites/{id}/resend/", {kPost, kOptions},
     true, kTeams, kTeams, "Team Invite Resend"},
    {RouteId::kInviteLink, "/api/v1/invites/{secret}/", {kGet}, false, {}, {}, {}, true},
    {RouteId::kInviteAccept, "/api/v1/invites/{secret}/accept/", {kPost}, false, {}, {}, {}, true},
    {RouteId::kInvitePage, "/invite/{secret}", {kGet, kPost}, false, {}, {}, {}, true},
}};

constexpr bool indexed_by_id() {
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    if (static_cast<std::size_t>(kRoutes[i].id) != i) return false;
  }
  return true;
}
static_assert(indexed_by_id(), "route_spec() indexes kRoutes by RouteId");

}  // namespace

const std::array<RouteSpec, kRouteCount>& route_specs() { return kRoutes; }

const RouteSpec& route_spec(const Route& route) { return kRoutes[static_cast<std::size_t>(route.id)]; }

Router make_router() {
  Router router;
  for (const auto& spec : kRoutes) router.add(static_cast<int>(spec.id), spec.pattern, spec.methods);
  return router;
}

}  // namespace teamlog::http::api
