// Hostile input against a real teamlogd: each case gets a clear answer (a 4xx, or pretix's own answer where pretix
// accepts the input), and afterwards the server still serves, with its data unchanged. Raw bytes go over plain
// loopback sockets, so that nothing in a client library tidies them up first.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <boost/json.hpp>

#include "harness.hpp"

using namespace teamlog::blackbox;
using namespace std::chrono_literals;

namespace {

const std::string kTeams = "/api/v1/organizers/hostile/teams/";

// A raw TCP connection to 127.0.0.1:port; every wait is bounded.
class Raw {
 public:
  explicit Raw(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Raw() {
    if (fd_ >= 0) ::close(fd_);
  }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  // Sends what it can; a server that closed early makes the rest fail, which is fine for these tests.
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Everything received until the server closes, or until `bound` passes.
  std::string read_all(std::chrono::milliseconds bound = 5s) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out_ = true;
        return out;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[8192];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;  // closed (or reset) by the server
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  bool timed_out() const { return timed_out_; }

 private:
  int fd_ = -1;
  bool timed_out_ = false;
};

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

struct Hostile {
  Hostile() {
    server.set_args({"--max-connections", "16", "--read-timeout-s", "1", "--idle-timeout-s", "5",
                     "--max-body-bytes", "65536", "--max-header-bytes", "8192"});
    token = server.init("hostile", "admin@example.com").token;
    server.start();
  }

  std::string request(const std::string& method, const std::string& target, const std::string& headers,
                      const std::string& body) {
    Raw c(server.port());
    c.send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token " + token +
           "\r\nConnection: close\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           body);
    return c.read_all();
  }
  std::string post_json(const std::string& body) {
    return request("POST", kTeams, "Content-Type: application/json\r\n", body);
  }

  // The server still answers, and its teams are what the test expects.
  void check_unharmed(std::size_t teams) {
    Api api(server.port(), token);
    auto health = api.get("/healthz");
    CHECK(health.status == 200);
    auto list = api.get(kTeams);
    REQUIRE(list.status == 200);
    CHECK(list.json().at("count").as_int64() == static_cast<std::int64_t>(teams));
  }

