// JSON bodies: limits and DRF's parse-error detail; the ujson-style writer.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "http/json_body.hpp"
#include "events/number_format.hpp"

using namespace teamlog;
using namespace teamlog::http;

TEST_CASE("a JSON body parses into a value, and an empty body is an empty object", "[http][json]") {
  const auto value = parse_json_body(R"({"name":"Admins","can_create_events":true,"limit_events":[]})");
  REQUIRE(value);
  CHECK(value->at("name") == "Admins");
  const auto empty = parse_json_body("");
  REQUIRE(empty);
  CHECK(empty->is_object());
  CHECK(empty->as_object().empty());
}

TEST_CASE("a malformed JSON body gives DRF's JSON parse error detail", "[http][json]") {
  const auto bad = parse_json_body(R"({"name": )");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == teamlog::ErrorCode::kInvalidArgument);
  CHECK(bad.error().message.rfind("JSON parse error - ", 0) == 0);
}

TEST_CASE("JSON nested deeper than the limit is rejected", "[http][json]") {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK(parse_json_body(ok));
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  const auto bad = parse_json_body(deep);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "JSON parse error - too deep");
}

TEST_CASE("JSON with invalid UTF-8 is rejected with the byte offset", "[http][json]") {
  const auto bad = parse_json_body("{\"name\":\"a\xC3\x28\"}");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "JSON parse error - invalid UTF-8 at byte 10");
  // Overlong encodings and encoded surrogates are not UTF-8 either.
  CHECK_FALSE(parse_json_body("\"\xC0\xAF\""));
  CHECK_FALSE(parse_json_body("\"\xED\xA0\x80\""));
}

TEST_CASE("a JSON body over the byte limit is rejected", "[http][json]") {
  const auto bad = parse_json_body(R"({"a":"bbbbbbbb"})", JsonLimits{64, 8});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "JSON parse error - body larger than 8 bytes");
}

TEST_CASE("strings are written like ujson with ensure_ascii, but '/' stays plain", "[http][json]") {
  std::string out;
  append_json_string(out, "a\"b\\c/d\n\t\x01\x7f");
  CHECK(out == R"("a\"b\\c/d\n\t\u0001\u007f")");
  out.clear();
  append_json_string(out, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // é € 😀
  CHECK(out == R"("caf\u00e9 \u20ac \ud83d\ude00")");
  out.clear();
  append_json_string(out, "bad\xFF");
  CHECK(out == R"("bad\ufffd")");
}

TEST_CASE("values are written compact, in key order, with Python-style doubles", "[http][json]") {
  boost::json::object o;
  o["id"] = 1;
  o["name"] = "T\xC3\xA9";
  o["all_events"] = false;
  o["limit_events"] = boost::json::array{"a", "b"};
  o["ratio"] = 1.0;
  o["small"] = 0.25;
  o["none"] = nullptr;
  o["big"] = std::uint64_t{18446744073709551615ull};
  CHECK(to_json(o) ==
        R"({"id":1,"name":"T\u00e9","all_events":false,"limit_events":["a","b"],"ratio":1.0,"small":0.25,)"
        R"("none":null,"big":18446744073709551615})");
}

TEST_CASE("doubles are formatted as Python's repr", "[http][json]") {
  const auto repr = [](double d, bool dot_zero = true) {
    std::string out;
    append_double(out, d, dot_zero);
    return out;
  };
  CHECK(repr(0.0001) == "0.0001");
  CHECK(repr(0.00001) == "1e-05");
  CHECK(repr(123.0) == "123.0");
  CHECK(repr(123.0, false) == "123");
  CHECK(repr(1e15) == "1000000000000000.0");
  CHECK(repr(1e16) == "1e+16");
  CHECK(repr(-2.5) == "-2.5");
  CHECK(repr(0.1 + 0.2) == "0.30000000000000004");
}
