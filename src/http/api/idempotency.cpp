// Idempotency records: claim, store through the writer, replay.
#include "http/api/idempotency.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "events/codec.hpp"
#include "events/crypto.hpp"
#include "http/api/command_response.hpp"
#include "http/api/seal.hpp"

namespace teamlog::http::api {

struct Idempotency::InFlight {
  std::mutex mutex;
  std::unordered_set<std::string> keys;
};

namespace {

constexpr std::uint8_t kRecordVersion = 1;

// pretix deletes these instead of storing them: they are meant to be retried.
bool storable(unsigned status) { return status != 409 && status != 429 && status != 503; }

HttpResponse concurrent_request() {
  HttpResponse response = detail_response(409, "Concurrent request with idempotency key.");
  response.headers.emplace_back("Retry-After", "5");
  return response;
}

void append_be32(std::string& out, std::size_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xFF);
}

void append_bytes(std::string& out, std::string_view bytes) {
  append_be32(out, bytes.size());
  out += bytes;
}

// version | be64 time_us | be32 status | content type | be32 header count | (name, value)* | sealed body,
// every string as be32 length + bytes.
std::string encode_record(const HttpResponse& response, const Hash& seal_key, std::int64_t now_us) {
  std::string out(1, static_cast<char>(kRecordVersion));
  append_be64(out, static_cast<std::uint64_t>(now_us));
  append_be32(out, response.status);
  append_bytes(out, response.content_type);
  append_be32(out, response.headers.size());
  for (const auto& [name, value] : response.headers) {
    append_bytes(out, name);
    append_bytes(out, value);
  }
  append_bytes(out, seal(seal_key, response.body_view()));
  return out;
}

class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : rest_(bytes) {}
  bool u8(std::uint8_t& v) {
    if (rest_.empty()) return false;
    v = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (rest_.size() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(rest_[static_cast<std::size_t>(i)]);
    rest_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& v) {
    if (rest_.size() < 8) return false;
    v = decode_be64(rest_);
    rest_.remove_prefix(8);
    return true;
  }
  bool bytes(std::string& v) {
    std::uint32_t size = 0;
    if (!u32(size) || rest_.size() < size) return false;
    v.assign(rest_.substr(0, size));
    rest_.remove_prefix(size);
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// The version byte and the time a record starts with; false for a format this build does not know.
bool read_header(RecordReader& in, std::uint64_t& time_us) {
  std::uint8_t version = 0;
  return in.u8(version) && version == kRecordVersion && in.u64(time_us);
}

// Past pretix's lifetime: a repeat is then a new request, and the record may go.
bool expired(std::int64_t recorded_us, std::int64_t now_us) { return recorded_us + kIdempotencyLifetimeUs < now_us; }

struct StoredResponse {
  std::int64_t time_us = 0;
  HttpResponse response;
};

// nullopt for a record that does not read back: a format this build does not know, or bytes altered in the store.
// Answering afresh is then the safe choice.
std::optional<StoredResponse> decode_record(std::string_view stored, const Hash& seal_key) {
  RecordReader in(stored);
  std::uint64_t time_us = 0;
  std::uint32_t status = 0;
  std::uint32_t header_count = 0;
  StoredResponse record;
  HttpResponse& response = record.response;
  std::string sealed;
  std::string content_type;
  if (!read_header(in, time_us) || !in.u32(status) ||
      !in.bytes(content_type) || !in.u32(header_count)) {
    return std::nullopt;
  }
  const auto known_type = known_content_type(content_type);
  if (!known_type) return std::nullopt;
  response.content_type = *known_type;
  for (std::uint32_t i = 0; i < header_count; ++i) {
    std::string name;
    std::string value;
    if (!in.bytes(name) || !in.bytes(value)) return std::nullopt;
    response.headers.emplace_back(std::move(name), std::move(value));
  }
  if (!in.bytes(sealed) || !in.done()) return std::nullopt;
  auto body = unseal(seal_key, sealed);
  if (!body) return std::nullopt;
  record.time_us = static_cast<std::int64_t>(time_us);
  response.status = status;
  response.body = std::move(*body);
  return record;
}

void put_record(Transaction& tx, ColumnId column, const IdempotencyTicket& ticket, const HttpResponse& response,
                std::int64_t now_us) {
  if (!storable(response.status)) return;
  tx.put(column, ticket.record_key(), encode_record(response, ticket.seal_key(), now_us));
}

}  // namespace

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ColumnExpiry idempotency_expiry(std::function<std::int64_t()> now_us) {
  return ColumnExpiry{
      .column = std::string(kIdempotencyColumn),
      .expired = [now_us = std::move(now_us)](std::string_view record) {
        // The header's version and time, without unsealing the body (the seal key is not in the store).
        RecordReader in(record);
        std::uint64_t time_us = 0;
        return read_header(in, time_us) && expired(static_cast<std::int64_t>(time_us), now_us());
      },
  };
}

IdempotencyTicket::IdempotencyTicket(std::shared_ptr<Idempotency::InFlight> in_flight, std::string record_key,
                                     const Hash& seal_key)
    : in_flight_(std::move(in_flight)), record_key_(std::move(record_key)), seal_key_(seal_key) {}

IdempotencyTicket::~IdempotencyTicket() { release(); }

void IdempotencyTicket::release() {
  if (!in_flight_) return;
  {
    std::lock_guard lock(in_flight_->mutex);
    in_flight_->keys.erase(record_key_);
  }
  in_flight_.reset();
}

Idempotency::Idempotency(const Store& store, ColumnId column, commands::CommandWriter& writer, Clock clock)
    : store_(store),
      column_(column),
      writer_(writer),
      clock_(std::move(clock)),
      in_flight_(std::make_shared<InFlight>()) {}

Idempotency::Claim Idempotency::claim(const HttpRequest& request) {
  if (request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS") return Proceed{};
  if (!std::string_view(request.path).starts_with("/api/")) return Proceed{};
  // An invite acceptance carries no credentials to tie a stored response to (the secret is in the path, and is
  // consumed by the first success): repeats are answered afresh, a second acceptance with 404.
  if (std::string_view(request.path).starts_with("/api/v1/invites/")) return Proceed{};
  const auto key = request.header("x-idempotency-key");
  if (!key || key->empty()) return Proceed{};

  std::string material(request.header("authorization").value_or(""));
  material += '\n';
  material += *key;
  std::string record_key = to_hex(sha256(material));
  // A different hash of the same material: the record key is stored, the seal key never is.
  const Hash seal_key = sha256("teamlog idempotency seal\n", material);

  // Checking the record and claiming the key under one lock: a ticket is released only after its record is
  // durable and visible, so a repeat sees either the claim or the record, never neither.
  std::lock_guard lock(in_flight_->mutex);
  if (in_flight_->keys.contains(record_key)) return concurrent_request();
  if (auto stored = store_.get(column_, record_key)) {
    auto record = decode_record(*stored, seal_key);
    if (!record) {
      spdlog::warn("request {}: ignoring an unreadable idempotency record", request.request_id);
    } else if (!expired(record->time_us, clock_())) {
      return std::move(record->response);
    }
  }
  in_flight_->keys.insert(record_key);
  return std::make_shared<IdempotencyTicket>(in_flight_, std::move(record_key), seal_key);
}

void Idempotency::finish(std::shared_ptr<IdempotencyTicket> ticket, HttpResponse response, Respond respond) {
  if (!storable(response.status)) {
    ticket->release();
    respond(std::move(response));
    return;
  }
  auto shared = std::make_shared<HttpResponse>(std::move(response));
  auto store = [column = column_, clock = clock_, ticket, shared](Transaction& tx, const Result<commands::Decision>&) {
    put_record(tx, column, *ticket, *shared, clock());
  };
  // Whether or not the record made it to disk, this response is the answer; without the record a repeat is
  // simply answered afresh.
  auto done = [ticket, shared, respond = std::move(respond)](commands::Completion) {
    ticket->release();
    respond(std::move(*shared));
  };
  writer_.submit_record(std::move(store), std::move(done));
}

commands::CommandWriter::AlsoWrite Idempotency::record(std::shared_ptr<IdempotencyTicket> ticket,
                                                       std::string request_id) {
  return [column = column_, clock = clock_, ticket = std::move(ticket), request_id = std::move(request_id)](
             Transaction& tx, const Result<commands::Decision>& decision) {
    put_record(tx, column, *ticket, command_response(decision, request_id), clock());
  };
}

}  // namespace teamlog::http::api
