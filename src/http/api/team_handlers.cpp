// Teams, members, invites and API tokens: pretix's TeamViewSet and its three nested viewsets.
#include "http/api/handlers.hpp"

namespace teamlog::http::api {
namespace {

// GET list for a team's nested resource: the team lookup first (404), then the page.
template <class Fetch>
void serve_nested_list(Call& call, Fetch fetch) {
  // A non-numeric {team} is 404 without a read; whether the organizer has the team is read with the page, so that a
  // cached page (which goes when the team's row changes) needs no read of it.
  auto team = call.id_param("team");
  if (!team.ok()) return call.fail(team.error());
  call.send_page([&](std::int64_t offset, std::int64_t limit) { return fetch(*team, offset, limit); },
                 [&]() -> Status {
                   if (auto found = call.team(); !found.ok()) return std::move(found).error();
                   return {};
                 });
}

// GET detail for a team's nested resource.
template <class Find>
void serve_nested_detail(Call& call, Find find) {
  auto team = call.team();
  if (!team.ok()) return call.fail(team.error());
  auto id = call.id_param("id");
  if (!id.ok()) return call.fail(id.error());
  call.send_found(find(*team, *id));
}

// DELETE (or another write without a body) of a team's nested resource: non-numeric ids are 404 here; the command
// looks the rest up.
template <class MakeCommand>
void delete_nested(Call& call, MakeCommand make) {
  auto team = call.id_param("team");
  if (!team.ok()) return call.fail(team.error());
  auto id = call.id_param("id");
  if (!id.ok()) return call.fail(id.error());
  call.write(make(std::string(call.organizer()), *team, *id));
}

}  // namespace

void serve_teams(Call& call) {
  if (call.is_read()) {
    return call.send_page([&](std::int64_t offset, std::int64_t limit) {
      return call.queries().teams(call.organizer(), offset, limit);
    });
  }
  auto body = call.read_body();
  if (!body) return;
  call.write(commands::CreateTeam{std::string(call.organizer()), std::move(*body)});
}

void serve_team(Call& call) {
  if (call.is_read()) {
    auto id = call.id_param("team");
    if (!id.ok()) return call.fail(id.error());
    return call.send_found(call.queries().team(call.organizer(), *id));
  }
  // UpdateModelMixin looks the team up (404) before it reads the body.
  auto team = call.team();
  if (!team.ok()) return call.fail(team.error());
  const auto& method = call.request().method;
  if (method == "DELETE") return call.write(commands::DeleteTeam{std::string(call.organizer()), *team});
  auto body = call.read_body();
  if (!body) return;
  call.write(commands::UpdateTeam{std::string(call.organizer()), *team, std::move(*body), method == "PATCH"});
}

void serve_members(Call& call) {
  serve_nested_list(call, [&](std::int64_t team, std::int64_t offset, std::int64_t limit) {
    return call.queries().members(team, offset, limit);
  });
}

void serve_member(Call& call) {
  if (call.is_read()) {
    return serve_nested_detail(call, [&](std::int64_t team, std::int64_t id) { return call.queries().member(team, id); });
  }
  delete_nested(call, [](std::string organizer, std::int64_t team, std::int64_t id) {
    return commands::RemoveMember{std::move(organizer), team, id};
  });
}

void serve_invites(Call& call) {
  if (call.is_read()) {
    return serve_nested_list(call, [&](std::int64_t team, std::int64_t offset, std::int64_t limit) {
      return call.queries().invites(team, offset, limit);
    });
  }
  // DRF reads request.data while it builds the serializer, before the nested viewset looks its team up: a body
  // that cannot be read is answered before a missing team is.
  auto body = call.read_body();
  if (!body) return;
  auto team = call.id_param("team");
  if (!team.ok()) return call.fail(team.error());
  call.write(commands::CreateInvite{std::string(call.organizer()), *team, std::move(*body)});
}

void serve_invite(Call& call) {
  if (call.is_read()) {
    return serve_nested_detail(call, [&](std::int64_t team, std::int64_t id) { return call.queries().invite(team, id); });
  }
  delete_nested(call, [](std::string organizer, std::int64_t team, std::int64_t id) {
    return commands::DeleteInvite{std::move(organizer), team, id};
  });
}

void serve_invite_resend(Call& call) {
  delete_nested(call, [](std::string organizer, std::int64_t team, std::int64_t id) {
    return commands::ResendInvite{std::move(organizer), team, id};
  });
}

void serve_tokens(Call& call) {
  if (call.is_read()) {
    return serve_nested_list(call, [&](std::int64_t team, std::int64_t offset, std::int64_t limit) {
      return call.queries().tokens(team, offset, limit);
    });
  }
  // DRF reads request.data while it builds the serializer, before the nested viewset looks its team up: a body
  // that cannot be read is answered before a missing team is.
  auto body = call.read_body();
  if (!body) return;
  auto team = call.id_param("team");
  if (!team.ok()) return call.fail(team.error());
  call.write(commands::CreateToken{std::string(call.organizer()), *team, std::move(*body)});
}

void serve_token(Call& call) {
  if (call.is_read()) {
    return serve_nested_detail(call, [&](std::int64_t team, std::int64_t id) { return call.queries().token(team, id); });
  }
  delete_nested(call, [](std::string organizer, std::int64_t team, std::int64_t id) {
    return commands::RevokeToken{std::move(organizer), team, id};
  });
}

}  // namespace teamlog::http::api
