// The routes whose credential is an invite secret in the path: the invite page a person opens from the mail
// (`/invite/{secret}`, HTML) and its JSON twin for clients (`/api/v1/invites/{secret}/`, `.../accept/`).
#pragma once

#include "http/api/reply.hpp"
#include "http/api/routes.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::api {

// After routing and the method check. No token is asked for: the secret is looked up by its SHA-256 digest, so
// an unknown, consumed or revoked one answers 404 without any comparison of secrets.
void serve_invite_link(RouteId id, const HttpRequest& request, const RouteMatch& match,
                       const projections::Queries& queries, Reply& reply);

}  // namespace teamlog::http::api
