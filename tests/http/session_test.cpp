// The connection code over beast::test::stream: exact response bytes, keep-alive, pipelining, limits, errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "http/metrics.hpp"
#include "http/session.hpp"

using namespace teamlog::http;
namespace net = boost::asio;
namespace test = boost::beast::test;

namespace {

using Handler = std::function<void(HttpRequest, std::function<void(HttpResponse)>)>;

class FakeApp : public Application {
 public:
  Handler handler;
  std::vector<HttpRequest> seen;

  void handle(HttpRequest request, std::function<void(HttpResponse)> respond) override {
    seen.push_back(request);
    handler(std::move(request), std::move(respond));
  }
};

HttpResponse json_response(std::string body, unsigned status = 200) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// One session on one side of a test stream pair; the test plays the client on the other side.
struct Harness {
  explicit Harness(SessionLimits limits = {}) : context{app, limits}, client(io) {
    app.handler = [](HttpRequest request, std::function<void(HttpResponse)> respond) {
      respond(json_response(R"({"path":")" + request.path + "\"}"));
    };
  }

  void start() {
    test::stream server(io);
    server.connect(client);
    std::make_shared<Session<test::stream>>(std::move(server), context, "192.0.2.7:4321")->start();
  }

  void send(std::string_view bytes) { net::write(client, net::buffer(bytes.data(), bytes.size())); }

  // Runs the I/O until `done` holds (or 5 s pass, which fails the test).
  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    REQUIRE(done());
  }

  // Runs until the client has received `count` complete responses (`heads`: responses to HEAD, which announce a
  // length they do not send); returns and consumes everything received.
  std::string responses(std::size_t count, bool heads = false) {
    run_until([&] { return count_responses(client.str(), heads) >= count; });
    std::string out = client.str();
    client.clear();
    return out;
  }

  // The client closes its side; the session must see EOF and go away.
  void finish() {
    client.close();
    run_until([&] { return context.sessions.empty(); });
  }

  bool session_open() const { return !context.sessions.empty(); }

  static std::size_t count_responses(const std::string& bytes, bool heads) {
    std::size_t count = 0;
    std::size_t pos = 0;
    while ((pos = bytes.find("HTTP/1.1 ", pos)) != std::string::npos) {
      const std::size_t head_end = bytes.find("\r\n\r\n", pos);
      if (head_end == std::string::npos) break;
      std::size_t length = 0;
      const std::size_t cl = bytes.find("Content-Length: ", pos);
      if (cl != std::string::npos && cl < head_end) length = std::stoul(bytes.substr(cl + 16));
      const bool head_only = heads || bytes.compare(pos, 12, "HTTP/1.1 100") == 0;
      if (!head_only && bytes.size() < head_end + 4 + length) break;
      pos = head_end + 4 + (head_only ? 0 : length);
      ++count;
    }
    return count;
  }

  net::io_context io;
  FakeApp app;
  SessionContext context;
  test::stream client;
  std::vector<std::jthread> threads;  // declared last: joined before the io_context goes
};

// For tests whose errors are expected: keeps them out of the test output.
struct SilencedLogs {
  SilencedLogs() : previous(spdlog::get_level()) { spdlog::set_level(spdlog::level::off); }
  ~SilencedLogs() { spdlog::set_level(previous); }
  spdlog::level::level_enum previous;
};

// The Date value changes every second; check its shape and replace it so the rest compares exactly.
std::string normalise_date(std::string response) {
  const std::size_t at = response.find("\r\nDate: ");
  REQUIRE(at != std::string::npos);
  const std::size_t begin = at + 8;
  const std::size_t end = response.find("\r\n", begin);
  const std::string date = response.substr(begin, end - begin);
  CHECK(date.size() == 29);
  CHECK(date.substr(25) == " GMT");
  response.replace(begin, end - begin, "<date>");
  return response;
}

std::string header_value(const std::string& response, const std::string& name) {
  const std::size_t at = response.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  const std::size_t begin = at + name.size() + 4;
  return response.substr(begin, response.find("\r\n", begin) - begin);
}

}  // namespace

