// One HTTP/1.1 connection: read a request, hand it to the Application, write its response, repeat (keep-alive).
// Internal to src/http: it includes Beast, so only server.cpp and the session tests include it.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "http/access_log.hpp"
#include "http/ascii.hpp"
#include "http/app.hpp"
#include "http/http_date.hpp"
#include "http/metrics.hpp"
#include "http/request_id.hpp"
#include "http/response_head.hpp"
#include "http/server_config.hpp"

namespace teamlog::http {

// How a session acts on its stream beyond reading and writing. A TCP socket can cancel reads and half-close;
// other streams (beast::test::stream in the tests) can only close, which the templates below do.
inline void cancel_io(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  s.cancel(ignored);
}
inline void shutdown_send(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  s.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
}
inline void close_stream(boost::asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  s.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}
template <class Stream>
void cancel_io(Stream& s) {
  s.close();
}
template <class Stream>
void shutdown_send(Stream& s) {
  s.close();
}
template <class Stream>
void close_stream(Stream& s) {
  s.close();
}

struct SessionLimits {
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::size_t max_header_bytes = std::size_t{16} << 10;
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(60);
  std::chrono::steady_clock::duration read_timeout = std::chrono::seconds(30);
  // After a response that closes the connection: how long to drain what the client still sends, so that closing
  // with unread input does not reset the connection and destroy the response before the client has read it.
  std::chrono::steady_clock::duration linger = std::chrono::seconds(2);
};

class SessionBase {
 public:
  // Graceful stop: an idle connection closes now, a busy one after its current response.
  virtual void shutdown() = 0;

 protected:
  ~SessionBase() = default;
};

// What the sessions of one I/O thread share. Touched only on that thread, so nothing here is locked.
struct SessionContext {
  Application& app;
  SessionLimits limits;
  LogFormat log_format = LogFormat::kText;
  std::shared_ptr<spdlog::logger> access_log;  // null: no access log
  RequestMetrics* metrics = nullptr;           // null: no request metrics
  // The owner of the execution context the sessions run on. Every pending `respond` callback holds it, so an
  // Application answering after the server is gone does not touch freed memory. Weak, because the owner holds
  // this context. Empty in tests, where the io_context outlives everything.
  std::weak_ptr<void> owner;
  // The open-connection count the acceptor incremented for each session; a session releases its slot when it is
  // destroyed. Null: not counted.
  std::atomic<std::size_t>* open_connections = nullptr;
  bool stopping = false;  // set by the server's stop(); no new request is read once it is
  std::unordered_set<SessionBase*> sessions;

