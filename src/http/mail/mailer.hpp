// The mailer: a thread that drains the outbox (the invites view's due mails, written in the same batch as the
// invite's events), sends each mail over SMTP or into an .eml file, and records the outcome as an event through the
// command writer. Failed sends are retried with exponential backoff until the give-up time after the mail was
// queued; then the failure is recorded and the mail leaves the outbox. Retry state lives in memory: after a
// restart every due mail is tried at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "commands/invite_key.hpp"
#include "commands/writer.hpp"
#include "events/kv.hpp"
#include "projections/projections.hpp"

namespace teamlog::http::mail {

struct MailerOptions {
  std::string public_url;  // base of the accept links
  std::string mail_from = "teamlog@localhost";
  std::string smtp_url;    // empty: .eml files in eml_dir
  std::string smtp_user;
  std::string smtp_password;
  std::string eml_dir;
  std::chrono::milliseconds retry_base{30000};
  std::chrono::milliseconds retry_max{3600 * 1000};
  std::chrono::seconds give_up_after{3 * 86400};
  std::chrono::milliseconds smtp_timeout{60000};
  std::function<std::int64_t()> clock;  // UTC microseconds; empty: the system clock
};

class Mailer {
 public:
  // `state` is read for the outbox and the names in the mail (the store: durable state only).
  Mailer(const KvReader& state, const projections::ViewColumns& columns, commands::CommandWriter& writer,
         const commands::InviteKey& key, MailerOptions options);
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  void start();
  // Finishes the send in progress (bounded by the SMTP timeout), then joins.
  void stop();
  // Looks at the outbox now rather than at the next poll.
  void wake();

  // One pass over the outbox on the calling thread: every mail that is due is tried. Returns how many were
  // tried. For tests; start() runs passes on the mailer's thread.
  std::size_t run_once();

 private:
  struct Retry {
    std::uint64_t queued = 0;
    std::int64_t attempts = 0;
    std::int64_t next_us = 0;
  };
  void loop();
  std::int64_t now_us() const;

  const KvReader& state_;
  const projections::ViewColumns& columns_;
  commands::CommandWriter& writer_;
  const commands::InviteKey& key_;
  MailerOptions options_;
  std::map<std::int64_t, Retry> retries_;  // by invite id; only the mailer's thread touches it

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace teamlog::http::mail
