// Form bodies and Content-Type classification for DRF's parser selection (and its 415).
#include <catch2/catch.hpp>

#include "http/form.hpp"

using namespace teamlog::http;

TEST_CASE("content types classify by media type, case-insensitively, ignoring parameters", "[http][form]") {
  CHECK(classify_content_type("application/json") == BodyKind::kJson);
  CHECK(classify_content_type("Application/JSON; charset=utf-8") == BodyKind::kJson);
  CHECK(classify_content_type("application/x-www-form-urlencoded") == BodyKind::kForm);
  CHECK(classify_content_type("multipart/form-data; boundary=xyz") == BodyKind::kMultipart);
  CHECK(classify_content_type("") == BodyKind::kNone);
  CHECK(classify_content_type("text/plain") == BodyKind::kOther);
  CHECK(classify_content_type("application/vnd.api+json") == BodyKind::kOther);
  CHECK(unsupported_media_type_detail("text/plain; charset=x") ==
        "Unsupported media type \"text/plain; charset=x\" in request.");
}

TEST_CASE("content type parameters are found by name, quoted or not", "[http][form]") {
  CHECK(content_type_param("multipart/form-data; boundary=abc", "boundary") == "abc");
  CHECK(content_type_param("multipart/form-data; charset=utf-8; BOUNDARY=\"a;b \\\"c\"", "boundary") ==
        "a;b \"c");
  CHECK(content_type_param("multipart/form-data; novalue; boundary=z", "boundary") == "z");
  CHECK_FALSE(content_type_param("multipart/form-data", "boundary"));
}

TEST_CASE("an urlencoded form body parses into ordered pairs", "[http][form]") {
  const auto fields = parse_form("application/x-www-form-urlencoded", "email=a%40b.c&name=A+B&name=C");
  REQUIRE(fields);
  CHECK(*fields == FormFields{{"email", "a@b.c"}, {"name", "A B"}, {"name", "C"}});
}

TEST_CASE("a multipart body as pretix's test client sends it parses into fields", "[http][form]") {
  const std::string body =
      "--BoUnDaRy\r\n"
      "Content-Disposition: form-data; name=\"email\"\r\n"
      "\r\n"
      "dummy@dummy.dummy\r\n"
      "--BoUnDaRy\r\n"
      "Content-Disposition: form-data; name=\"name\"\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "line one\r\nline two\r\n"
      "--BoUnDaRy\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n"
      "\r\n"
      "\r\n"
      "--BoUnDaRy\r\n"
      "Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n"
      "\r\n"
      "file content is not form data\r\n"
      "--BoUnDaRy--\r\n";
  const auto fields = parse_form("multipart/form-data; boundary=BoUnDaRy", body);
  REQUIRE(fields);
  CHECK(*fields == FormFields{{"email", "dummy@dummy.dummy"}, {"name", "line one\r\nline two"}, {"empty", ""}});
}

TEST_CASE("a multipart body may have a preamble and an epilogue", "[http][form]") {
  const std::string body = "preamble\r\n--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--epilogue";
  const auto fields = parse_form("multipart/form-data; boundary=b", body);
  REQUIRE(fields);
  CHECK(*fields == FormFields{{"x", "1"}});
}

TEST_CASE("malformed multipart bodies give DRF's parse error with a reason", "[http][form]") {
  const auto message = [](std::string_view content_type, std::string_view body) {
    const auto fields = parse_form(content_type, body);
    REQUIRE_FALSE(fields);
    CHECK(fields.error().code == teamlog::ErrorCode::kInvalidArgument);
    return fields.error().message;
  };
  CHECK(message("multipart/form-data", "x") == "Multipart form parse error - Invalid boundary in multipart: None");
  CHECK(message("multipart/form-data; boundary=b", "no boundary here") ==
        "Multipart form parse error - no opening boundary");
  CHECK(message("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1") ==
        "Multipart form parse error - missing closing boundary");
  CHECK(message("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=x") ==
        "Multipart form parse error - unterminated part headers");
  CHECK(message("multipart/form-data; boundary=b", "--bXX") == "Multipart form parse error - expected CRLF after boundary");
  CHECK(message("multipart/form-data; boundary=b", "--b\r\nno colon\r\n\r\n1\r\n--b--") ==
        "Multipart form parse error - malformed part header");
  CHECK(message("text/plain", "x") == "Unsupported media type \"text/plain\" in request.");
}
