// Flag and environment parsing for teamlogd. Values are taken as strings and checked here, so that every error
// names its source (flag or variable) and the value, which Boost.ProgramOptions' own messages do not.
#include "http/server_config.hpp"

#include <charconv>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>

namespace teamlog::http {
namespace po = boost::program_options;
namespace {

struct Option {
  const char* name;
  const char* env;
  const char* value_name;
  const char* help;
};

constexpr Option kOptions[] = {
    {"data-dir", "TEAMLOG_DATA_DIR", "DIR", "data directory (default ./data)"},
    {"listen", "TEAMLOG_LISTEN", "HOST:PORT", "address to listen on; port 0 picks a free port (default 127.0.0.1:8080)"},
    {"threads", "TEAMLOG_THREADS", "N", "I/O threads (default: the number of cores)"},
    {"log-level", "TEAMLOG_LOG_LEVEL", "LEVEL", "trace|debug|info|warn|error (default info)"},
    {"log-format", "TEAMLOG_LOG_FORMAT", "FORMAT", "text|json (default text)"},
    {"max-connections", "TEAMLOG_MAX_CONNECTIONS", "N", "open connections; more get 503 (default 10000)"},
    {"max-body-bytes", "TEAMLOG_MAX_BODY_BYTES", "N", "request body limit; larger gets 413 (default 1048576)"},
    {"max-header-bytes", "TEAMLOG_MAX_HEADER_BYTES", "N", "request header limit; larger gets 431 (default 16384)"},
    {"idle-timeout-s", "TEAMLOG_IDLE_TIMEOUT_S", "S", "close keep-alive connections idle this long (default 60)"},
    {"read-timeout-s", "TEAMLOG_READ_TIMEOUT_S", "S", "deadline for receiving a request or sending a response (default 30)"},
    {"shutdown-timeout-s", "TEAMLOG_SHUTDOWN_TIMEOUT_S", "S", "wait for in-flight requests on stop (default 10)"},
    {"public-url", "TEAMLOG_PUBLIC_URL", "URL", "base URL clients use, also of invite links (default http://HOST:PORT)"},
    {"smtp-url", "TEAMLOG_SMTP_URL", "URL", "send invite mails over SMTP: smtp://HOST:PORT (STARTTLS when offered) or smtps://HOST:PORT (default: .eml files in DATA_DIR/outbox-eml)"},
    {"smtp-user", "TEAMLOG_SMTP_USER", "USER", "SMTP login"},
    {"smtp-password-file", "TEAMLOG_SMTP_PASSWORD_FILE", "FILE", "file whose first line is the SMTP password"},
    {"mail-from", "TEAMLOG_MAIL_FROM", "ADDRESS", "sender of invite mails (default teamlog@localhost)"},
    {"mail-give-up-after", "TEAMLOG_MAIL_GIVE_UP_AFTER", "DURATION", "stop retrying a mail this long after it was queued: N with s, m, h or d (default 3d)"},
    {"mail-retry-base-ms", "TEAMLOG_MAIL_RETRY_BASE_MS", "MS", "first retry of a failed mail after this, doubling up to an hour (default 30000)"},
};

Error bad_value(const std::string& source, std::string_view expected, std::string_view got) {
  std::string message = source + ": expected " + std::string(expected) + ", got \"" + std::string(got) + "\"";
  return Error::make(ErrorCode::kInvalidArgument, std::move(message));
}

Result<std::uint64_t> parse_integer(const std::string& source, const std::string& text, std::uint64_t min,
                                    std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return bad_value(source, "an integer from " + std::to_string(min) + " to " + std::to_string(max), text);
  }
  return value;
}

Status parse_listen(const std::string& source, const std::string& text, ServerConfig& config) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {  // [IPv6]:PORT
    const std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad_value(source, "HOST:PORT", text);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) return bad_value(source, "HOST:PORT", text);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) return bad_value(source, "HOST:PORT with an IPv6 host in []", text);
  }
  if (host.empty()) return bad_value(source, "HOST:PORT", text);
  auto port_number = parse_integer(source + " port", port, 0, 65535);
  if (!port_number) return std::move(port_number).error();
  config.listen_host = std::move(host);
  config.listen_port = static_cast<std::uint16_t>(*port_number);
  return {};
}

// "90", "90s", "15m", "2h", "3d": a positive number of seconds, minutes, hours or days.
Result<std::chrono::seconds> parse_duration(const std::string& source, const std::string& text) {
  std::string digits = text;
  std::uint64_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 's': unit = 1; digits.pop_back(); break;
      case 'm': unit = 60; digits.pop_back(); break;
      case 'h': unit = 3600; digits.pop_back(); break;
      case 'd': unit = 86400; digits.pop_back(); break;
      default: break;
    }
  }
  constexpr std::uint64_t kMaxSeconds = std::uint64_t{366} * 86400;
  auto n = parse_integer(source, digits, 1, kMaxSeconds / unit);
  if (!n) return bad_value(source, "a duration such as 90s, 15m, 2h or 3d (at most a year)", text);
  return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(*n * unit));
}

}  // namespace

