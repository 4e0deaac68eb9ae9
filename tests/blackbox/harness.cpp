// Black-box harness: child processes over fork/exec with piped output, and a bounded Beast HTTP client.
#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

extern char** environ;

namespace teamlog::blackbox {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(errno_text("pipe2"));
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

// The child's environment: ours without TEAMLOG_* so that an operator's settings cannot change the binaries.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("TEAMLOG_")) continue;
    env.emplace_back(*e);
  }
  return env;
}

// fork/exec with stdin from /dev/null and stdout/stderr onto the given descriptors. The child gets SIGKILL when
// the spawning thread ends (PR_SET_PDEATHSIG), so a test binary that dies leaves no teamlogd behind.
int spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  // Everything the child needs is prepared here: after fork() it may only make async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto env_strings = child_environment();
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) throw std::runtime_error(errno_text("open /dev/null"));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    if (dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  const int fork_errno = errno;
  ::close(devnull);
  if (pid < 0) throw std::runtime_error("fork " + argv.at(0) + ": " + std::strerror(fork_errno));
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

// Reaps pid if it exits before the deadline; returns its decoded status.
std::optional<int> wait_until(int pid, Clock::time_point deadline) {
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

int kill_and_reap(int pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return decode_status(status);
}

}  // namespace

std::string bin_dir() {
  if (const char* env = std::getenv("TEAMLOG_BIN_DIR"); env != nullptr && *env != '\0') return env;
  // Fallback for running the binary by hand: walk up from build/<x>/tests/blackbox to build/<x>/bin.
  std::error_code ec;
  auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (int i = 0; i < 5 && !dir.empty(); ++i, dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "bin" / "teamlogd", ec)) return (dir / "bin").string();
  }
  throw std::runtime_error("cannot find teamlogd: set TEAMLOG_BIN_DIR");
}

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds bound) {
  Pipe out;
  Pipe err;
  int pid = spawn(argv, out.write, err.write);
  out.close_write();
  err.close_write();
  ProcessResult result;
  const auto deadline = Clock::now() + bound;
  bool out_open = true;
  bool err_open = true;
  char buf[4096];
  while ((out_open || err_open) && Clock::now() < deadline) {
    pollfd fds[2] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    int n = poll(fds, 2, static_cast<int>(std::clamp<long long>(left, 0, 100)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      bool& open = i == 0 ? out_open : err_open;
      if (!open || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        open = false;
      }
    }
  }
  auto code = wait_until(pid, deadline);
  if (!code) {
    result.timed_out = true;
    result.exit_code = kill_and_reap(pid);
  } else {
    result.exit_code = *code;
  }
  return result;
}

std::int64_t InitResult::team_id() const { return team.at("id").as_int64(); }
std::int64_t InitResult::user_id() const { return user.at("id").as_int64(); }

// Reads one run's combined stdout+stderr into the shared log until EOF.
struct BackgroundProcess::Drain {
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::string log;         // every run
  std::size_t run_start = 0;  // where the current run's output begins
  bool eof = true;
  std::thread thread;

  void run(int fd) {
    char buf[4096];
    while (true) {
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      std::lock_guard lock(mutex);
      if (got <= 0) {
        eof = true;
        changed.notify_all();
        break;
      }
      log.append(buf, static_cast<std::size_t>(got));
      changed.notify_all();
    }
    ::close(fd);
  }
};

BackgroundProcess::BackgroundProcess() : drain_(std::make_shared<Drain>()) {}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) kill_and_reap(pid_);
  pid_ = -1;
  reap_drain();
}

void BackgroundProcess::reap_drain() {
  // The child is gone, so its end of the pipe is closed and the thread sees EOF.
  if (drain_->thread.joinable()) drain_->thread.join();
}

