// The invitation mail's text and the secret-free log path.
#include <catch2/catch.hpp>

#include "http/access_log.hpp"
#include "http/http_date.hpp"
#include "http/mail/invite_mail.hpp"

using namespace teamlog::http;
using namespace teamlog::http::mail;

TEST_CASE("the invitation mail names organizer and team, carries the link, and stays one message", "[http][mail]") {
  InviteMail m;
  m.from = "teams@example.org";
  m.to = "Ada@Example.org";
  m.organizer = "Demo\r\nBcc: evil@example.org";  // a name cannot add a header: line breaks become spaces
  m.team = "Ops\nTeam";
  m.link = invite_link("https://teams.example.org/", "abc234");
  m.message_id = "invite-1-2@teams.example.org";
  m.date_us = 784111777000000;  // 1994-11-06T08:49:37Z
  CHECK(m.link == "https://teams.example.org/invite/abc234");
  const auto text = render_invite_mail(m);
  const auto split = text.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  const auto head = text.substr(0, split + 2);
  CHECK(head ==
        "From: teams@example.org\r\nTo: Ada@Example.org\r\nSubject: Invitation to join a team\r\n"
        "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nMessage-ID: <invite-1-2@teams.example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
        "Auto-Submitted: auto-generated\r\n");
  CHECK(text.find("Organizer: Demo  Bcc: evil@example.org\r\n") != std::string::npos);
  CHECK(text.find("Team: Ops Team\r\n") != std::string::npos);
  CHECK(text.find("\r\nhttps://teams.example.org/invite/abc234\r\n") != std::string::npos);
  CHECK(text.find("If you do not want to join, you can safely ignore or delete this email.") != std::string::npos);
  // Every line ends in CRLF.
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
    REQUIRE(at > 0);
    CHECK(text[at - 1] == '\r');
  }
}

TEST_CASE("message ids take the public URL's host", "[http][mail]") {
  CHECK(url_host("https://teams.example.org:8443/x") == "teams.example.org");
  CHECK(url_host("http://127.0.0.1:8080") == "127.0.0.1");
  CHECK(url_host("http://[::1]:8080") == "::1");
  CHECK(url_host("") == "localhost");
  CHECK(format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_CASE("logs show invite paths without their secret", "[http][mail]") {
  CHECK(loggable_path("/invite/abcdef") == "/invite/<secret>");
  CHECK(loggable_path("/api/v1/invites/abcdef/") == "/api/v1/invites/<secret>/");
  CHECK(loggable_path("/api/v1/invites/abcdef/accept/") == "/api/v1/invites/<secret>/accept/");
  CHECK(loggable_path("/api/v1/organizers/o/teams/1/invites/2/") == "/api/v1/organizers/o/teams/1/invites/2/");
  CHECK(loggable_path("/healthz") == "/healthz");
}
