// Support for the invite mail tests: a real SMTP server (aiosmtpd) on loopback, and a server with an organizer.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace teamlog::blackbox {

// The tests folder of the source tree (smtp_sink.py, the browser script, node_modules).
std::string tests_dir();

// Debian's python3-aiosmtpd behind tests/blackbox/smtp_sink.py: every message becomes a file in its folder.
class SmtpSink {
 public:
  SmtpSink() = default;
  // Starts on `port` (0: any free one); with a user, AUTH is required.
  void start(std::uint16_t port = 0, const std::string& user = "", const std::string& password = "");
  void stop() { process_.stop(); }
  std::uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // The messages received so far, oldest first.
  std::vector<std::string> mails() const;
  // Waits (bounded) for at least n messages; returns what arrived.
  std::vector<std::string> wait_for(std::size_t n, std::chrono::milliseconds bound = std::chrono::seconds(15)) const;

 private:
  testing::TempDir dir_;
  BackgroundProcess process_;
  std::uint16_t port_ = 0;
};

// teamlogd with organizer "demo" (name "Demo Org") and its admin token.
struct MailServer {
  explicit MailServer(std::vector<std::string> args);
  Api api() { return Api(server.port(), init.token); }
  std::string invites_path() const;
  // POSTs an invite; returns its id.
  std::int64_t invite(const std::string& email);
  // The action types of the organizer's audit trail, oldest first.
  std::vector<std::string> audit_types();

  TeamlogServer server;
  InitResult init;
};

// The accept link in a mail (the first "http" URL containing "/invite/"), or "" if none.
std::string link_in(const std::string& mail);
// The secret at the end of a link.
std::string secret_of(const std::string& link);
// The path of a link ("/invite/..."), for the HTTP client.
std::string path_of(const std::string& link);
// Waits (bounded) until pred() holds; returns whether it did.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds bound = std::chrono::seconds(15));

}  // namespace teamlog::blackbox
