// teamlog_ceiling: the benchmark's ceiling, a minimal Beast HTTP/1.1 server that answers every request with one
// constant JSON body the size of a rendered team. It does what any HTTP server must (parse the request, keep the
// connection alive, write a response with a Date) and nothing else: no routing, auth, storage, logging or metrics.
// Its requests/s on N threads is what the loopback, the kernel and Beast allow teamlogd on N threads.
//
// Same flags as teamlogd (--listen, --threads, ...; the storage and logging ones are accepted and ignored), the
// same threading (N single-threaded io_contexts, round-robin accept, TCP_NODELAY) and the same ready line
// "listening on http://HOST:PORT" on stderr. SIGTERM/SIGINT stop it.
//
// TEAMLOG_CEILING_PAGE_ITEMS=N in the environment makes the body a list page of N such teams in pretix's envelope
// (count, next, previous, results; 50 items: ~20 KB like GET team list's page 1), the ceiling for a list-sized answer.
//
// TEAMLOG_CEILING_SHAPED=1 answers each request with a constant body of the size teamlogd answers it with in the
// benchmark, chosen by the request line alone: a GET of a team list (a path ending in /teams/) a page of 50 teams
// (TEAMLOG_CEILING_PAGE_ITEMS sets another count), a GET of a token list a page of two tokens, a POST to a token
// list a new token with its secret, anything else the team. Driven with a scenario's requests it is the ceiling for
// that scenario's answers (GET team list's ~20 KB pages cost the kernel and wrk more than a team).
//
// TEAMLOG_CEILING_DURABLE=1 makes it the ceiling for a durable write: a request with a body (POST, PATCH) is
// answered 201 only after its body is appended to DATA_DIR/ceiling.log and fdatasync'd, with group commit (one
// thread writes everything pending with one write() and one fdatasync(), then answers them all): what the
// loopback, the kernel, Beast and the disk allow one acknowledged write, before any storage engine or validation.
#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/http_date.hpp"
#include "http/server_config.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// A team as teamlogd renders it (GET /api/v1/organizers/org0/teams/101/ of the benchmark's dataset): 405 bytes.
constexpr std::string_view kBody =
    R"({"id":101,"name":"Team 0","all_events":false,"limit_events":["ev0"],"can_create_events":false,"can_c)"
    R"(hange_teams":false,"can_change_organizer_settings":false,"can_manage_gift_cards":false,"can_change_e)"
    R"(vent_settings":false,"can_change_items":false,"can_view_orders":true,"can_change_orders":false,"can_)"
    R"(view_vouchers":false,"can_change_vouchers":false,"can_checkin_orders":false,"can_manage_customers":f)"
    R"(alse})";

// A list page in pretix's envelope: n copies of `item` out of `count`.
std::string page_of(std::string_view item, int n, int count, std::string_view next) {
  std::string page = R"({"count":)" + std::to_string(count) + R"(,"next":)";
  page += next;
  page += R"(,"previous":null,"results":[)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) page += ',';
    page += item;
  }
  page += "]}";
  return page;
}

int env_int(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : 0;
}

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string_view(v) != "0";
}

constexpr std::string_view kNextPage = R"("http://127.0.0.1:8080/api/v1/organizers/org0/teams/?page=2")";

// The bodies, made once before the first connection: what every request gets, or with TEAMLOG_CEILING_SHAPED what
// each kind of request gets.
struct Bodies {
  bool shaped = false;
  std::string team;        // everything else (and everything when not shaped)
  std::string team_list;   // GET .../teams/
  std::string token_list;  // GET .../tokens/
  std::string new_token;   // POST .../tokens/

  static const Bodies& get() {
    static const Bodies bodies = [] {
      Bodies b;
      b.shaped = env_flag("TEAMLOG_CEILING_SHAPED");
      const int items = env_int("TEAMLOG_CEILING_PAGE_ITEMS");
      b.team = !b.shaped && items > 0 ? page_of(kBody, items, 5000, kNextPage) : std::string(kBody);
      b.team_list = page_of(kBody, items > 0 ? items : 50, 5000, kNextPage);
      // As teamlogd answers them for a team of the benchmark's dataset (two tokens) and for a new token.
      b.token_list = page_of(R"({"id":101,"name":"Token 0","active":true})", 2, 2, "null");
      b.new_token = R"({"id":10102,"name":"token bench-1-1","active":true,)"
                    R"("token":"j6yx7ssjowlmx1ttcnu589dke12by5tlli5rpmv0p9vl64hudx3tyjcdwugmpqrc"})";
      return b;
    }();
    return bodies;
  }

  const std::string& of(beast::http::verb method, std::string_view target) const {
    if (!shaped) return team;
    target = target.substr(0, target.find('?'));
    if (method == beast::http::verb::get && target.ends_with("/teams/")) return team_list;
    if (target.ends_with("/tokens/")) return method == beast::http::verb::post ? new_token : token_list;
    return team;
  }
};

// Group commit for TEAMLOG_CEILING_DURABLE: bodies queue here; one thread appends all that are pending with one
// write() and one fdatasync(), then runs their completions.
class Journal {
 public:
  using Done = std::function<void()>;

