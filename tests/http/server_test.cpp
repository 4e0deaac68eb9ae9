// The real server over loopback sockets: bound port, connection cap, timeouts, 413 with linger, graceful stop.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "events/thread_name.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"

using namespace teamlog::http;
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// Answers `{"path":...}` at once, except /slow/, answered 300 ms later from a thread of its own.
class LoopbackApp : public Application {
 public:
  ~LoopbackApp() override {
    std::lock_guard lock(mutex_);
    threads_.clear();  // joins
  }

  void handle(HttpRequest request, std::function<void(HttpResponse)> respond) override {
    HttpResponse response;
    response.body = R"({"path":")" + request.path + "\"}";
    if (request.path != "/slow/") return respond(std::move(response));
    slow_started.store(true);
    std::lock_guard lock(mutex_);
    threads_.emplace_back([respond = std::move(respond), response = std::move(response)]() mutable {
      std::this_thread::sleep_for(300ms);
      respond(std::move(response));
    });
  }

  std::atomic<bool> slow_started{false};

 private:
  std::mutex mutex_;
  std::vector<std::jthread> threads_;
};

ServerConfig loopback_config() {
  ServerConfig config;
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  config.threads = 2;
  config.shutdown_timeout = 5s;
  return config;
}

// A blocking-style client over async operations with a deadline, so no test can hang.
class Client {
 public:
  error_code connect(std::uint16_t port) {
    return run([&](auto done) {
      stream_.async_connect(tcp::endpoint(net::ip::address_v4::loopback(), port), done);
    });
  }

  error_code send(const std::string& bytes) {
    return run([&](auto done) {
      net::async_write(stream_, net::buffer(bytes), [done](error_code ec, std::size_t) { done(ec); });
    });
  }

  // Reads one response; its error_code is set instead when the read fails.
  struct Reply {
    error_code ec;
    beast::http::response<beast::http::string_body> response;
  };
  Reply read() {
    Reply reply;
    reply.ec = run([&](auto done) {
      beast::http::async_read(stream_, buffer_, reply.response, [done](error_code ec, std::size_t) { done(ec); });
    });
    return reply;
  }

