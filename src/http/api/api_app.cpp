// Request pipeline: idempotency claim, routing, authentication, permission, method, then the route's handler.
#include "http/api/api_app.hpp"

#include <variant>

#include "http/api/auth.hpp"
#include "http/api/call.hpp"
#include "http/api/error_response.hpp"
#include "http/api/handlers.hpp"
#include "http/api/invite_link.hpp"
#include "http/api/reply.hpp"
#include "http/api/routes.hpp"
#include "projections/json_text.hpp"

namespace teamlog::http::api {
namespace {

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

// DRF's SimpleMetadata for OPTIONS: the view's name and description (pretix's viewsets have no docstring) and the
// media types of pretix's renderer and parsers. DRF adds an "actions" map of serializer field descriptions for the
// methods that take a body; teamlog leaves it out.
HttpResponse options_response(const RouteSpec& spec) {
  HttpResponse response;
  response.body = "{\"name\":";
  append_json_string(response.body, spec.view_name);
  response.body +=
      ",\"description\":\"\",\"renders\":[\"application/json\"],\"parses\":[\"application/json\","
      "\"application/x-www-form-urlencoded\",\"multipart/form-data\"]}";
  return response;
}

void serve_route(RouteId id, Call& call) {
  switch (id) {
    case RouteId::kTeams: return serve_teams(call);
    case RouteId::kTeam: return serve_team(call);
    case RouteId::kMembers: return serve_members(call);
    case RouteId::kMember: return serve_member(call);
    case RouteId::kInvites: return serve_invites(call);
    case RouteId::kInvite: return serve_invite(call);
    case RouteId::kTokens: return serve_tokens(call);
    case RouteId::kToken: return serve_token(call);
    case RouteId::kEvents: return serve_events(call);
    case RouteId::kEvent: return serve_event(call);
    case RouteId::kAuditLog: return serve_audit_log(call);
    case RouteId::kInviteResend: return serve_invite_resend(call);
    case RouteId::kHealth:
    case RouteId::kMetrics:
    case RouteId::kInviteLink:
    case RouteId::kInviteAccept:
    case RouteId::kInvitePage:
      break;  // not API routes: answered before authentication
  }
  call.fail(Error::make(ErrorCode::kInternal, "route without a handler"));
}

}  // namespace

Result<std::unique_ptr<ApiApplication>> ApiApplication::create(Store& store, const projections::ViewStore& views,
                                                               commands::CommandWriter& writer,
                                                               const MetricsRegistry& metrics, ApiOptions options) {
  auto column = store.ensure_column(kIdempotencyColumn);
  if (!column.ok()) return std::move(column).error();
  if (!options.clock) options.clock = system_now_us;
  while (!options.public_url.empty() && options.public_url.back() == '/') options.public_url.pop_back();
  return std::unique_ptr<ApiApplication>(new ApiApplication(store, views, writer, metrics, *column, std::move(options)));
}

ApiApplication::ApiApplication(Store& store, const projections::ViewStore& views, commands::CommandWriter& writer,
                               const MetricsRegistry& metrics, ColumnId idempotency_column, ApiOptions options)
    : store_(store),
      views_(views),
      writer_(writer),
      metrics_(metrics),
      options_(std::move(options)),
      router_(make_router()),
      idempotency_(store, idempotency_column, writer, options_.clock),
      grants_(store),
      page_cache_(options_.page_cache_bytes > 0 ? std::make_unique<PageCache>(store, options_.page_cache_bytes)
                                                : nullptr) {}

void ApiApplication::handle(HttpRequest request, std::function<void(HttpResponse)> respond) {
  const auto match = router_.match(request.path);
  const std::string_view route = match ? std::string_view(match->route->pattern) : std::string_view();

  // pretix's IdempotencyMiddleware wraps everything below, unknown routes and failed authentication included.
  auto claim = idempotency_.claim(request);
  if (auto* answer = std::get_if<HttpResponse>(&claim)) {
    answer->route = route;
    return respond(std::move(*answer));
  }
  auto* ticket = std::get_if<std::shared_ptr<IdempotencyTicket>>(&claim);
  Reply reply(idempotency_, writer_, std::move(respond), route, ticket ? std::move(*ticket) : nullptr,
              request.request_id);

  if (!match) {
    if (auto location = router_.redirect_target(request.method, request.path, request.query)) {
      return reply.send(redirect_response(std::move(*location)));
    }
    return reply.send(error_response(Error::make(ErrorCode::kNotFound, "Not found."), request.request_id));
  }
  const RouteSpec& spec = route_spec(*match->route);
  if (!spec.api) {
    if (!match->allows(request.method)) return reply.send(method_not_allowed(request.method, match->route->methods));
    if (spec.secret_link) {
      return serve_invite_link(spec.id, request, *match, projections::Queries(store_, views_.columns()), reply);
    }
    return reply.send(operations_response(spec.id));
  }

  const projections::Queries queries(store_, views_.columns(), &store_);
  auto grant = authenticate(request, queries, &grants_);
  if (!grant.ok()) return reply.send(error_response(grant.error(), request.request_id));
  const auto permission = is_safe_method(request.method) ? spec.read_permission : spec.write_permission;
  if (auto allowed = authorize(*grant, match->param("organizer"), permission); !allowed.ok()) {
    return reply.send(error_response(allowed.error(), request.request_id));
  }
  // DRF looks for the method's handler only after authentication and permission, and before any object lookup.
  if (!match->allows(request.method)) return reply.send(method_not_allowed(request.method, match->route->methods));
  if (request.method == "OPTIONS") return reply.send(options_response(spec));

  Call call(request, *match, *grant, queries, options_.public_url, reply, options_.invite_key, page_cache_.get());
  serve_route(spec.id, call);
}

HttpResponse ApiApplication::operations_response(RouteId id) const {
  HttpResponse response;
  if (id == RouteId::kMetrics) {
    response.content_type = kPrometheusContentType;
    response.body = metrics_.render();
  } else if (store_.failed()) {
    // After a failed write the server only reads (it acknowledges nothing it cannot prove durable): a load
    // balancer should send writes elsewhere and an operator should restart it.
    response.status = 503;
    response.body = "{\"status\":\"read-only\",\"position\":" + std::to_string(store_.head_position()) +
                    ",\"detail\":\"a disk write failed; writes are refused until the server is restarted\"}";
  } else {
    response.body = "{\"status\":\"ok\",\"position\":" + std::to_string(store_.head_position()) + "}";
  }
  return response;
}

}  // namespace teamlog::http::api