TEST_CASE("a simple GET gets an exact response: status line, headers in fixed order, body", "[http][session]") {
  Harness h;
  h.app.handler = [](HttpRequest, std::function<void(HttpResponse)> respond) {
    HttpResponse response = json_response(R"({"hello":"world"})");
    response.headers.emplace_back("Vary", "Accept");
    respond(std::move(response));
  };
  h.start();
  h.send("GET /hello/?x=1&y=%20 HTTP/1.1\r\nHost: example.org\r\nX-Request-Id: req-1\r\nUser-Agent: t\r\n\r\n");
  CHECK(normalise_date(h.responses(1)) ==
        "HTTP/1.1 200 OK\r\n"
        "Server: teamlog\r\n"
        "Date: <date>\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 17\r\n"
        "X-Request-Id: req-1\r\n"
        "Vary: Accept\r\n"
        "\r\n"
        R"({"hello":"world"})");

  REQUIRE(h.app.seen.size() == 1);
  const HttpRequest& r = h.app.seen[0];
  CHECK(r.method == "GET");
  CHECK(r.target == "/hello/?x=1&y=%20");
  CHECK(r.path == "/hello/");
  CHECK(r.query == "x=1&y=%20");
  CHECK(r.headers == HeaderList{{"host", "example.org"}, {"x-request-id", "req-1"}, {"user-agent", "t"}});
  CHECK(r.host == "example.org");
  CHECK(r.remote == "192.0.2.7:4321");
  CHECK(r.request_id == "req-1");
  CHECK(r.keep_alive);
  CHECK(r.body.empty());
  h.finish();
}

