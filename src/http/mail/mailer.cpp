// The outbox drain: due mails, backoff, .eml files, and the delivery events.
#include "http/mail/mailer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "events/crypto.hpp"
#include "events/thread_name.hpp"
#include "http/mail/invite_mail.hpp"
#include "http/mail/smtp.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::mail {
namespace {

constexpr std::size_t kPage = 100;
constexpr auto kMaxPoll = std::chrono::milliseconds(1000);

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The "name" of a stored organizer or team row.
std::string name_of(const std::optional<std::string>& row) {
  if (!row) return {};
  boost::system::error_code ec;
  auto v = boost::json::parse(*row, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* name = o ? o->if_contains("name") : nullptr;
  return name && name->is_string() ? std::string(name->get_string()) : std::string();
}

Status io_error(const std::string& what, const std::string& path) {
  return Error::make(ErrorCode::kUnavailable, what + " " + path + ": " + std::strerror(errno));
}

// Written whole or not at all (a temporary file renamed into place), readable by the owner only: it holds a link.
Status write_eml(const std::string& dir, const std::string& name, std::string_view message) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::make(ErrorCode::kUnavailable, "cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  const std::string path = dir + "/" + name;
  const std::string tmp = dir + "/." + name + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", tmp);
  const bool ok = ::write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return io_error("cannot write", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename into", path);
  return {};
}

}  // namespace

Mailer::Mailer(const KvReader& state, const projections::ViewColumns& columns, commands::CommandWriter& writer,
               const commands::InviteKey& key, MailerOptions options)
    : state_(state), columns_(columns), writer_(writer), key_(key), options_(std::move(options)) {
  if (!options_.clock) options_.clock = system_now_us;
}

Mailer::~Mailer() { stop(); }

void Mailer::start() {
  thread_ = std::thread([this] {
    name_this_thread("teamlog-mail");
    loop();
  });
}

void Mailer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Mailer::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

std::int64_t Mailer::now_us() const { return options_.clock(); }

void Mailer::loop() {
  const auto poll = std::min<std::chrono::milliseconds>(options_.retry_base, kMaxPoll);
  for (;;) {
    try {
      run_once();
    } catch (const std::exception& e) {
      spdlog::error("mail: a pass over the outbox failed: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, poll, [this] { return stopping_ || woken_; });
    if (stopping_) return;
    woken_ = false;
  }
}

std::size_t Mailer::run_once() {
  const projections::Queries q(state_, columns_);
  const bool smtp = !options_.smtp_url.empty();
  const SmtpOptions smtp_options{options_.smtp_url, options_.smtp_user, options_.smtp_password,
                                 std::min(options_.smtp_timeout, std::chrono::milliseconds(10000)),
                                 options_.smtp_timeout};
  std::set<std::int64_t> seen;
  std::size_t tried = 0;
  std::int64_t from = 0;
  for (;;) {
    const auto page = q.outbox(from, kPage);
    for (const auto& e : page) {
      from = e.invite + 1;
      seen.insert(e.invite);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return tried;
      }
      Retry& retry = retries_[e.invite];
      if (retry.queued != e.queued) retry = Retry{e.queued, 0, 0};
      const std::int64_t now = now_us();
      if (retry.next_us > now) continue;
      ++tried;
      ++retry.attempts;

      std::string error;
      bool final = false;
      const std::string secret = key_.secret(e.invite, e.nonce);
      if (to_hex(sha256(secret)) != e.digest) {
        // The key file was replaced since the invite was made: its link cannot be rebuilt. A resend makes a new one.
        error = "the invite key is not the one this invite was made with; resend the invite";
        final = true;
      } else {
        InviteMail mail;
        mail.from = options_.mail_from;
        mail.to = e.email;
        mail.organizer = name_of(q.organizer(e.organizer));
        mail.team = name_of(q.team(e.organizer, e.team));
        mail.link = invite_link(options_.public_url, secret);
        mail.message_id = "invite-" + std::to_string(e.invite) + "-" + std::to_string(e.queued) + "@" +
                          url_host(options_.public_url);
        mail.date_us = now;
        const std::string message = render_invite_mail(mail);
        const Status sent =
            smtp ? smtp_send(smtp_options, options_.mail_from, e.email, message)
                 : write_eml(options_.eml_dir,
                             "invite-" + std::to_string(e.invite) + "-" + std::to_string(e.queued) + ".eml", message);
        if (!sent.ok()) error = sent.error().message;
      }

      const auto give_up_us = std::chrono::duration_cast<std::chrono::microseconds>(options_.give_up_after).count();
      if (!error.empty() && !final && now < e.queued_at_us + give_up_us) {
        const auto backoff = std::min<std::int64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(options_.retry_max).count(),
            std::chrono::duration_cast<std::chrono::microseconds>(options_.retry_base).count()
                << std::min<std::int64_t>(retry.attempts - 1, 40));
        retry.next_us = now + backoff;
        spdlog::warn("mail: invite {} to {}: attempt {} failed ({}); next in {} ms", e.invite, e.email,
                     retry.attempts, error, backoff / 1000);
        continue;
      }
      commands::RecordInviteMail record{e.organizer, e.team,         e.invite, e.email, e.queued,
                                        retry.attempts, smtp ? "smtp" : "file", error};
      const auto done = writer_.execute(
          std::move(record),
          commands::Context{Actor{ActorType::kSystem, 0, "mailer"},
                            "mail-" + std::to_string(e.invite) + "-" + std::to_string(e.queued), {}});
      if (!done.decision.ok()) {
        // Not recorded: the mail stays due and goes out again later (at least once, never silently lost).
        retry.next_us = now + std::chrono::duration_cast<std::chrono::microseconds>(options_.retry_base).count();
        spdlog::error("mail: invite {}: recording the outcome failed: {}", e.invite, done.decision.error().to_string());
      } else if (error.empty()) {
        spdlog::info("mail: invite {} delivered to {} ({}, attempt {})", e.invite, e.email,
                     smtp ? "smtp" : options_.eml_dir, retry.attempts);
      } else {
        spdlog::error("mail: invite {} to {}: giving up after {} attempts: {}", e.invite, e.email, retry.attempts,
                      error);
      }
    }
    if (page.size() < kPage) break;
  }
  std::erase_if(retries_, [&](const auto& kv) { return !seen.contains(kv.first); });
  return tried;
}

}  // namespace teamlog::http::mail