EnvGetter process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::string http_url(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ServerConfig> parse_config(int argc, const char* const* argv, const EnvGetter& env) {
  po::options_description description("Usage: teamlogd [options]\nEach option also reads TEAMLOG_<NAME> "
                                      "(e.g. TEAMLOG_LISTEN); a flag wins over its variable.\nOptions");
  description.add_options()("help", "print this help and exit")("version", "print the version and exit");
  for (const Option& option : kOptions) {
    description.add_options()(option.name, po::value<std::string>()->value_name(option.value_name), option.help);
  }

  ServerConfig config;
  std::ostringstream usage;
  usage << description;
  config.usage = usage.str();

  po::variables_map flags;
  try {
    po::store(po::command_line_parser(argc, argv).options(description).run(), flags);
  } catch (const po::error& e) {
    return Error::make(ErrorCode::kInvalidArgument, e.what());
  }
  if (flags.count("help")) {
    config.action = ServerConfig::Action::kHelp;
    return config;
  }
  if (flags.count("version")) {
    config.action = ServerConfig::Action::kVersion;
    return config;
  }

  const unsigned cores = std::thread::hardware_concurrency();
  config.threads = cores == 0 ? 1 : cores;

  for (const Option& option : kOptions) {
    const std::string name = option.name;
    std::string source;
    std::string text;
    if (flags.count(name)) {
      source = "--" + name;
      text = flags[name].as<std::string>();
    } else if (auto value = env(option.env)) {
      source = option.env;
      text = std::move(*value);
    } else {
      continue;
    }

    const auto integer = [&](std::uint64_t min, std::uint64_t max) { return parse_integer(source, text, min, max); };
    // Limits: at least one, at most what a 64-bit size or a sane deployment takes.
    constexpr std::uint64_t kMaxSize = std::uint64_t{1} << 40;
    if (name == "data-dir") {
      if (text.empty()) return bad_value(source, "a directory", text);
      config.data_dir = text;
    } else if (name == "listen") {
      if (Status s = parse_listen(source, text, config); !s) return std::move(s).error();
    } else if (name == "threads") {
      auto v = integer(1, 1024);
      if (!v) return std::move(v).error();
      config.threads = static_cast<unsigned>(*v);
    } else if (name == "log-level") {
      if (text == "trace") config.log_level = LogLevel::kTrace;
      else if (text == "debug") config.log_level = LogLevel::kDebug;
      else if (text == "info") config.log_level = LogLevel::kInfo;
      else if (text == "warn") config.log_level = LogLevel::kWarn;
      else if (text == "error") config.log_level = LogLevel::kError;
      else return bad_value(source, "one of trace, debug, info, warn, error", text);
    } else if (name == "log-format") {
      if (text == "text") config.log_format = LogFormat::kText;
      else if (text == "json") config.log_format = LogFormat::kJson;
      else return bad_value(source, "text or json", text);
    } else if (name == "max-connections") {
      auto v = integer(1, 1'000'000);
      if (!v) return std::move(v).error();
      config.max_connections = static_cast<std::size_t>(*v);
    } else if (name == "max-body-bytes") {
      auto v = integer(1, kMaxSize);
      if (!v) return std::move(v).error();
      config.max_body_bytes = static_cast<std::size_t>(*v);
    } else if (name == "max-header-bytes") {
      // Below 1 KiB ordinary browsers' requests would already be refused.
      auto v = integer(1024, 1 << 20);
      if (!v) return std::move(v).error();
      config.max_header_bytes = static_cast<std::size_t>(*v);
    } else if (name == "idle-timeout-s" || name == "read-timeout-s" || name == "shutdown-timeout-s") {
      auto v = integer(1, 86400);
      if (!v) return std::move(v).error();
      const std::chrono::seconds seconds(static_cast<std::chrono::seconds::rep>(*v));
      if (name == "idle-timeout-s") config.idle_timeout = seconds;
      else if (name == "read-timeout-s") config.read_timeout = seconds;
      else config.shutdown_timeout = seconds;
    } else if (name == "public-url") {
      if (!text.starts_with("http://") && !text.starts_with("https://")) {
        return bad_value(source, "an http:// or https:// URL", text);
      }
      while (text.ends_with('/')) text.pop_back();  // links are built as public_url + path
      config.public_url = text;
    } else if (name == "smtp-url") {
      if (!text.starts_with("smtp://") && !text.starts_with("smtps://")) {
        return bad_value(source, "an smtp:// or smtps:// URL", text);
      }
      config.smtp_url = text;
    } else if (name == "smtp-user") {
      config.smtp_user = text;
    } else if (name == "smtp-password-file") {
      if (text.empty()) return bad_value(source, "a file", text);
      config.smtp_password_file = text;
    } else if (name == "mail-from") {
      if (text.empty() || text.find_first_of("\r\n<>") != std::string::npos || text.find('@') == std::string::npos) {
        return bad_value(source, "an email address", text);
      }
      config.mail_from = text;
    } else if (name == "mail-give-up-after") {
      auto v = parse_duration(source, text);
      if (!v) return std::move(v).error();
      config.mail_give_up_after = *v;
    } else if (name == "mail-retry-base-ms") {
      auto v = integer(1, 86'400'000);
      if (!v) return std::move(v).error();
      config.mail_retry_base = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*v));
    }
  }
  if (!config.smtp_user.empty() && config.smtp_password_file.empty()) {
    return Error::make(ErrorCode::kInvalidArgument, "--smtp-user needs --smtp-password-file");
  }
  if (config.smtp_url.empty() && (!config.smtp_user.empty() || !config.smtp_password_file.empty())) {
    return Error::make(ErrorCode::kInvalidArgument, "--smtp-user and --smtp-password-file need --smtp-url");
  }
  return config;
}

}  // namespace teamlog::http