  TeamlogServer server;
  std::string token;
};

}  // namespace

TEST_CASE("oversized headers and bodies, deep JSON, huge numbers, bad UTF-8, NUL bytes and wrong media types get "
          "clear 4xx answers",
          "[blackbox][hostile]") {
  Hostile h;
  SECTION("a header block over --max-header-bytes is 431") {
    auto r = h.request("GET", kTeams, "X-Padding: " + std::string(10000, 'a') + "\r\n", "");
    CHECK(status_line(r) == "HTTP/1.1 431 Request Header Fields Too Large");
  }
  SECTION("a body over --max-body-bytes is 413") {
    auto r = h.post_json(R"({"name":")" + std::string(70000, 'a') + R"("})");
    CHECK(status_line(r) == "HTTP/1.1 413 Payload Too Large");
  }
  SECTION("JSON nested past the depth limit is 400 with a parse error") {
    auto r = h.post_json(R"({"name":)" + std::string(200, '[') + std::string(200, ']') + "}");
    CHECK(status_line(r) == "HTTP/1.1 400 Bad Request");
    CHECK_THAT(r, Catch::Contains(R"({"detail":"JSON parse error - )"));
  }
  SECTION("a number too large for any field is a field error, a huge id in the path is 404") {
    auto r = h.post_json(R"({"name":"n","limit_events":[],"can_view_orders":1e999})");
    CHECK(status_line(r) == "HTTP/1.1 400 Bad Request");
    auto big = h.request("GET", kTeams + "123456789012345678901234567890/", "", "");
    CHECK(status_line(big) == "HTTP/1.1 404 Not Found");
  }
  SECTION("invalid UTF-8 in a JSON body is 400 naming the byte") {
    auto r = h.post_json("{\"name\":\"a\xff\xfe\",\"limit_events\":[]}");
    CHECK(status_line(r) == "HTTP/1.1 400 Bad Request");
    CHECK_THAT(r, Catch::Contains("invalid UTF-8 at byte 10"));
  }
  SECTION("a NUL character in a field is DRF's field error, a NUL byte in the request line is 400") {
    auto r = h.post_json(R"({"name":"a\u0000b","limit_events":[]})");
    CHECK(status_line(r) == "HTTP/1.1 400 Bad Request");
    CHECK_THAT(r, Catch::Contains(R"({"name":["Null characters are not allowed."]})"));
    Raw c(h.server.port());
    c.send(std::string("GET /heal\0thz HTTP/1.1\r\nHost: x\r\n\r\n", 35));
    CHECK(status_line(c.read_all()) == "HTTP/1.1 400 Bad Request");
  }
  SECTION("a body in a media type the API does not parse is 415") {
    auto r = h.request("POST", kTeams, "Content-Type: text/plain\r\n", "name=x");
    CHECK(status_line(r) == "HTTP/1.1 415 Unsupported Media Type");
    CHECK_THAT(r, Catch::Contains(R"({"detail":"Unsupported media type \"text/plain\" in request."})"));
  }
  h.check_unharmed(1);  // the init's Administrators team, nothing else
}

TEST_CASE("duplicate keys keep the last value and chunked bodies are read, as pretix does", "[blackbox][hostile]") {
  Hostile h;
  auto dup = h.post_json(R"({"name":"first","name":"last","limit_events":[]})");
  CHECK(status_line(dup) == "HTTP/1.1 201 Created");
  CHECK_THAT(dup, Catch::Contains(R"("name":"last")"));

  Raw c(h.server.port());
  const std::string body = R"({"name":"chunked","limit_events":[]})";
  c.send("POST " + kTeams + " HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + h.token +
         "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  c.send("5\r\n" + body.substr(0, 5) + "\r\n");
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size() - 5);
  c.send(std::string(size) + "\r\n" + body.substr(5) + "\r\n0\r\n\r\n");
  auto r = c.read_all();
  CHECK(status_line(r) == "HTTP/1.1 201 Created");
  CHECK_THAT(r, Catch::Contains(R"("name":"chunked")"));
  h.check_unharmed(3);
}

TEST_CASE("a slow client is cut off by the read timeout while others are served", "[blackbox][hostile]") {
  Hostile h;
  Raw slow(h.server.port());
  slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
  const auto started = std::chrono::steady_clock::now();
  h.check_unharmed(1);  // meanwhile
  auto r = slow.read_all(5s);
  CHECK_FALSE(slow.timed_out());  // the server closed it
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  CHECK(status_line(r) == "HTTP/1.1 408 Request Timeout");
}

TEST_CASE("connections beyond --max-connections get 503 and the server recovers when they go", "[blackbox][hostile]") {
  Hostile h;
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 16; ++i) held.push_back(std::make_unique<Raw>(h.server.port()));
  std::this_thread::sleep_for(200ms);  // let the server accept them all
  int refused = 0;
  for (int i = 0; i < 5; ++i) {
    Raw extra(h.server.port());
    auto r = extra.read_all(3s);
    if (status_line(r) == "HTTP/1.1 503 Service Unavailable") ++refused;
  }
  CHECK(refused == 5);
  held.clear();
  std::this_thread::sleep_for(200ms);
  h.check_unharmed(1);
}

TEST_CASE("garbage after a pipelined request is 400 after the good answer, and closes only that connection",
          "[blackbox][hostile]") {
  Hostile h;
  Raw c(h.server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02 garbage \xff\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n");
  auto r = c.read_all();
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
  CHECK(count_of(r, "HTTP/1.1 200 OK") == 1);
  CHECK(count_of(r, "HTTP/1.1 400 Bad Request") == 1);
  h.check_unharmed(1);
}
