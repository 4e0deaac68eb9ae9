// The storage encoding: every field survives, and bad bytes are errors, never crashes.
#include <catch2/catch.hpp>

#include "events/codec.hpp"
#include "events/crypto.hpp"

using namespace teamlog;

namespace {
Event sample() {
  Event e;
  e.position = 1234567890123ull;
  e.stream = "team-42";
  e.stream_version = 7;
  e.type = "pretix.team.created";
  e.schema_version = 3;
  e.recorded_at_us = 1764300000123456;
  e.actor = Actor{ActorType::kToken, -5, "Foo \xc3\xa9"};
  e.request_id = "req-abc";
  e.data = R"({"id":42,"name":"Foobar"})";
  e.hash = sha256("anything");
  return e;
}
}  // namespace

TEST_CASE("every envelope field survives an encode/decode round trip", "[codec]") {
  Event e = sample();
  auto decoded = decode_event(encode_event(e));
  REQUIRE(decoded.ok());
  CHECK(*decoded == e);

  Event empty;  // defaults and empty strings too
  auto d2 = decode_event(encode_event(empty));
  REQUIRE(d2.ok());
  CHECK(*d2 == empty);
}

TEST_CASE("every truncation of a stored event is reported as corruption", "[codec]") {
  std::string bytes = encode_event(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_event(std::string_view(bytes).substr(0, n));
    // Dropping trailing bytes shifts the hash window, so the payload no longer parses exactly.
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kCorruption);
  }
}

TEST_CASE("trailing bytes and unknown formats are refused, not misread", "[codec]") {
  std::string bytes = encode_event(sample());
  std::string longer = bytes;
  longer.insert(longer.size() - 32, "x");
  CHECK_FALSE(decode_event(longer).ok());

  std::string newer = bytes;
  newer[0] = static_cast<char>(kEventFormatVersion + 1);
  auto r = decode_event(newer);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("newer format") != std::string::npos);
}

TEST_CASE("a padded varint is refused, so that a stored record has exactly one reading", "[codec]") {
  Event e = sample();
  e.stream_version = 5;
  const std::string bytes = encode_event(e);
  // Byte 0 is the format, then position (6 bytes for this value), then stream_version: 0x05. As 0x85 0x00 it
  // would mean the same number.
  const std::size_t at = 1 + 6;
  REQUIRE(static_cast<unsigned char>(bytes[at]) == 0x05);
  std::string padded = bytes;
  padded.replace(at, 1, std::string("\x85\x00", 2));
  auto r = decode_event(padded);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kCorruption);
}

TEST_CASE("the chain hash depends on the predecessor and on every canonical byte", "[codec]") {
  Event e = sample();
  std::string canonical;
  encode_canonical(e, canonical);
  Hash zero{};
  Hash h = chain_hash(zero, canonical);
  CHECK(h != chain_hash(sha256("other"), canonical));
  canonical.back() ^= 1;
  CHECK(h != chain_hash(zero, canonical));
}

TEST_CASE("big-endian keys sort numerically", "[codec]") {
  CHECK(encode_be64(255) < encode_be64(256));
  CHECK(encode_be64(1) < encode_be64(1ull << 40));
  CHECK(decode_be64(encode_be64(0x0102030405060708ull)) == 0x0102030405060708ull);
}

TEST_CASE("secrets come from the CSPRNG in the requested alphabet and length", "[crypto]") {
  auto a = random_secret(64);
  auto b = random_secret(64);
  CHECK(a.size() == 64);
  CHECK(a != b);
  CHECK(a.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
  CHECK(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Hash parsed;
  REQUIRE(from_hex(to_hex(sha256("abc")), parsed));
  CHECK(parsed == sha256("abc"));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
}
