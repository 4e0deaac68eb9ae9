// teamlogd: the composition root (config -> logging -> store -> projections -> writer -> API -> server; signals).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "commands/invite_key.hpp"
#include "commands/writer.hpp"
#include "events/store.hpp"
#include "http/api/api_app.hpp"
#include "http/api/idempotency.hpp"
#include "http/api/service_metrics.hpp"
#include "http/logging.hpp"
#include "http/mail/mailer.hpp"
#include "http/mail/smtp.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/server_config.hpp"
#include "projections/view_store.hpp"

namespace {

using namespace teamlog;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;  // bad configuration, or a data dir that cannot be opened (e.g. held by another process)

// Everything after the configuration: returns the exit code.
int serve(const http::ServerConfig& config, const sigset_t& stop_signals) {
  // Read before anything is opened or created: a bad password file changes nothing.
  std::string smtp_password;
  if (!config.smtp_password_file.empty()) {
    std::ifstream in(config.smtp_password_file);
    if (!in || !std::getline(in, smtp_password)) {
      spdlog::error("teamlogd: --smtp-password-file {}: cannot read a password from it", config.smtp_password_file);
      return kExitUsage;
    }
    if (!smtp_password.empty() && smtp_password.back() == '\r') smtp_password.pop_back();
  }
  // Idempotency records past pretix's 24 h go when their files are compacted.
  auto store = Store::open(StoreOptions{.path = config.data_dir, .expiring = {http::api::idempotency_expiry()}});
  if (!store.ok()) {
    // The store's message names the dir (and says when another process holds it); nothing was written.
    spdlog::error("teamlogd: {}", store.error().message);
    return kExitUsage;
  }
  std::error_code ec;
  const auto data_dir = std::filesystem::absolute(config.data_dir, ec);
  spdlog::info("data dir {} (log head at position {})", ec ? config.data_dir : data_dir.string(),
               (*store)->head_position());

  auto views = projections::ViewStore::open(**store, [](const std::string& message) { spdlog::info("views: {}", message); });
  if (!views.ok()) {
    spdlog::error("teamlogd: opening the views failed: {}", views.error().to_string());
    return kExitFailure;
  }
  const std::string dir = ec ? config.data_dir : data_dir.string();
  auto invite_key = commands::InviteKey::load_or_create(dir + "/" + std::string(commands::kInviteKeyFile));
  if (!invite_key.ok()) {
    spdlog::error("teamlogd: {}", invite_key.error().message);
    return kExitUsage;
  }
  commands::CommandWriter writer(**store, **views);
  // After the store and the writer, which its callbacks read, so that it goes first.
  http::MetricsRegistry metrics;
  http::api::register_service_metrics(metrics, **store, writer);
  auto app = http::api::ApiApplication::create(**store, **views, writer, metrics,
                                               {.public_url = config.public_url, .invite_key = &*invite_key});
  if (!app.ok()) {
    spdlog::error("teamlogd: {}", app.error().to_string());
    return kExitFailure;
  }
  http::Server server(**app, config, &metrics);
  auto endpoint = server.start();
  if (!endpoint.ok()) {
    spdlog::error("teamlogd: {}", endpoint.error().message);
    return kExitFailure;
  }
  http::mail::MailerOptions mail_options{
      .public_url = config.public_url.empty() ? endpoint->url() : config.public_url,
      .mail_from = config.mail_from,
      .smtp_url = config.smtp_url,
      .smtp_user = config.smtp_user,
      .smtp_password = smtp_password,
      .eml_dir = dir + "/outbox-eml",
      .retry_base = config.mail_retry_base,
      .give_up_after = config.mail_give_up_after,
  };
  if (config.smtp_url.empty()) {
    spdlog::info("mail: no --smtp-url; invite mails are written to {}", mail_options.eml_dir);
  } else {
    spdlog::info("mail: invite mails go to {} from {}", config.smtp_url, config.mail_from);
  }
  http::mail::Mailer mailer(**store, (*views)->columns(), writer, *invite_key, std::move(mail_options));
  mailer.start();

  // The line scripts and tests wait for: plain, whatever the log format, and flushed at once.
  const std::string ready = "listening on " + endpoint->url() + "\n";
  std::fwrite(ready.data(), 1, ready.size(), stderr);
  std::fflush(stderr);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("{}: stopping (finishing requests in flight)", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop();
  mailer.stop();  // finishes the send in progress; what is still due goes out after the next start
  writer.stop();  // writes whatever is queued, then joins
  http::access_logger()->flush();  // the access lines are buffered (at most ~100 ms)
  spdlog::info("stopped at log position {}", (*store)->head_position());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto config = http::parse_config(argc, argv, http::process_env());
  if (!config.ok()) {
    std::fprintf(stderr, "teamlogd: %s\n", config.error().message.c_str());
    return kExitUsage;
  }
  if (config->action == http::ServerConfig::Action::kHelp) {
    std::fputs(config->usage.c_str(), stdout);
    return 0;
  }
  if (config->action == http::ServerConfig::Action::kVersion) {
    std::printf("teamlogd %s\n", TEAMLOG_VERSION);
    return 0;
  }
  // Blocked before any thread exists, so every thread (RocksDB's, the server's, the writer's) inherits the mask and
  // SIGTERM/SIGINT reach only the sigwait in serve().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  http::setup_logging(config->log_level, config->log_format);
  http::mail::smtp_global_init();  // before any thread exists
  const int code = serve(*config, stop_signals);
  http::mail::smtp_global_cleanup();
  return code;
}
