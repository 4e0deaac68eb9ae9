// Sending one message over SMTP with libcurl (STARTTLS when the server offers it on smtp://, TLS from the start on
// smtps://, AUTH when a user is configured). curl's headers stay in smtp.cpp.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "events/result.hpp"

namespace teamlog::http::mail {

struct SmtpOptions {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string user;
  std::string password;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};  // the whole exchange
};

// Call once, before any thread sends (curl_global_init is not thread-safe).
void smtp_global_init();
// After every thread that sent has ended.
void smtp_global_cleanup();

// Sends `message` (RFC 5322, CRLF lines) from `from` to `to`. kUnavailable with curl's reason on failure.
Status smtp_send(const SmtpOptions& options, std::string_view from, std::string_view to, std::string_view message);

}  // namespace teamlog::http::mail