  void shutdown_all() {
    // shutdown() never destroys a session synchronously, but copy anyway so the loop does not depend on it.
    const std::vector<SessionBase*> all(sessions.begin(), sessions.end());
    for (SessionBase* s : all) s->shutdown();
  }
};

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, SessionContext& context, std::string remote)
      : stream_(std::move(stream)), context_(context), remote_(std::move(remote)), timer_(stream_.get_executor()) {
    timer_.expires_at(Clock::time_point::max());
  }
  ~Session() {
    context_.sessions.erase(this);
    if (context_.open_connections) context_.open_connections->fetch_sub(1, std::memory_order_relaxed);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    context_.sessions.insert(this);
    if (context_.stopping) return close();
    read_next();
  }

  void shutdown() override {
    if (phase_ == Phase::kIdle) close();
  }

 private:
  using Clock = std::chrono::steady_clock;
  using error_code = boost::system::error_code;
  enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };

  static constexpr std::size_t kFirstReadBytes = 8192;
  static constexpr std::size_t kMaxKeptBufferBytes = 64 * 1024;

  // The Application's side of one request. Shared by every copy of the `respond` callback; when the last copy
  // goes without a call, the client gets a 500 rather than a connection that hangs forever.
  struct Responder {
    std::shared_ptr<void> owner;  // declared first: destroyed last, after the executor that points into it
    std::shared_ptr<Session> session;
    // Tracks outstanding work, so the I/O thread's run() does not return while the Application holds a request.
    boost::asio::any_io_executor executor;
    std::atomic<bool> done{false};

    Responder(std::shared_ptr<void> o, std::shared_ptr<Session> s, boost::asio::any_io_executor e)
        : owner(std::move(o)), session(std::move(s)), executor(std::move(e)) {}
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;
    ~Responder() {
      if (!done.load()) deliver(std::nullopt);
    }
    void respond(HttpResponse response) {
      if (done.exchange(true)) {
        // Not on the I/O thread: the session's request id may already be the next request's, so none here.
        spdlog::error("the application called respond more than once; later calls are ignored");
        return;
      }
      deliver(std::move(response));
    }
    // Inline when already on the session's thread (synchronous answers), else posted to it. nullopt: dropped.
    // Runs once (guarded by `done`) and gives the session away: an Application that keeps a copy of `respond`
    // after calling it must not keep the connection's memory alive too.
    void deliver(std::optional<HttpResponse> response) {
      boost::asio::dispatch(executor, [s = std::move(session), r = std::move(response)]() mutable {
        s->on_response(std::move(r));
      });
    }
  };

  // ---- reading ----

  void read_next() {
    if (context_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.limits.max_header_bytes));
    parser_->body_limit(context_.limits.max_body_bytes);
    if (buffer_.size() > 0) return begin_request();  // pipelined: the next request is already here
    // A large body grew the buffer; do not keep that much per idle connection.
    if (buffer_.capacity() > kMaxKeptBufferBytes) buffer_.shrink_to_fit();
    // Wait for the first byte separately, so an idle keep-alive connection gets the idle timeout and a request
    // that has started gets the (shorter) read timeout.
    phase_ = Phase::kIdle;
    set_deadline(Clock::now() + context_.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              self->on_first_bytes(ec, n);
                            });
  }

  void on_first_bytes(error_code ec, std::size_t n) {
    if (ec || closed_) return close();  // closed by the peer, idle timeout or stop: nobody to answer
    buffer_.commit(n);
    begin_request();
  }

  void begin_request() {
    phase_ = Phase::kReading;
    started_ = Clock::now();
    // One deadline for the whole request, so a client trickling bytes (slowloris) cannot hold the connection.
    set_deadline(started_ + context_.limits.read_timeout);
    boost::beast::http::async_read_header(stream_, buffer_, *parser_,
                                          [self = this->shared_from_this()](error_code ec, std::size_t) {
                                            self->on_header(ec);
                                          });
  }

  void on_header(error_code ec) {
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return dispatch_request();
    // Content-Length is already checked against the body limit (Beast fails the header read with body_limit),
    // so a client waiting for 100 Continue is only told to send a body we will accept.
    const auto& message = parser_->get();
    if (message.version() >= 11 && ascii_iequals(message[boost::beast::http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      boost::asio::async_write(stream_, boost::asio::buffer(kContinue.data(), kContinue.size()),
                               [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                                 if (write_ec) return self->close();
                                 self->read_body();
                               });
      return;
    }
    read_body();
  }

  void read_body() {
    boost::beast::http::async_read(stream_, buffer_, *parser_,
                                   [self = this->shared_from_this()](error_code ec, std::size_t) {
                                     if (ec) return self->on_read_error(ec);
                                     self->dispatch_request();
                                   });
  }

  void on_read_error(error_code ec) {
    namespace bh = boost::beast::http;
    if (closed_) return;
    if (timed_out_) return write_error(408, "Request timeout.");
    if (ec == bh::error::header_limit) return write_error(431, "Request header fields too large.");
    if (ec == bh::error::body_limit) {
      return write_error(413, "Request body too large (limit " + std::to_string(context_.limits.max_body_bytes) +
                                  " bytes).");
    }
    // end_of_stream and partial_message mean the client went away; other parser errors are its bad bytes.
    if (ec.category() == bh::make_error_code(bh::error::bad_method).category() && ec != bh::error::end_of_stream &&
        ec != bh::error::partial_message) {
      return write_error(400, "Malformed request: " + ec.message() + ".");
    }
    close();
  }

  // ---- handling ----

  void dispatch_request() {
    auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const std::string_view target = request.target;
    const std::size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
    request.headers.reserve(16);
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), ascii_lower);
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.host = std::string(message[boost::beast::http::field::host]);
    request.remote = remote_;
    request.keep_alive = message.keep_alive();
    request.body = std::move(message.body());

    const auto client_id = message["X-Request-Id"];
    request_id_ = is_sane_request_id(client_id) ? std::string(client_id) : generate_request_id();
    request.request_id = request_id_;
    method_.assign(request.method);
    path_ = loggable_path(request.path);
    keep_alive_ = request.keep_alive;
    http10_ = message.version() == 10;
    head_ = message.method() == boost::beast::http::verb::head;

    phase_ = Phase::kHandling;
    set_deadline(Clock::time_point::max());  // the Application may take its time (group commit)
    auto responder = std::make_shared<Responder>(
        context_.owner.lock(), this->shared_from_this(),
        boost::asio::prefer(stream_.get_executor(), boost::asio::execution::outstanding_work.tracked));
    // The one place Application exceptions are caught.
    try {
      context_.app.handle(std::move(request), [responder](HttpResponse r) { responder->respond(std::move(r)); });
    } catch (const std::exception& e) {
      fail(*responder, e.what());
    } catch (...) {
      fail(*responder, "unknown exception");
    }
  }

  void fail(Responder& responder, std::string_view what) {
    spdlog::error("request {} {} {}: the application threw: {}", request_id_, method_, path_, what);
    if (!responder.done.exchange(true)) responder.deliver(internal_error_response(request_id_));
  }

  void on_response(std::optional<HttpResponse> response) {
    if (closed_) return;
    if (!response) {
      spdlog::error("request {} {} {}: the application dropped respond without calling it", request_id_, method_,
                    path_);
      response = internal_error_response(request_id_);
    }
    write_response(std::move(*response), !keep_alive_ || context_.stopping);
  }

  // ---- writing ----

  // An answer the session gives by itself (limits, bad requests, timeouts); it always closes the connection,
  // because the input stream is no longer at a request boundary.
  void write_error(unsigned status, std::string_view detail) {
    // Whatever of the header was parsed: all of it for a body over the limit (Beast checks Content-Length once
    // the fields are in), nothing for a header over the limit.
    const auto& message = parser_->get();
    const bool have_line = !message.method_string().empty();
    method_.assign(have_line ? std::string_view(message.method_string()) : std::string_view("-"));
    path_.assign(have_line ? std::string_view(message.target()) : std::string_view("-"));
    path_.resize(std::min(path_.find('?'), path_.size()));
    path_ = loggable_path(path_);
    const auto client_id = message["X-Request-Id"];
    request_id_ = is_sane_request_id(client_id) ? std::string(client_id) : generate_request_id();
    http10_ = false;
    head_ = false;
    write_response(detail_response(status, detail), true);
  }

  void write_response(HttpResponse response, bool close_after) {
    close_after_write_ = close_after;
    status_ = response.status;
    route_ = response.route;
    head_buffer_.clear();
    append_response_head(head_buffer_, response,
                         {cached_http_date(), request_id_, close_after, http10_ && !close_after});
    body_ = std::move(response.body);
    shared_body_ = std::move(response.shared_body);
    const std::string_view body = shared_body_ ? std::string_view(*shared_body_) : std::string_view(body_);
    // HEAD keeps GET's Content-Length but sends no body; bodiless statuses send none either.
    body_bytes_ = (head_ || !status_has_body(status_)) ? 0 : body.size();
    phase_ = Phase::kWriting;
    set_deadline(Clock::now() + context_.limits.read_timeout);
    const std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(head_buffer_),
                                                           boost::asio::buffer(body.data(), body_bytes_)};
    boost::asio::async_write(stream_, buffers, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->on_write(ec);
    });
  }

  void on_write(error_code ec) {
    const auto elapsed = Clock::now() - started_;
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    if (context_.metrics) {
      context_.metrics->record(route_, method_, status_, std::chrono::duration<double>(elapsed).count());
    }
    if (context_.access_log) {
      log_access(*context_.access_log, context_.log_format,
                 {method_, path_, status_, body_bytes_, static_cast<std::uint64_t>(micros), request_id_, remote_});
    }
    body_ = std::string();  // a large response body is not kept per idle connection
    shared_body_.reset();
    if (ec || closed_) return close();
    if (close_after_write_) return linger();
    read_next();
  }

  // Half-close, then read and discard until the client closes too or the linger time is up.
  void linger() {
    phase_ = Phase::kLingering;
    shutdown_send(stream_);
    set_deadline(Clock::now() + context_.limits.linger);
    buffer_.clear();
    drain();
  }

  void drain() {
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](error_code ec, std::size_t) {
                              if (ec || self->closed_) return self->close();
                              self->drain();
                            });
  }

  // ---- deadlines ----
  // One timer per connection with a movable deadline: a phase change only stores the new deadline unless it is
  // earlier than the pending wait, and a wait that wakes early re-arms itself. Most requests cost no timer syscall.

  void set_deadline(Clock::time_point deadline) {
    deadline_ = deadline;
    if (waiting_ && timer_.expiry() <= deadline) return;
    timer_.expires_at(deadline);  // cancels a pending wait; its handler sees a stale generation
    start_wait();
  }

  void start_wait() {
    waiting_ = true;
    timer_.async_wait([self = this->shared_from_this(), generation = ++wait_generation_](error_code ec) {
      self->on_timer(ec, generation);
    });
  }

  void on_timer(error_code ec, std::uint64_t generation) {
    if (generation != wait_generation_) return;
    waiting_ = false;
    if (ec || closed_ || deadline_ == Clock::time_point::max()) return;
    if (Clock::now() < deadline_) {
      timer_.expires_at(deadline_);
      return start_wait();
    }
    switch (phase_) {
      case Phase::kReading:
        // Cancelling the read lets on_read_error answer 408 (on a TCP socket; test streams can only close).
        timed_out_ = true;
        cancel_io(stream_);
        return;
      case Phase::kIdle:
      case Phase::kWriting:
      case Phase::kLingering:
        return close();
      case Phase::kHandling:
      case Phase::kClosed:
        return;
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    phase_ = Phase::kClosed;
    timer_.cancel();
    close_stream(stream_);
  }

  Stream stream_;
  SessionContext& context_;
  const std::string remote_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;

  boost::asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::uint64_t wait_generation_ = 0;
  bool waiting_ = false;

  Phase phase_ = Phase::kIdle;
  bool closed_ = false;
  bool timed_out_ = false;

  // The request being answered; strings are reused across requests to avoid reallocating.
  Clock::time_point started_{};
  std::string method_;
  std::string path_;
  std::string request_id_;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool head_ = false;

  // The response being written.
  std::string head_buffer_;
  std::string body_;
  std::shared_ptr<const std::string> shared_body_;  // the body when the response shares it
  std::size_t body_bytes_ = 0;
  unsigned status_ = 0;
  std::string_view route_;
  bool close_after_write_ = false;
};

}  // namespace teamlog::http
