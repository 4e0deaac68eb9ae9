// teamlogd's configuration: command-line flags, each with a TEAMLOG_* environment variable fallback.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "events/result.hpp"

namespace teamlog::http {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

struct ServerConfig {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  std::string usage;  // the --help text, filled by parse_config for every action

  std::string data_dir = "./data";
  std::string listen_host = "127.0.0.1";  // an IP literal or a name resolved at start; IPv6 without brackets
  std::uint16_t listen_port = 8080;       // 0: any free port
  unsigned threads = 1;                   // parse_config defaults it to the hardware concurrency
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kText;
  std::size_t max_connections = 10000;
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::size_t max_header_bytes = std::size_t{16} << 10;
  std::chrono::seconds idle_timeout{60};   // a keep-alive connection with no request in progress
  std::chrono::seconds read_timeout{30};   // a whole request, from its first byte; also each response write
  std::chrono::seconds shutdown_timeout{10};  // how long stop() waits for in-flight requests
  // Base URL clients reach us at (for absolute links). Empty: "http://HOST:PORT" of the bound socket, which is
  // only known after Server::start() when the port is 0.
  std::string public_url;

  // Invite mail. Without an SMTP URL, mails are written as .eml files into <data dir>/outbox-eml.
  std::string smtp_url;            // smtp://host:port or smtps://host:port
  std::string smtp_user;
  std::string smtp_password_file;  // the password is the file's first line
  std::string mail_from = "teamlog@localhost";
  std::chrono::seconds mail_give_up_after{3 * 86400};  // after this since a mail was queued, a failure is final
  std::chrono::milliseconds mail_retry_base{30000};    // the first retry; each next one waits twice as long
};

// Looks up an environment variable; nullopt when unset.
using EnvGetter = std::function<std::optional<std::string>(const std::string& name)>;
EnvGetter process_env();

// Parses flags over environment variables over defaults: `--listen` / `TEAMLOG_LISTEN`, `--max-body-bytes` /
// `TEAMLOG_MAX_BODY_BYTES`, ... (a flag wins over its variable). Errors are one line naming the flag or variable
// and the bad value, e.g. `--listen: expected HOST:PORT, got "abc"`.
Result<ServerConfig> parse_config(int argc, const char* const* argv, const EnvGetter& env);

// "http://HOST:PORT" with IPv6 hosts bracketed.
std::string http_url(const std::string& host, std::uint16_t port);

}  // namespace teamlog::http
