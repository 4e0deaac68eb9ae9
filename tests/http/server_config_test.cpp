// Configuration: defaults, flags over environment, one-line errors naming the source and the value.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "http/server_config.hpp"

using namespace teamlog::http;

namespace {

teamlog::Result<ServerConfig> parse(std::vector<const char*> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "teamlogd");
  return parse_config(static_cast<int>(args.size()), args.data(),
                      [env](const std::string& name) -> std::optional<std::string> {
                        auto it = env.find(name);
                        if (it == env.end()) return std::nullopt;
                        return it->second;
                      });
}

std::string error_of(std::vector<const char*> args, std::map<std::string, std::string> env = {}) {
  auto config = parse(std::move(args), std::move(env));
  REQUIRE_FALSE(config);
  return config.error().message;
}

}  // namespace

TEST_CASE("without flags or environment the documented defaults apply", "[http][config]") {
  const auto config = parse({});
  REQUIRE(config);
  CHECK(config->action == ServerConfig::Action::kRun);
  CHECK(config->data_dir == "./data");
  CHECK(config->listen_host == "127.0.0.1");
  CHECK(config->listen_port == 8080);
  CHECK(config->threads >= 1);
  CHECK(config->log_level == LogLevel::kInfo);
  CHECK(config->log_format == LogFormat::kText);
  CHECK(config->max_connections == 10000);
  CHECK(config->max_body_bytes == 1048576);
  CHECK(config->max_header_bytes == 16384);
  CHECK(config->idle_timeout == std::chrono::seconds(60));
  CHECK(config->read_timeout == std::chrono::seconds(30));
  CHECK(config->public_url.empty());
}

TEST_CASE("every option is read from flags, and from TEAMLOG_* variables where no flag is given",
          "[http][config]") {
  const auto config = parse({"--listen", "[::1]:0", "--threads=3", "--log-format", "json", "--public-url",
                             "https://teams.example/"},
                            {{"TEAMLOG_THREADS", "7"},
                             {"TEAMLOG_DATA_DIR", "/var/lib/teamlog"},
                             {"TEAMLOG_LOG_LEVEL", "debug"},
                             {"TEAMLOG_MAX_CONNECTIONS", "5"},
                             {"TEAMLOG_MAX_BODY_BYTES", "2048"},
                             {"TEAMLOG_MAX_HEADER_BYTES", "4096"},
                             {"TEAMLOG_IDLE_TIMEOUT_S", "9"},
                             {"TEAMLOG_READ_TIMEOUT_S", "8"},
                             {"TEAMLOG_SHUTDOWN_TIMEOUT_S", "2"}});
  REQUIRE(config);
  CHECK(config->listen_host == "::1");
  CHECK(config->listen_port == 0);
  CHECK(config->threads == 3);  // the flag wins
  CHECK(config->log_format == LogFormat::kJson);
  CHECK(config->public_url == "https://teams.example");
  CHECK(config->data_dir == "/var/lib/teamlog");
  CHECK(config->log_level == LogLevel::kDebug);
  CHECK(config->max_connections == 5);
  CHECK(config->max_body_bytes == 2048);
  CHECK(config->max_header_bytes == 4096);
  CHECK(config->idle_timeout == std::chrono::seconds(9));
  CHECK(config->read_timeout == std::chrono::seconds(8));
  CHECK(config->shutdown_timeout == std::chrono::seconds(2));
}

