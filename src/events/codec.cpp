// Format-1 event encoding: varints and length-prefixed strings, then the hash.
#include "events/codec.hpp"

#include "events/crypto.hpp"

namespace teamlog {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      auto b = static_cast<std::uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return false;  // would overflow 64 bits
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      // Only the shortest form is accepted (a last byte of 0 after others would be padding), so that a stored
      // record has exactly one reading and re-encodes to the same bytes (found by the codec fuzz target).
      if ((b & 0x80) == 0) return shift == 0 || b != 0;
    }
    return false;
  }
  bool byte(std::uint8_t& b) {
    if (pos_ >= in_.size()) return false;
    b = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool fixed64(std::uint64_t& v) {
    if (in_.size() - pos_ < 8) return false;
    v = decode_be64(in_.substr(pos_, 8));
    pos_ += 8;
    return true;
  }
  bool bytes(std::string& s) {
    std::uint64_t n = 0;
    if (!varint(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

void append_be64(std::string& out, std::uint64_t value) { out.append(Be64(value)); }

std::string encode_be64(std::uint64_t value) { return std::string(Be64(value)); }

std::uint64_t decode_be64(std::string_view bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes[i]);
  return v;
}

void encode_canonical(const Event& e, std::string& out) {
  out.push_back(static_cast<char>(kEventFormatVersion));
  put_varint(out, e.position);
  put_varint(out, e.stream_version);
  put_varint(out, e.schema_version);
  append_be64(out, static_cast<std::uint64_t>(e.recorded_at_us));
  out.push_back(static_cast<char>(e.actor.type));
  put_varint(out, zigzag(e.actor.id));
  put_bytes(out, e.stream);
  put_bytes(out, e.type);
  put_bytes(out, e.actor.name);
  put_bytes(out, e.request_id);
  put_bytes(out, e.data);
}

std::string encode_event(const Event& e) {
  std::string out;
  out.reserve(64 + e.stream.size() + e.type.size() + e.actor.name.size() + e.request_id.size() + e.data.size());
  encode_canonical(e, out);
  out.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
  return out;
}

Status decode_event_into(std::string_view bytes, Event& e) {
  auto bad = [](const char* what) { return Error::make(ErrorCode::kCorruption, std::string("event record: ") + what); };
  if (bytes.size() < 1 + 32) return bad("too short");
  Reader r(bytes.substr(0, bytes.size() - 32));
  std::uint8_t format = 0;
  (void)r.byte(format);
  if (format != kEventFormatVersion) {
    return bad(format > kEventFormatVersion ? "written by a newer format version" : "unknown format version");
  }
  std::uint64_t schema = 0, at = 0, actor_id = 0;
  std::uint8_t actor_type = 0;
  if (!r.varint(e.position) || !r.varint(e.stream_version) || !r.varint(schema) || !r.fixed64(at) ||
      !r.byte(actor_type) || !r.varint(actor_id) || !r.bytes(e.stream) || !r.bytes(e.type) ||
      !r.bytes(e.actor.name) || !r.bytes(e.request_id) || !r.bytes(e.data)) {
    return bad("truncated or malformed field");
  }
  if (r.remaining() != 0) return bad("trailing bytes");
  if (schema > 0xffffffffu) return bad("schema version out of range");
  if (actor_type > static_cast<std::uint8_t>(ActorType::kUser)) return bad("unknown actor type");
  e.schema_version = static_cast<std::uint32_t>(schema);
  e.recorded_at_us = static_cast<std::int64_t>(at);
  e.actor.type = static_cast<ActorType>(actor_type);
  e.actor.id = unzigzag(actor_id);
  const auto* h = reinterpret_cast<const std::uint8_t*>(bytes.data() + bytes.size() - 32);
  std::copy(h, h + 32, e.hash.begin());
  return {};
}

Result<Event> decode_event(std::string_view bytes) {
  Event e;
  auto s = decode_event_into(bytes, e);
  if (!s.ok()) return std::move(s).error();
  return e;
}

Hash chain_hash(const Hash& previous, std::string_view canonical_bytes) {
  return sha256(std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()), canonical_bytes);
}

const char* actor_type_name(ActorType type) {
  switch (type) {
    case ActorType::kSystem: return "system";
    case ActorType::kToken: return "token";
    case ActorType::kUser: return "user";
  }
  return "unknown";
}

}  // namespace teamlog