  // Opens (creating, appending to) `path`; false with errno set if it cannot.
  bool open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return false;
    thread_ = std::thread([this] { run(); });
    return true;
  }

  void stop() {
    if (fd_ < 0) return;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    ::close(fd_);
  }

  void append(std::string_view bytes, Done done) {
    {
      std::lock_guard lock(mutex_);
      pending_.append(bytes);
      pending_.push_back('\n');
      waiting_.push_back(std::move(done));
    }
    wake_.notify_one();
  }

 private:
  void run() {
    std::string bytes;
    std::vector<Done> done;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
        if (waiting_.empty()) return;
        bytes.swap(pending_);
        done.swap(waiting_);
      }
      for (std::size_t at = 0; at < bytes.size();) {
        const auto n = ::write(fd_, bytes.data() + at, bytes.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          std::perror("teamlog_ceiling: durable append");
          std::abort();  // a benchmark tool: never acknowledge a write it could not make durable
        }
        at += static_cast<std::size_t>(n);
      }
      if (::fdatasync(fd_) != 0) {
        std::perror("teamlog_ceiling: fdatasync");
        std::abort();
      }
      for (auto& d : done) d();
      bytes.clear();
      done.clear();
    }
  }

  int fd_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  std::vector<Done> waiting_;
  bool stopping_ = false;
};

Journal* journal = nullptr;  // set in durable mode, before the first connection

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void read() {
    parser_.emplace();
    beast::http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      const auto& body = self->parser_->get().body();
      if (journal && !body.empty()) {
        journal->append(body, [self] { asio::post(self->socket_.get_executor(), [self] { self->write("201 Created"); }); });
        return;
      }
      self->write("200 OK");
    });
  }

 private:
  void write(std::string_view status) {
    keep_alive_ = parser_->get().keep_alive();
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += status;
    head_ += "\r\nServer: teamlog_ceiling\r\nDate: ";
    head_ += teamlog::http::cached_http_date();
    const auto& request = parser_->get();
    const std::string& body = Bodies::get().of(request.method(), request.target());
    head_ += "\r\nContent-Type: application/json\r\nContent-Length: ";
    head_ += std::to_string(body.size());
    head_ += keep_alive_ ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body.data(), body.size())};
    asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  void close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::string head_;
  bool keep_alive_ = true;
};

struct Worker {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
};

class Ceiling {
 public:
  explicit Ceiling(unsigned threads) {
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) workers_.push_back(std::make_unique<Worker>());
  }

  // Binds and listens; the bound endpoint, or an error message.
  std::string listen(const std::string& host, std::uint16_t port, tcp::endpoint& bound) {
    error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    tcp::endpoint endpoint;
    if (!ec) {
      endpoint = tcp::endpoint(address, port);
    } else {
      tcp::resolver resolver(workers_.front()->io);
      const auto results = resolver.resolve(host, std::to_string(port), ec);
      if (ec || results.empty()) return "cannot resolve " + host + ": " + ec.message();
      endpoint = results.begin()->endpoint();
    }
    acceptor_.emplace(workers_.front()->io);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) bound = acceptor_->local_endpoint(ec);
    if (ec) return "listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    accept();
    return {};
  }

  void run() {
    for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->io.run(); });
  }

  void stop() {
    for (auto& worker : workers_) worker->io.stop();
    for (auto& thread : threads_) thread.join();
  }

 private:
  void accept() {
    Worker& target = *workers_[next_];
    next_ = (next_ + 1) % workers_.size();
    acceptor_->async_accept(target.io, [this, &target](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::post(target.io, [s = std::move(socket)]() mutable { std::make_shared<Session>(std::move(s))->read(); });
      }
      accept();
    });
  }

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::optional<tcp::acceptor> acceptor_;  // on worker 0
  std::size_t next_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  auto config = teamlog::http::parse_config(argc, argv, teamlog::http::process_env());
  if (!config.ok()) {
    std::fprintf(stderr, "teamlog_ceiling: %s\n", config.error().message.c_str());
    return 2;
  }
  if (config->action != teamlog::http::ServerConfig::Action::kRun) {
    std::fputs("teamlog_ceiling: the benchmark's ceiling server; takes teamlogd's flags, uses --listen and --threads.\n"
               "TEAMLOG_CEILING_PAGE_ITEMS=N (environment): answer a list page of N teams instead of one team.\n"
               "TEAMLOG_CEILING_SHAPED=1 (environment): answer each request with a body the size of teamlogd's answer\n"
               "  to it (a GET of .../teams/ a page of 50 teams or PAGE_ITEMS, of .../tokens/ two tokens, a POST to\n"
               "  .../tokens/ a new token, anything else one team).\n"
               "TEAMLOG_CEILING_DURABLE=1 (environment): answer a request with a body only once it is appended to\n"
               "  DATA_DIR/ceiling.log and fdatasync'd (group commit).\n\n",
               stdout);
    std::fputs(config->usage.c_str(), stdout);
    return 0;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  (void)Bodies::get();
  Journal durable;
  if (env_flag("TEAMLOG_CEILING_DURABLE")) {
    const std::string path = config->data_dir + "/ceiling.log";
    if (!durable.open(path)) {
      std::fprintf(stderr, "teamlog_ceiling: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
      return 1;
    }
    journal = &durable;
  }
  Ceiling ceiling(config->threads);
  tcp::endpoint bound;
  if (const auto error = ceiling.listen(config->listen_host, config->listen_port, bound); !error.empty()) {
    std::fprintf(stderr, "teamlog_ceiling: %s\n", error.c_str());
    return 1;
  }
  ceiling.run();
  const std::string ready =
      "listening on " + teamlog::http::http_url(bound.address().to_string(), bound.port()) + "\n";
  std::fwrite(ready.data(), 1, ready.size(), stderr);
  std::fflush(stderr);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  ceiling.stop();
  durable.stop();
  return 0;
}
