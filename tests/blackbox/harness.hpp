// Black-box harness: runs the real teamlogctl and teamlogd binaries on a temp data dir and talks HTTP to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "test_support.hpp"

namespace teamlog::blackbox {

using namespace std::chrono_literals;

// The directory holding teamlogd and teamlogctl: $TEAMLOG_BIN_DIR, else <build>/bin found from this executable.
std::string bin_dir();

// The outcome of a finished child process. exit_code is -signal when it died of a signal.
struct ProcessResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with the given arguments, stdin from /dev/null, and waits at most `bound` for it;
// a child still running then is killed and reported as timed_out. TEAMLOG_* variables are not passed on.
// Children are killed when the thread that started them ends: start them from the test's own thread.
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds bound = 10s);

// What `teamlogctl init` prints.
struct InitResult {
  std::string organizer;  // the organizer resource, serialized
  boost::json::object team;
  boost::json::object user;
  std::string token;
  std::int64_t team_id() const;
  std::int64_t user_id() const;
};

// A long-running child (a server) whose stdout and stderr are collected, and which says on one of them when it is
// ready: `marker` followed by a port number. Killed when the object goes (or the spawning thread ends).
class BackgroundProcess {
 public:
  BackgroundProcess();
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Spawns argv (argv[0] a path) and waits up to `bound` for `marker` and digits in its output; returns that
  // number. Throws, with the output so far, when it exits or stays silent.
  std::uint16_t start(const std::vector<std::string>& argv, std::string_view marker, std::chrono::milliseconds bound);
  // SIGTERM; the exit code (-signal if killed by one), or nullopt if it did not exit within `bound` (then SIGKILL).
  std::optional<int> stop(std::chrono::milliseconds bound = 10s);
  // SIGKILL and reap.
  void kill();
  bool running() const { return pid_ > 0; }
  // Everything it wrote, over all runs.
  std::string log() const;

 private:
  struct Drain;
  void reap_drain();
  int pid_ = -1;
  std::shared_ptr<Drain> drain_;
};

// One teamlogd on a fresh temp data dir. Not thread-safe except log(), which the drain thread feeds.
class TeamlogServer {
 public:
  TeamlogServer();
  ~TeamlogServer();
  TeamlogServer(const TeamlogServer&) = delete;
  TeamlogServer& operator=(const TeamlogServer&) = delete;

  // `teamlogctl --data-dir D init ...`; throws with its stderr when it fails.
  InitResult init(const std::string& organizer, const std::string& admin_email,
                  const std::string& organizer_name = "");

  // Extra teamlogd arguments for every later start() and restart(), e.g. {"--log-level", "trace"}.
  void set_args(std::vector<std::string> args) { args_ = std::move(args); }

  // Spawns teamlogd on 127.0.0.1:`port` (0 picks one) and waits up to `bound` for its listening line.
  // Throws, with the log so far, when it exits or stays silent.
  void start(std::uint16_t port = 0, std::chrono::milliseconds bound = 10s);
  // SIGTERM; returns the exit code (-signal if killed by one), or nullopt if it did not exit within `bound`
  // (it is then killed with SIGKILL).
  std::optional<int> stop(std::chrono::milliseconds bound = 10s) { return process_.stop(bound); }
  // SIGKILL and reap.
  void kill() { process_.kill(); }
  // start() again on the same data dir and the same port as before.
  void restart(std::chrono::milliseconds bound = 10s);

  bool running() const { return process_.running(); }
  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string base_url() const { return "http://" + host(); }
  const std::string& data_dir() const { return data_dir_; }
  // Everything teamlogd wrote to stderr and stdout, over all runs.
  std::string log() const { return process_.log(); }

 private:
  testing::TempDir dir_;
  std::string data_dir_;
  std::uint16_t port_ = 0;
  std::vector<std::string> args_;
  BackgroundProcess process_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  unsigned status = 0;
  Headers headers;
  std::string body;

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
  // The body parsed as JSON; throws with the body on a parse error.
  boost::json::value json() const;
};

// A synchronous HTTP/1.1 client with keep-alive to 127.0.0.1:port. Every operation is bounded by `timeout`;
// a broken or timed-out exchange throws. A request on a reused connection that the server closed before
// answering is sent once more on a fresh one.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = 10s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends Host: 127.0.0.1:port unless `headers` has a Host; Content-Length follows the body.
  Response request(std::string_view method, std::string_view target, const Headers& headers = {},
                   const std::string& body = {});
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

using Fields = std::vector<std::pair<std::string, std::string>>;

// A multipart/form-data body as Django's test client builds it; sets `content_type` to go with it.
std::string multipart_body(const Fields& fields, std::string& content_type);

// A client that sends `Authorization: Token <token>` (none when token is empty) on every request.
class Api {
 public:
  Api(std::uint16_t port, std::string token);

  Response get(std::string_view path, const Headers& extra = {});
  Response del(std::string_view path, const Headers& extra = {});
  Response send_json(std::string_view method, std::string_view path, const std::string& json,
                     const Headers& extra = {});
  Response post_json(std::string_view path, const std::string& json, const Headers& extra = {}) {
    return send_json("POST", path, json, extra);
  }
  Response patch_json(std::string_view path, const std::string& json, const Headers& extra = {}) {
    return send_json("PATCH", path, json, extra);
  }
  Response put_json(std::string_view path, const std::string& json, const Headers& extra = {}) {
    return send_json("PUT", path, json, extra);
  }
  Response post_form(std::string_view path, const Fields& fields, const Headers& extra = {});
  Response request(std::string_view method, std::string_view path, const Headers& headers,
                   const std::string& body = {});

  const std::string& token() const { return token_; }
  HttpClient& client() { return client_; }

 private:
  Headers with_auth(const Headers& extra) const;
  std::string token_;
  HttpClient client_;
};

// pretix's serializer order of the team resource's keys.
const std::vector<std::string>& team_key_order();
// The keys of a JSON object, in wire order.
std::vector<std::string> keys_of(const boost::json::value& v);
// JSON text as a value, for dict-equality checks (Boost.JSON objects compare regardless of key order).
boost::json::value parse(std::string_view text);
// Human-readable response summary for failure messages.
std::string describe(const Response& r);

}  // namespace teamlog::blackbox