TEST_CASE("bad values give one-line errors naming the flag or variable and the value", "[http][config]") {
  CHECK(error_of({"--listen", "abc"}) == "--listen: expected HOST:PORT, got \"abc\"");
  CHECK(error_of({"--listen", ":80"}) == "--listen: expected HOST:PORT, got \":80\"");
  CHECK(error_of({"--listen", "::1:80"}) == "--listen: expected HOST:PORT with an IPv6 host in [], got \"::1:80\"");
  CHECK(error_of({"--listen", "localhost:99999"}) ==
        "--listen port: expected an integer from 0 to 65535, got \"99999\"");
  CHECK(error_of({}, {{"TEAMLOG_THREADS", "many"}}) ==
        "TEAMLOG_THREADS: expected an integer from 1 to 1024, got \"many\"");
  CHECK(error_of({"--threads", "0"}) == "--threads: expected an integer from 1 to 1024, got \"0\"");
  CHECK(error_of({"--log-level", "loud"}) ==
        "--log-level: expected one of trace, debug, info, warn, error, got \"loud\"");
  CHECK(error_of({"--log-format", "xml"}) == "--log-format: expected text or json, got \"xml\"");
  CHECK(error_of({"--public-url", "teams.example"}) ==
        "--public-url: expected an http:// or https:// URL, got \"teams.example\"");
  CHECK(error_of({"--max-body-bytes", "-1"}) ==
        "--max-body-bytes: expected an integer from 1 to 1099511627776, got \"-1\"");
  CHECK(error_of({"--bogus"}).find("bogus") != std::string::npos);
}

TEST_CASE("--help and --version are actions, with the usage text available", "[http][config]") {
  const auto help = parse({"--help"});
  REQUIRE(help);
  CHECK(help->action == ServerConfig::Action::kHelp);
  CHECK(help->usage.find("--max-header-bytes") != std::string::npos);
  const auto version = parse({"--version", "--threads", "nonsense"});
  REQUIRE(version);
  CHECK(version->action == ServerConfig::Action::kVersion);
}

TEST_CASE("http_url brackets IPv6 hosts", "[http][config]") {
  CHECK(http_url("127.0.0.1", 80) == "http://127.0.0.1:80");
  CHECK(http_url("::1", 8080) == "http://[::1]:8080");
}

TEST_CASE("the mail settings: SMTP URL, login, sender, give-up time and retry base", "[http][config]") {
  const auto defaults = parse({});
  REQUIRE(defaults);
  CHECK(defaults->smtp_url.empty());
  CHECK(defaults->mail_from == "teamlog@localhost");
  CHECK(defaults->mail_give_up_after == std::chrono::seconds(3 * 86400));
  CHECK(defaults->mail_retry_base == std::chrono::milliseconds(30000));
  const auto config = parse({"--smtp-url", "smtps://mail.example.org:465", "--smtp-user", "u", "--smtp-password-file",
                             "/run/pw", "--mail-from", "teams@example.org", "--mail-give-up-after", "2h",
                             "--mail-retry-base-ms", "50"});
  REQUIRE(config);
  CHECK(config->smtp_url == "smtps://mail.example.org:465");
  CHECK(config->smtp_user == "u");
  CHECK(config->smtp_password_file == "/run/pw");
  CHECK(config->mail_from == "teams@example.org");
  CHECK(config->mail_give_up_after == std::chrono::seconds(7200));
  CHECK(config->mail_retry_base == std::chrono::milliseconds(50));
  CHECK(parse({}, {{"TEAMLOG_MAIL_GIVE_UP_AFTER", "90"}})->mail_give_up_after == std::chrono::seconds(90));
  CHECK(parse({"--mail-give-up-after", "15m"})->mail_give_up_after == std::chrono::seconds(900));
  CHECK(parse({"--mail-give-up-after", "3d"})->mail_give_up_after == std::chrono::seconds(3 * 86400));

  CHECK(error_of({"--smtp-url", "http://x"}) == "--smtp-url: expected an smtp:// or smtps:// URL, got \"http://x\"");
  CHECK(error_of({"--mail-give-up-after", "soon"}) ==
        "--mail-give-up-after: expected a duration such as 90s, 15m, 2h or 3d (at most a year), got \"soon\"");
  CHECK(error_of({"--mail-give-up-after", "0s"}).starts_with("--mail-give-up-after: expected a duration"));
  CHECK(error_of({"--mail-from", "nobody"}) == "--mail-from: expected an email address, got \"nobody\"");
  CHECK(error_of({"--mail-retry-base-ms", "0"}).starts_with("--mail-retry-base-ms: expected an integer from 1"));
  CHECK(error_of({"--smtp-url", "smtp://x:25", "--smtp-user", "u"}) == "--smtp-user needs --smtp-password-file");
  CHECK(error_of({"--smtp-user", "u", "--smtp-password-file", "/f"}) ==
        "--smtp-user and --smtp-password-file need --smtp-url");
}