  Reply get(const std::string& path) {
    if (const error_code ec = send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")) return {ec, {}};
    return read();
  }

  // Waits for the server to close the connection: the error ending a read (eof, or a reset).
  error_code read_until_closed() {
    return run([&](auto done) {
      buffer_.consume(buffer_.size());
      stream_.async_read_some(buffer_.prepare(1024), [done](error_code ec, std::size_t) { done(ec); });
    });
  }

 private:
  template <class Start>
  error_code run(Start start) {
    error_code result = net::error::would_block;
    stream_.expires_after(5s);
    start([&result](error_code ec) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

  net::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
};

struct QuietLogs {
  QuietLogs() : previous(spdlog::get_level()) { spdlog::set_level(spdlog::level::warn); }
  ~QuietLogs() { spdlog::set_level(previous); }
  spdlog::level::level_enum previous;
};

}  // namespace

TEST_CASE("the server binds a free port, answers over loopback and records metrics", "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  MetricsRegistry metrics;
  Server server(app, loopback_config(), &metrics);
  const auto endpoint = server.start();
  REQUIRE(endpoint);
  CHECK(endpoint->host == "127.0.0.1");
  CHECK(endpoint->port != 0);
  CHECK(server.public_url() == "http://127.0.0.1:" + std::to_string(endpoint->port));

  Client client;
  REQUIRE_FALSE(client.connect(endpoint->port));
  auto reply = client.get("/hello/");
  REQUIRE_FALSE(reply.ec);
  CHECK(reply.response.result_int() == 200);
  CHECK(reply.response.body() == R"({"path":"/hello/"})");
  CHECK(reply.response["Server"] == "teamlog");
  CHECK(reply.response["X-Request-Id"].size() == 16);
  reply = client.get("/again/");  // same connection
  REQUIRE_FALSE(reply.ec);
  CHECK(reply.response.body() == R"({"path":"/again/"})");

  // The server records a request once its write completes, which can be just after the client has read it.
  const std::string recorded = "teamlog_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"200\"} 2";
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (metrics.render().find(recorded) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  const std::string text = metrics.render();
  CHECK(text.find(recorded) != std::string::npos);
  CHECK(text.find("teamlog_http_open_connections 1") != std::string::npos);
  server.stop();
}

TEST_CASE("an address already in use is a clear start error", "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  Server first(app, loopback_config());
  const auto endpoint = first.start();
  REQUIRE(endpoint);
  ServerConfig config = loopback_config();
  config.listen_port = endpoint->port;
  Server second(app, config);
  const auto failed = second.start();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == teamlog::ErrorCode::kUnavailable);
  CHECK(failed.error().message.find("listen on 127.0.0.1:" + std::to_string(endpoint->port) + ": bind: ") == 0);
}

TEST_CASE("a connection over max-connections gets 503 and is closed", "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  ServerConfig config = loopback_config();
  config.max_connections = 1;
  Server server(app, config);
  const auto endpoint = server.start();
  REQUIRE(endpoint);

  Client first;
  REQUIRE_FALSE(first.connect(endpoint->port));
  REQUIRE(first.get("/").response.result_int() == 200);  // now surely counted

  Client second;
  REQUIRE_FALSE(second.connect(endpoint->port));
  const auto rejected = second.read();  // answered without having to send anything
  REQUIRE_FALSE(rejected.ec);
  CHECK(rejected.response.result_int() == 503);
  CHECK(rejected.response.body() == R"({"detail":"Too many connections."})");
  CHECK(rejected.response["Connection"] == "close");
  CHECK(second.read_until_closed());
  CHECK(first.get("/still-open/").response.result_int() == 200);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout", "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  ServerConfig config = loopback_config();
  config.idle_timeout = 1s;
  Server server(app, config);
  const auto endpoint = server.start();
  REQUIRE(endpoint);

  Client client;
  REQUIRE_FALSE(client.connect(endpoint->port));
  REQUIRE(client.get("/").response.result_int() == 200);
  const auto idle_since = std::chrono::steady_clock::now();
  CHECK(client.read_until_closed());
  const auto waited = std::chrono::steady_clock::now() - idle_since;
  CHECK(waited > 800ms);
  CHECK(waited < 3s);
}

TEST_CASE("a request trickling in past the read timeout gets 408 and is closed", "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  ServerConfig config = loopback_config();
  config.read_timeout = 1s;
  Server server(app, config);
  const auto endpoint = server.start();
  REQUIRE(endpoint);

  Client client;
  REQUIRE_FALSE(client.connect(endpoint->port));
  const auto started = std::chrono::steady_clock::now();
  REQUIRE_FALSE(client.send("GET / HTTP/1.1\r\nHost: x\r\n"));  // the header never ends
  const auto reply = client.read();
  REQUIRE_FALSE(reply.ec);
  CHECK(reply.response.result_int() == 408);
  CHECK(reply.response.body() == R"({"detail":"Request timeout."})");
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(client.read_until_closed());
}

TEST_CASE("a body over the limit gets 413 that the client reads although it sent the body", "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  ServerConfig config = loopback_config();
  config.max_body_bytes = 1024;
  Server server(app, config);
  const auto endpoint = server.start();
  REQUIRE(endpoint);

  Client client;
  REQUIRE_FALSE(client.connect(endpoint->port));
  // The whole body goes out: the server must drain it rather than reset the connection over the response.
  const std::string body(256 * 1024, 'x');
  REQUIRE_FALSE(client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\n\r\n" + body));
  const auto reply = client.read();
  REQUIRE_FALSE(reply.ec);
  CHECK(reply.response.result_int() == 413);
  CHECK(reply.response["Connection"] == "close");
}

TEST_CASE("stop lets an in-flight request finish, closes idle connections and refuses new ones",
          "[http][server]") {
  QuietLogs quiet;
  LoopbackApp app;
  Server server(app, loopback_config());
  const auto endpoint = server.start();
  REQUIRE(endpoint);

  Client idle;
  REQUIRE_FALSE(idle.connect(endpoint->port));
  REQUIRE(idle.get("/").response.result_int() == 200);

  Client busy;
  REQUIRE_FALSE(busy.connect(endpoint->port));
  REQUIRE_FALSE(busy.send("GET /slow/ HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!app.slow_started.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(app.slow_started.load());

  auto stopped = std::async(std::launch::async, [&server] { server.stop(); });
  const auto reply = busy.read();
  REQUIRE_FALSE(reply.ec);
  CHECK(reply.response.result_int() == 200);
  CHECK(reply.response.body() == R"({"path":"/slow/"})");
  CHECK(reply.response["Connection"] == "close");
  CHECK(idle.read_until_closed());
  REQUIRE(stopped.wait_for(5s) == std::future_status::ready);
  CHECK(server.open_connections() == 0);

  Client late;
  CHECK(late.connect(endpoint->port));
}

TEST_CASE("requests are handled on I/O threads named teamlog-io-N", "[http][server]") {
  QuietLogs quiet;
  struct NameApp : Application {
    void handle(HttpRequest, std::function<void(HttpResponse)> respond) override {
      HttpResponse response;
      response.body = teamlog::this_thread_name();
      respond(std::move(response));
    }
  } app;
  Server server(app, loopback_config(), nullptr);
  const auto endpoint = server.start();
  REQUIRE(endpoint);
  std::set<std::string> names;
  // Connections are given to the I/O threads in turn: two connections meet both.
  for (int i = 0; i < 2; ++i) {
    Client client;
    REQUIRE_FALSE(client.connect(endpoint->port));
    auto reply = client.get("/name/");
    REQUIRE_FALSE(reply.ec);
    names.insert(reply.response.body());
  }
  CHECK(names == std::set<std::string>{"teamlog-io-0", "teamlog-io-1"});
  server.stop();
}
