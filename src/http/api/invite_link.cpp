// The invite page (small, accessible HTML, no scripts) and the JSON lookup and acceptance.
#include "http/api/invite_link.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <variant>

#include "commands/commands.hpp"
#include "events/crypto.hpp"
#include "http/api/error_response.hpp"
#include "http/api/request_body.hpp"
#include "projections/json_text.hpp"

namespace teamlog::http::api {
namespace {

constexpr std::size_t kMaxSecretBytes = 128;  // ours are 32; anything much longer is not worth hashing

struct InviteInfo {
  projections::InviteRef ref;
  std::string digest;
  std::string organizer_row;  // {"slug","name"}
  std::string organizer_name;
  std::string team_name;
};

std::string name_in(std::string_view row) {
  auto v = boost::json::parse(row);
  return std::string(v.as_object().at("name").as_string());
}

std::optional<InviteInfo> find_invite(const projections::Queries& queries, std::string_view secret) {
  if (secret.empty() || secret.size() > kMaxSecretBytes) return std::nullopt;
  InviteInfo info;
  info.digest = to_hex(sha256(secret));
  auto ref = queries.invite_by_digest(info.digest);
  if (!ref) return std::nullopt;
  auto organizer = queries.organizer(ref->organizer);
  auto team = queries.team(ref->organizer, ref->team);
  if (!organizer || !team) return std::nullopt;
  info.ref = std::move(*ref);
  info.organizer_row = std::move(*organizer);
  info.organizer_name = name_in(info.organizer_row);
  info.team_name = name_in(*team);
  return info;
}

// Nothing that holds a secret link may be cached, framed, or leak its URL in a Referer.
void secret_page_headers(HttpResponse& response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

HttpResponse html_page(unsigned status, std::string_view title, std::string_view body) {
  HttpResponse response;
  response.status = status;
  response.content_type = kHtmlContentType;
  secret_page_headers(response);
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'");
  response.body =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      escape(title) +
      "</title>\n<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
      "line-height:1.5;color:#222}dt{font-weight:600}dd{margin:0 0 .5rem 0}label{display:block;font-weight:600;"
      "margin-top:1rem}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}button{font:inherit;"
      "margin-top:1rem;padding:.5rem 1.5rem}.error{color:#a00000}</style>\n</head>\n<body>\n<main>\n<h1>" +
      escape(title) + "</h1>\n" + std::string(body) + "</main>\n</body>\n</html>\n";
  return response;
}

HttpResponse not_found_page() {
  return html_page(404, "Invitation not found",
                   "<p>" + escape(commands::kInviteNotFound) +
                       "</p>\n<p>Ask the team's administrators to invite you again.</p>\n");
}

HttpResponse join_page(unsigned status, const InviteInfo& info, std::string_view fullname,
                       const std::vector<std::string>& errors) {
  std::string body = "<p>You have been invited to join a team.</p>\n<dl>\n<dt>Organizer</dt><dd>" +
                     escape(info.organizer_name) + "</dd>\n<dt>Team</dt><dd>" + escape(info.team_name) +
                     "</dd>\n<dt>Email</dt><dd>" + escape(info.ref.email) + "</dd>\n</dl>\n";
  body += "<form method=\"post\">\n<label for=\"fullname\">Full name</label>\n";
  body += "<input id=\"fullname\" name=\"fullname\" type=\"text\" autocomplete=\"name\" maxlength=\"255\" value=\"" +
          escape(fullname) + "\"";
  if (!errors.empty()) body += " aria-invalid=\"true\" aria-describedby=\"fullname-error\"";
  body += ">\n";
  if (!errors.empty()) {
    body += "<p id=\"fullname-error\" class=\"error\" role=\"alert\">";
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (i > 0) body += ' ';
      body += escape(errors[i]);
    }
    body += "</p>\n";
  }
  body += "<button type=\"submit\">Join</button>\n</form>\n";
  return html_page(status, "Join the team " + info.team_name, body);
}

// The page for an acceptance's outcome.
HttpResponse accept_page(const Result<commands::Decision>& decision, std::string_view request_id,
                         const InviteInfo& info, const std::string& fullname) {
  if (decision.ok()) {
    const auto result = boost::json::parse(decision->body).as_object();
    const auto email = std::string(result.at("user").as_object().at("email").as_string());
    return html_page(200, "Welcome to the team " + info.team_name,
                     "<p role=\"status\">You have joined the team <strong>" + escape(info.team_name) + "</strong> of " +
                         escape(info.organizer_name) + " as " + escape(email) + ".</p>\n");
  }
  const Error& error = decision.error();
  if (error.code == ErrorCode::kNotFound) return not_found_page();
  if (error.code == ErrorCode::kInvalidArgument && !error.fields.empty()) {
    std::vector<std::string> messages;
    for (const auto& f : error.fields) messages.push_back(f.message);
    return join_page(400, info, fullname, messages);
  }
  if (error.code == ErrorCode::kInvalidArgument) {
    return html_page(400, "You cannot join this team", "<p role=\"alert\">" + escape(error.message) + "</p>\n");
  }
  const HttpResponse json = error_response(error, request_id);
  return html_page(json.status, "Something went wrong",
                   "<p role=\"alert\">Your request could not be completed. Please try again in a moment.</p>\n"
                   "<p>Request id: " + escape(request_id) + "</p>\n");
}

commands::Context invitee_context(const HttpRequest& request) {
  // decide() records the joining user as the actor; this one only stands in until then.
  return commands::Context{Actor{ActorType::kSystem, 0, "invite"}, request.request_id, {}};
}

}  // namespace

void serve_invite_link(RouteId id, const HttpRequest& request, const RouteMatch& match,
                       const projections::Queries& queries, Reply& reply) {
  const auto info = find_invite(queries, match.param("secret"));
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (id == RouteId::kInvitePage) {
    if (!info) return reply.send(not_found_page());
    if (read) return reply.send(join_page(200, *info, "", {}));
    auto body = read_input(request);
    if (auto* response = std::get_if<HttpResponse>(&body)) return reply.send(std::move(*response));
    auto input = std::get<commands::Input>(std::move(body));
    std::string fullname;
    if (input.is_form()) fullname = std::string(input.form_value("fullname").value_or(""));
    reply.write(commands::AcceptInvite{info->digest, std::move(input)}, invitee_context(request),
                [info = *info, fullname](const Result<commands::Decision>& decision, std::string_view request_id) {
                  return accept_page(decision, request_id, info, fullname);
                });
    return;
  }
  if (!info) {
    HttpResponse response = detail_response(404, commands::kInviteNotFound);
    secret_page_headers(response);
    return reply.send(std::move(response));
  }
  if (id == RouteId::kInviteLink) {
    HttpResponse response;
    secret_page_headers(response);
    response.body = "{\"organizer\":" + info->organizer_row + ",\"team\":" +
                    to_json(boost::json::object{{"id", info->ref.team}, {"name", info->team_name}}) + ",\"email\":";
    append_json_string(response.body, info->ref.email);
    response.body += "}";
    return reply.send(std::move(response));
  }
  auto body = read_input(request);
  if (auto* response = std::get_if<HttpResponse>(&body)) return reply.send(std::move(*response));
  reply.write(commands::AcceptInvite{info->digest, std::get<commands::Input>(std::move(body))},
              invitee_context(request));
}

}  // namespace teamlog::http::api
