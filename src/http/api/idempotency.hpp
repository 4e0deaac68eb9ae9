// X-Idempotency-Key as pretix's IdempotencyMiddleware: the first response to a key is stored and replayed to
// repeats by the same credentials; a repeat while the first is still in flight is refused with 409.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "commands/writer.hpp"
#include "events/store.hpp"
#include "http/request.hpp"

namespace teamlog::http::api {

inline constexpr std::string_view kIdempotencyColumn = "idempotency";
// pretix keeps keys for 24 hours (doc/api/fundamentals.rst); older records are ignored and overwritten.
inline constexpr std::int64_t kIdempotencyLifetimeUs = std::int64_t{24} * 3600 * 1000 * 1000;

class IdempotencyTicket;

// Now, in UTC microseconds since the epoch, by the system clock (the clock records are stamped and judged by).
std::int64_t system_now_us();

// The store's expiry for the kIdempotencyColumn: records past their lifetime by `now_us` go when RocksDB compacts
// them (at the latest a day after they were written to a table file); records it cannot read stay.
ColumnExpiry idempotency_expiry(std::function<std::int64_t()> now_us = system_now_us);

// Records live in the "idempotency" column under hex SHA-256(Authorization + "\n" + key), each with its status,
// Content-Type, extra headers, time and body; the body is sealed (seal.hpp) under a key derived from the same
// Authorization header, so the secret a token creation answers with is never readable from the store alone.
// A record is written in the same batch as the events of the request's command (CommandWriter's AlsoWrite), so a
// stored response and its effects land together or not at all.
class Idempotency {
 public:
  using Clock = std::function<std::int64_t()>;  // UTC microseconds since the epoch
  using Respond = std::function<void(HttpResponse)>;

  // `column` is the kIdempotencyColumn of `store`. Repeats are answered from what readers of `store` see, which
  // is only durable state, so a response is replayable once the client could have received it.
  Idempotency(const Store& store, ColumnId column, commands::CommandWriter& writer, Clock clock);

  struct Proceed {};  // no key, or not an unsafe /api/ request: handle it as usual
  using Claim = std::variant<Proceed, HttpResponse, std::shared_ptr<IdempotencyTicket>>;
  // A stored response to replay, 409 with `Retry-After: 5` while the first request with this key is in flight, or
  // a ticket: the request is now the one in flight for its key and its response must go through finish() or
  // record(). Thread-safe.
  Claim claim(const HttpRequest& request);

  // For a response decided without a command (401, 403, 404, 405, 415, a body that does not parse): stores it
  // through the writer, then releases the ticket and responds.
  void finish(std::shared_ptr<IdempotencyTicket> ticket, HttpResponse response, Respond respond);
  // For a command: the AlsoWrite that stores the response its decision renders to. The command's callback must
  // release() the ticket before it responds.
  commands::CommandWriter::AlsoWrite record(std::shared_ptr<IdempotencyTicket> ticket, std::string request_id);

  struct InFlight;

 private:
  const Store& store_;
  ColumnId column_;
  commands::CommandWriter& writer_;
  Clock clock_;
  std::shared_ptr<InFlight> in_flight_;
};

// A claimed key. Releasing it (explicitly, or when the last reference goes) lets repeats through.
class IdempotencyTicket {
 public:
  IdempotencyTicket(std::shared_ptr<Idempotency::InFlight> in_flight, std::string record_key, const Hash& seal_key);
  ~IdempotencyTicket();
  IdempotencyTicket(const IdempotencyTicket&) = delete;
  IdempotencyTicket& operator=(const IdempotencyTicket&) = delete;

  void release();
  const std::string& record_key() const { return record_key_; }
  const Hash& seal_key() const { return seal_key_; }

 private:
  std::shared_ptr<Idempotency::InFlight> in_flight_;
  std::string record_key_;
  Hash seal_key_;
};

}  // namespace teamlog::http::api