std::uint16_t BackgroundProcess::start(const std::vector<std::string>& argv, std::string_view marker,
                                       std::chrono::milliseconds bound) {
  if (pid_ > 0) throw std::runtime_error(argv.at(0) + " already running");
  reap_drain();
  Pipe output;
  pid_ = spawn(argv, output.write, output.write);
  output.close_write();
  std::size_t from = 0;
  {
    std::lock_guard lock(drain_->mutex);
    drain_->eof = false;
    drain_->run_start = drain_->log.size();
    from = drain_->run_start;
  }
  int fd = output.read;
  output.read = -1;  // the drain thread owns it now
  drain_->thread = std::thread([drain = drain_, fd] { drain->run(fd); });

  std::unique_lock lock(drain_->mutex);
  std::optional<std::uint16_t> found;
  auto ready = [&] {
    auto at = drain_->log.find(marker, from);
    if (at != std::string::npos) {
      auto digits = at + marker.size();
      auto end = drain_->log.find_first_not_of("0123456789", digits);
      if (end != std::string::npos && end > digits) {
        found = static_cast<std::uint16_t>(std::stoul(drain_->log.substr(digits, end - digits)));
        return true;
      }
    }
    return drain_->eof;
  };
  bool done = drain_->changed.wait_for(lock, bound, ready);
  std::string log_so_far = drain_->log.substr(from);
  lock.unlock();
  if (done && found) return *found;
  auto code = drain_->eof ? wait_until(pid_, Clock::now() + 2s) : std::optional<int>{};
  if (!code) code = kill_and_reap(pid_);
  pid_ = -1;
  reap_drain();
  throw std::runtime_error(argv.at(0) + " did not report \"" + std::string(marker) + "\" " +
                           (done ? "before exiting" : "within the bound") + " (exit " + std::to_string(*code) +
                           "); its output:\n" + log_so_far);
}

std::optional<int> BackgroundProcess::stop(std::chrono::milliseconds bound) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  auto code = wait_until(pid_, Clock::now() + bound);
  if (!code) kill_and_reap(pid_);
  pid_ = -1;
  reap_drain();
  return code;
}

void BackgroundProcess::kill() {
  if (pid_ <= 0) return;
  kill_and_reap(pid_);
  pid_ = -1;
  reap_drain();
}

std::string BackgroundProcess::log() const {
  std::lock_guard lock(drain_->mutex);
  return drain_->log;
}

TeamlogServer::TeamlogServer() : data_dir_((dir_.path() / "data").string()) {}

TeamlogServer::~TeamlogServer() = default;

InitResult TeamlogServer::init(const std::string& organizer, const std::string& admin_email,
                               const std::string& organizer_name) {
  std::vector<std::string> argv{bin_dir() + "/teamlogctl", "--data-dir", data_dir_, "init", "--organizer",
                                organizer, "--admin-email", admin_email};
  if (!organizer_name.empty()) {
    argv.emplace_back("--organizer-name");
    argv.push_back(organizer_name);
  }
  auto r = run_process(argv, 20s);
  if (r.exit_code != 0 || r.timed_out) {
    throw std::runtime_error("teamlogctl init " + organizer + " failed (exit " + std::to_string(r.exit_code) +
                             (r.timed_out ? ", timed out" : "") + "): " + r.err);
  }
  auto v = boost::json::parse(r.out);
  const auto& o = v.as_object();
  InitResult init;
  init.organizer = boost::json::serialize(o.at("organizer"));
  init.team = o.at("team").as_object();
  init.user = o.at("user").as_object();
  init.token = std::string(o.at("token").as_string());
  return init;
}

void TeamlogServer::start(std::uint16_t port, std::chrono::milliseconds bound) {
  std::vector<std::string> argv{bin_dir() + "/teamlogd", "--data-dir", data_dir_, "--listen",
                                "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args_.begin(), args_.end());
  port_ = process_.start(argv, "listening on http://127.0.0.1:", bound);
}

void TeamlogServer::restart(std::chrono::milliseconds bound) { start(port_, bound); }

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  }
  return std::nullopt;
}

boost::json::value Response::json() const {
  error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + describe(*this));
  return v;
}

struct HttpClient::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  std::uint16_t port;
  std::chrono::milliseconds timeout;

  Impl(std::uint16_t p, std::chrono::milliseconds t) : port(p), timeout(t) {}

  // Runs one asynchronous operation to completion with the stream's deadline; never blocks past it.
  template <class Start>
  error_code run(Start start) {
    error_code result = net::error::would_block;
    stream.expires_after(timeout);
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run_for(timeout + 2s);
    if (result == net::error::would_block) {
      stream.close();
      ioc.restart();
      ioc.run_for(2s);
      result = beast::error::timeout;
    }
    return result;
  }

  void disconnect() {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    connected = false;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, timeout)) {}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
  if (impl_->connected) impl_->disconnect();
}

