// The invitation mail: its text in the spirit of pretix's pretixcontrol/email/invitation.txt, as an RFC 5322
// message (CRLF lines, UTF-8 body).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace teamlog::http::mail {

struct InviteMail {
  std::string from;
  std::string to;
  std::string organizer;  // the organizer's name
  std::string team;       // the team's name
  std::string link;       // the accept link, with the secret
  std::string message_id;  // without the angle brackets, e.g. "invite-3-17@teams.example.org"
  std::int64_t date_us = 0;
};

inline constexpr std::string_view kInviteSubject = "Invitation to join a team";

// "<public_url>/invite/<secret>".
std::string invite_link(std::string_view public_url, std::string_view secret);

// The host of an http(s) URL ("teams.example.org" of "https://teams.example.org:8443/x"), for Message-IDs.
std::string url_host(std::string_view url);

// The whole message: headers, a blank line, the text. Names are put on one line each (line breaks in them become
// spaces), so nothing a team name holds can add a header or break the layout.
std::string render_invite_mail(const InviteMail& mail);

}  // namespace teamlog::http::mail