TEST_CASE("keep-alive serves two sequential requests on one connection", "[http][session]") {
  Harness h;
  h.start();
  h.send("GET /one/ HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first = h.responses(1);
  CHECK(first.find(R"({"path":"/one/"})") != std::string::npos);
  CHECK(first.find("Connection:") == std::string::npos);
  CHECK(h.session_open());
  h.send("GET /two/ HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(h.responses(1).find(R"({"path":"/two/"})") != std::string::npos);
  CHECK(h.app.seen.size() == 2);
  h.finish();
}

TEST_CASE("two pipelined requests in one write are answered in request order", "[http][session]") {
  Harness h;
  // The first answer is slow (another thread, later), the second immediate: order must still hold.
  h.app.handler = [&h](HttpRequest request, std::function<void(HttpResponse)> respond) {
    if (request.path == "/slow/") {
      h.threads.emplace_back([respond = std::move(respond)] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        respond(json_response(R"("slow")"));
      });
    } else {
      respond(json_response(R"("fast")"));
    }
  };
  h.start();
  h.send("GET /slow/ HTTP/1.1\r\nHost: x\r\n\r\nGET /fast/ HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string both = h.responses(2);
  const std::size_t slow = both.find(R"("slow")");
  const std::size_t fast = both.find(R"("fast")");
  REQUIRE(slow != std::string::npos);
  REQUIRE(fast != std::string::npos);
  CHECK(slow < fast);
  h.finish();
}

TEST_CASE("a response given later from another thread reaches the client", "[http][session]") {
  Harness h;
  h.app.handler = [&h](HttpRequest, std::function<void(HttpResponse)> respond) {
    h.threads.emplace_back([respond = std::move(respond)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      respond(json_response(R"({"durable":true})", 201));
    });
  };
  h.start();
  h.send("POST /teams/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  const std::string response = h.responses(1);
  CHECK(response.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
  CHECK(response.find(R"({"durable":true})") != std::string::npos);
  REQUIRE(h.app.seen.size() == 1);
  CHECK(h.app.seen[0].body == "{}");
  h.finish();
}

TEST_CASE("a header block over the limit gets 431 and the connection closes", "[http][session]") {
  Harness h(SessionLimits{.max_body_bytes = 1024, .max_header_bytes = 1024});
  h.start();
  h.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  const std::string response = h.responses(1);
  CHECK(response.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
  CHECK(header_value(response, "Connection") == "close");
  CHECK(response.find(R"({"detail":"Request header fields too large."})") != std::string::npos);
  CHECK(header_value(response, "X-Request-Id").size() == 16);
  CHECK(h.app.seen.empty());
  h.run_until([&] { return !h.session_open(); });
}

TEST_CASE("a Content-Length over the body limit gets 413 before the body is sent", "[http][session]") {
  Harness h(SessionLimits{.max_body_bytes = 16});
  h.start();
  // Only the header: the answer must not wait for a body the server is going to refuse.
  h.send("POST /teams/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: big\r\nContent-Length: 100\r\n\r\n");
  const std::string response = h.responses(1);
  CHECK(response.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
  CHECK(header_value(response, "Connection") == "close");
  CHECK(header_value(response, "X-Request-Id") == "big");
  CHECK(response.find(R"({"detail":"Request body too large (limit 16 bytes)."})") != std::string::npos);
  CHECK(h.app.seen.empty());
  h.run_until([&] { return !h.session_open(); });
}

TEST_CASE("a chunked body is accepted, and one growing over the limit gets 413", "[http][session]") {
  SECTION("within the limit") {
    Harness h(SessionLimits{.max_body_bytes = 16});
    h.start();
    h.send("POST /echo/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    CHECK(h.responses(1).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    REQUIRE(h.app.seen.size() == 1);
    CHECK(h.app.seen[0].body == "hello world");
    h.finish();
  }
  SECTION("over the limit") {
    Harness h(SessionLimits{.max_body_bytes = 16});
    h.start();
    h.send("POST /echo/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n");
    CHECK(h.responses(1).rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
    CHECK(h.app.seen.empty());
    h.run_until([&] { return !h.session_open(); });
  }
}

TEST_CASE("a malformed request gets 400 and the connection closes", "[http][session]") {
  Harness h;
  h.start();
  h.send("this is not http\r\n\r\n");
  const std::string response = h.responses(1);
  CHECK(response.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(header_value(response, "Connection") == "close");
  CHECK(response.find(R"({"detail":"Malformed request: )") != std::string::npos);
  CHECK(h.app.seen.empty());
  h.run_until([&] { return !h.session_open(); });
}

TEST_CASE("an exception from the application becomes a 500 naming the request id", "[http][session]") {
  SilencedLogs silenced;
  Harness h;
  h.app.handler = [](HttpRequest request, std::function<void(HttpResponse)>) {
    if (request.path == "/boom/") throw std::runtime_error("database on fire");
  };
  h.start();
  h.send("GET /boom/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n");
  const std::string response = h.responses(1);
  CHECK(response.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
  CHECK(response.find(R"({"detail":"Internal server error.","request_id":"abc-123"})") != std::string::npos);
  CHECK(response.find("database on fire") == std::string::npos);  // the detail goes to the log only
  CHECK(h.session_open());  // the connection itself is fine
  h.finish();
}

TEST_CASE("a dropped respond becomes a 500, and a second respond is ignored", "[http][session]") {
  SilencedLogs silenced;
  Harness h;
  h.app.handler = [](HttpRequest request, std::function<void(HttpResponse)> respond) {
    if (request.path == "/twice/") {
      respond(json_response(R"("first")"));
      respond(json_response(R"("second")"));
    }
    // "/dropped/": respond goes out of scope uncalled
  };
  h.start();
  h.send("GET /dropped/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: lost\r\n\r\n");
  CHECK(h.responses(1).find(R"({"detail":"Internal server error.","request_id":"lost"})") != std::string::npos);
  h.send("GET /twice/ HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string twice = h.responses(1);
  CHECK(twice.find(R"("first")") != std::string::npos);
  h.finish();
  CHECK(h.client.str().empty());  // nothing more was written
}

TEST_CASE("X-Request-Id is echoed when sane and generated otherwise", "[http][session]") {
  Harness h;
  h.start();
  h.send("GET /a/ HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string generated = header_value(h.responses(1), "X-Request-Id");
  CHECK(generated.size() == 16);
  CHECK(generated.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(h.app.seen.back().request_id == generated);

  h.send("GET /b/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + std::string(129, 'x') + "\r\n\r\n");
  const std::string replaced = header_value(h.responses(1), "X-Request-Id");
  CHECK(replaced.size() == 16);
  CHECK(replaced != generated);

  h.send("GET /c/ HTTP/1.1\r\nHost: x\r\nX-Request-Id: client chosen id\r\n\r\n");
  CHECK(header_value(h.responses(1), "X-Request-Id") == "client chosen id");
  h.finish();
}

TEST_CASE("HEAD keeps the Content-Length of the body it does not send", "[http][session]") {
  Harness h;
  h.start();
  h.send("HEAD /teams/ HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string response = h.responses(1, true);
  CHECK(h.app.seen.back().method == "HEAD");
  CHECK(header_value(response, "Content-Length") == "18");  // {"path":"/teams/"}
  CHECK(response.substr(response.size() - 4) == "\r\n\r\n");
  h.finish();
}

TEST_CASE("Expect 100-continue gets an interim 100 before the body is read", "[http][session]") {
  Harness h;
  h.start();
  h.send("POST /x/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  CHECK(h.responses(1) == "HTTP/1.1 100 Continue\r\n\r\n");
  CHECK(h.app.seen.empty());
  h.send("{}");
  CHECK(h.responses(1).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(h.app.seen.at(0).body == "{}");
  h.finish();
}

TEST_CASE("a client asking to close or speaking HTTP/1.0 gets Connection close and the end", "[http][session]") {
  SECTION("Connection: close") {
    Harness h;
    h.start();
    h.send("GET /a/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(header_value(h.responses(1), "Connection") == "close");
    CHECK_FALSE(h.app.seen.at(0).keep_alive);
    h.run_until([&] { return !h.session_open(); });
  }
  SECTION("HTTP/1.0 without keep-alive") {
    Harness h;
    h.start();
    h.send("GET /a/ HTTP/1.0\r\n\r\n");
    CHECK(header_value(h.responses(1), "Connection") == "close");
    h.run_until([&] { return !h.session_open(); });
  }
  SECTION("HTTP/1.0 with keep-alive") {
    Harness h;
    h.start();
    h.send("GET /a/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(header_value(h.responses(1), "Connection") == "keep-alive");
    CHECK(h.session_open());
    h.finish();
  }
}

TEST_CASE("stopping closes an idle connection and lets a busy one finish with Connection close",
          "[http][session]") {
  Harness h;
  std::function<void(HttpResponse)> pending;
  h.app.handler = [&](HttpRequest, std::function<void(HttpResponse)> respond) { pending = std::move(respond); };
  h.start();
  h.send("GET /busy/ HTTP/1.1\r\nHost: x\r\n\r\n");
  h.run_until([&] { return static_cast<bool>(pending); });
  h.context.stopping = true;
  h.context.shutdown_all();
  CHECK(h.session_open());  // busy: not cut off
  pending(json_response("{}"));
  CHECK(header_value(h.responses(1), "Connection") == "close");
  h.run_until([&] { return !h.session_open(); });

  Harness idle;
  idle.start();
  idle.run_until([&] { return idle.session_open(); });
  idle.context.stopping = true;
  idle.context.shutdown_all();
  idle.run_until([&] { return !idle.session_open(); });
}

TEST_CASE("every request is recorded in the metrics under its route pattern and in the access log",
          "[http][session]") {
  MetricsRegistry registry;
  RequestMetrics recorder(registry);
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>("access-test", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  logger->set_pattern("%v");

  Harness h;
  h.context.metrics = &recorder;
  h.context.access_log = logger;
  h.context.log_format = LogFormat::kJson;
  h.app.handler = [](HttpRequest, std::function<void(HttpResponse)> respond) {
    HttpResponse response = json_response("[]");
    response.route = "/api/v1/organizers/{organizer}/teams/";
    respond(std::move(response));
  };
  h.start();
  h.send("GET /api/v1/organizers/demo/teams/?page=1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: m1\r\n\r\n");
  h.responses(1);
  h.finish();

  CHECK(registry.render().find("teamlog_http_requests_total{route=\"/api/v1/organizers/{organizer}/teams/\","
                               "method=\"GET\",status=\"200\"} 1\n") != std::string::npos);
  const std::string line = log.str();
  CHECK(line.rfind(R"("method":"GET","path":"/api/v1/organizers/demo/teams/","status":200,"bytes":2,"duration_us":)",
                   0) == 0);
  CHECK(line.find(R"("request_id":"m1","remote":"192.0.2.7:4321")") != std::string::npos);
}