Response HttpClient::request(std::string_view method, std::string_view target, const Headers& headers,
                             const std::string& body) {
  auto& s = *impl_;
  http::request<http::string_body> req;
  req.version(11);
  req.method_string(method);
  req.target(target);
  bool has_host = false;
  for (const auto& [k, v] : headers) {
    req.insert(k, v);
    if (beast::iequals(k, "Host")) has_host = true;
  }
  if (!has_host) req.set(http::field::host, "127.0.0.1:" + std::to_string(s.port));
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.content_length(body.size());
  }

  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = s.connected;
    if (!s.connected) {
      tcp::endpoint ep(net::ip::address_v4::loopback(), s.port);
      auto ec = s.run([&](auto done) { s.stream.async_connect(ep, done); });
      if (ec) {
        s.disconnect();
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(s.port) + ": " + ec.message());
      }
      s.stream.socket().set_option(tcp::no_delay(true));
      s.connected = true;
    }
    auto ec = s.run([&](auto done) { http::async_write(s.stream, req, done); });
    if (ec) {
      s.disconnect();
      if (reused && attempt == 0) continue;
      throw std::runtime_error("write " + std::string(method) + " " + std::string(target) + ": " + ec.message());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (method == "HEAD") parser.skip(true);
    ec = s.run([&](auto done) { http::async_read(s.stream, s.buffer, parser, done); });
    if (ec) {
      const bool nothing_read = !parser.got_some();
      s.disconnect();
      if (reused && attempt == 0 && nothing_read &&
          (ec == http::error::end_of_stream || ec == net::error::connection_reset || ec == net::error::eof))
        continue;
      throw std::runtime_error("read response to " + std::string(method) + " " + std::string(target) + ": " +
                               ec.message());
    }
    auto res = parser.release();
    Response out;
    out.status = res.result_int();
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) s.disconnect();
    return out;
  }
  throw std::runtime_error("unreachable");
}

std::string multipart_body(const Fields& fields, std::string& content_type) {
  static constexpr std::string_view kBoundary = "BoUnDaRyStRiNg";
  content_type = "multipart/form-data; boundary=" + std::string(kBoundary);
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--";
    body += kBoundary;
    body += "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  }
  body += "--";
  body += kBoundary;
  body += "--\r\n";
  return body;
}

Api::Api(std::uint16_t port, std::string token) : token_(std::move(token)), client_(port) {}

Headers Api::with_auth(const Headers& extra) const {
  Headers h;
  if (!token_.empty()) h.emplace_back("Authorization", "Token " + token_);
  h.emplace_back("Accept", "application/json, text/javascript");
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

Response Api::get(std::string_view path, const Headers& extra) { return client_.request("GET", path, with_auth(extra)); }

Response Api::del(std::string_view path, const Headers& extra) {
  return client_.request("DELETE", path, with_auth(extra));
}

Response Api::send_json(std::string_view method, std::string_view path, const std::string& json,
                        const Headers& extra) {
  auto h = with_auth(extra);
  h.emplace_back("Content-Type", "application/json");
  return client_.request(method, path, h, json);
}

Response Api::post_form(std::string_view path, const Fields& fields, const Headers& extra) {
  std::string content_type;
  auto body = multipart_body(fields, content_type);
  auto h = with_auth(extra);
  h.emplace_back("Content-Type", content_type);
  return client_.request("POST", path, h, body);
}

Response Api::request(std::string_view method, std::string_view path, const Headers& headers,
                      const std::string& body) {
  return client_.request(method, path, headers, body);
}

const std::vector<std::string>& team_key_order() {
  static const std::vector<std::string> order{
      "id",          "name",           "all_events",         "limit_events",
      "can_create_events", "can_change_teams", "can_change_organizer_settings", "can_manage_gift_cards",
      "can_change_event_settings", "can_change_items", "can_view_orders", "can_change_orders",
      "can_view_vouchers", "can_change_vouchers", "can_checkin_orders", "can_manage_customers"};
  return order;
}

std::vector<std::string> keys_of(const boost::json::value& v) {
  std::vector<std::string> keys;
  if (!v.is_object()) return keys;
  for (const auto& kv : v.as_object()) keys.emplace_back(kv.key());
  return keys;
}

boost::json::value parse(std::string_view text) { return boost::json::parse(text); }

std::string describe(const Response& r) {
  std::string s = "HTTP " + std::to_string(r.status);
  for (const auto& [k, v] : r.headers) s += "\n" + k + ": " + v;
  s += "\n\n" + r.body.substr(0, 2000);
  return s;
}

}  // namespace teamlog::blackbox
