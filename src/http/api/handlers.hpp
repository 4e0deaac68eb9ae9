// The resource handlers: each serves one route after routing, authentication, the permission check and the
// method check have passed, so a handler sees only its route's allowed methods. Thin by design: parse the path and
// the body, then read a view or submit a command.
#pragma once

#include "http/api/call.hpp"

namespace teamlog::http::api {

void serve_teams(Call& call);
void serve_team(Call& call);
void serve_members(Call& call);
void serve_member(Call& call);
void serve_invites(Call& call);
void serve_invite(Call& call);
void serve_tokens(Call& call);
void serve_token(Call& call);
void serve_events(Call& call);
void serve_event(Call& call);
void serve_audit_log(Call& call);
void serve_invite_resend(Call& call);

}  // namespace teamlog::http::api
