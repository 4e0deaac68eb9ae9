// Request helpers: header lookup, query decoding as Django, pagination URLs as DRF, detail bodies.
#include <catch2/catch.hpp>

#include "http/request.hpp"

using namespace teamlog::http;

TEST_CASE("header lookup is case-insensitive and returns the first occurrence", "[http][request]") {
  HttpRequest request;
  request.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  CHECK(request.header("Content-Type") == "application/json");
  CHECK(request.header("X-A") == "1");
  CHECK_FALSE(request.header("authorization"));
}

TEST_CASE("query parameters decode percent and plus, and the last occurrence wins as in Django",
          "[http][request]") {
  CHECK(query_param("page=2&page_size=10", "page_size") == "10");
  CHECK(query_param("page=1&page=3", "page") == "3");
  CHECK(query_param("q=a+b%20c%2B", "q") == "a b c+");
  CHECK(query_param("flag&x=1", "flag") == "");
  CHECK_FALSE(query_param("x=1", "page"));
  CHECK_FALSE(query_param("", "page"));
  // Malformed escapes stay literal; invalid UTF-8 becomes U+FFFD.
  CHECK(query_param("a=%zz%4", "a") == "%zz%4");
  CHECK(query_param("a=%FF", "a") == "\xEF\xBF\xBD");
  CHECK(parse_query("a=1&&b=&c") == HeaderList{{"a", "1"}, {"b", ""}, {"c", ""}});
}

TEST_CASE("url_encode is Python's quote_plus", "[http][request]") {
  CHECK(url_encode("a b/c?d=e&f~_.-") == "a+b%2Fc%3Fd%3De%26f~_.-");
  CHECK(url_encode("\xC3\xA9") == "%C3%A9");
}

TEST_CASE("pagination links sort the query by key and replace or drop the page, as DRF", "[http][request]") {
  CHECK(replace_query_param("page_size=10&a=x+y", "page", "3") == "a=x+y&page=3&page_size=10");
  CHECK(replace_query_param("page=2&z=1&z=0", "page", "3") == "page=3&z=1&z=0");
  CHECK(replace_query_param("", "page", "2") == "page=2");
  CHECK(remove_query_param("page=2&page_size=5", "page") == "page_size=5");
  CHECK(remove_query_param("page=2", "page").empty());
}

TEST_CASE("detail bodies are compact, escaped JSON", "[http][request]") {
  const HttpResponse response = detail_response(404, "No \"Team\" matches \xC3\xA9");
  CHECK(response.status == 404);
  CHECK(response.content_type == "application/json");
  CHECK(response.body == R"({"detail":"No \"Team\" matches \u00e9"})");
}
