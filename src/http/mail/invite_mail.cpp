// Rendering the invitation mail.
#include "http/mail/invite_mail.hpp"

#include "http/http_date.hpp"

namespace teamlog::http::mail {
namespace {

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  return out;
}

}  // namespace

std::string invite_link(std::string_view public_url, std::string_view secret) {
  std::string out(public_url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + "/invite/" + std::string(secret);
}

std::string url_host(std::string_view url) {
  const auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (rest.starts_with('[')) return std::string(rest.substr(1, rest.find(']') - 1));
  rest = rest.substr(0, rest.rfind(':') == std::string_view::npos ? rest.size() : rest.rfind(':'));
  return rest.empty() ? std::string("localhost") : std::string(rest);
}

std::string render_invite_mail(const InviteMail& mail) {
  const std::string organizer = one_line(mail.organizer);
  const std::string team = one_line(mail.team);
  std::string m;
  m += "From: " + one_line(mail.from) + "\r\n";
  m += "To: " + one_line(mail.to) + "\r\n";
  m += "Subject: " + std::string(kInviteSubject) + "\r\n";
  m += "Date: " + format_http_date(mail.date_us / 1'000'000) + "\r\n";
  m += "Message-ID: <" + one_line(mail.message_id) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "\r\n";
  m += "Hello,\r\n\r\n";
  m += "you have been invited to a team that manages the events of " + organizer + ".\r\n\r\n";
  m += "Organizer: " + organizer + "\r\n";
  m += "Team: " + team + "\r\n\r\n";
  m += "If you want to join that team, just click on the following link:\r\n";
  m += one_line(mail.link) + "\r\n\r\n";
  m += "If you do not want to join, you can safely ignore or delete this email.\r\n\r\n";
  m += "Best regards,\r\n\r\n";
  m += "Your teamlog\r\n";
  return m;
}

}  // namespace teamlog::http::mail
