// Server: thread-per-core io_contexts, round-robin accept, connection cap, graceful stop.
#include "http/server.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "events/thread_name.hpp"
#include "http/logging.hpp"
#include "http/metrics.hpp"
#include "http/session.hpp"

namespace teamlog::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// One I/O thread's world. Member order matters: ~io_context destroys the handlers still queued on it, and the
// sessions they own unregister from `context` and release their slot in `open`, so both must outlive `io`.
struct Worker {
  Worker(Application& app, const SessionLimits& limits, LogFormat format, MetricsRegistry* registry,
         std::shared_ptr<std::atomic<std::size_t>> open_count)
      : open(std::move(open_count)), context{app, limits, format, access_logger()} {
    if (registry) {
      metrics.emplace(*registry);
      context.metrics = &*metrics;
    }
    context.open_connections = open.get();
  }

  std::shared_ptr<std::atomic<std::size_t>> open;
  std::optional<RequestMetrics> metrics;
  SessionContext context;
  // Hint 1: one thread runs it, but other threads post to it (acceptor, Application responses), so it keeps
  // its locking (BOOST_ASIO_CONCURRENCY_HINT_UNSAFE would drop it).
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{asio::make_work_guard(io)};
};

// A connection over the limit: answer 503 at once, half-close, drain briefly (so the answer is not lost to a
// reset), close. Bounded by a one-second timer whatever the client does.
class Rejection : public std::enable_shared_from_this<Rejection> {
 public:
  explicit Rejection(tcp::socket socket) : socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start() {
    const HttpResponse response = detail_response(503, "Too many connections.");
    append_response_head(response_, response, {cached_http_date(), generate_request_id(), true, false});
    response_ += response.body;
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->close();
    });
    asio::async_write(socket_, asio::buffer(response_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      shutdown_send(self->socket_);
      self->drain();
    });
  }

 private:
  void drain() {
    socket_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }
  void close() {
    timer_.cancel();
    close_stream(socket_);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string response_;
  std::array<char, 1024> sink_{};
};

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

struct Server::Impl {
  Impl(Application& a, ServerConfig c, MetricsRegistry* m) : app(a), config(std::move(c)), registry(m) {
    if (registry) {
      registry->callback(MetricType::kGauge, "teamlog_http_open_connections", "Open HTTP connections.", {},
                         [count = open] { return static_cast<double>(count->load(std::memory_order_relaxed)); });
      rejected = &registry->counter("teamlog_http_rejected_connections_total",
                                    "Connections answered 503 because max-connections were open.");
    }
  }

  void do_accept();
  void on_accept(error_code ec, tcp::socket socket, Worker& target);
  void run_worker(Worker& worker);

  Application& app;
  const ServerConfig config;
  MetricsRegistry* registry;
  Counter* rejected = nullptr;
  // Shared with every worker and the metrics callback, which may outlive the server.
  std::shared_ptr<std::atomic<std::size_t>> open = std::make_shared<std::atomic<std::size_t>>(0);

  std::vector<std::shared_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  // Declared after `workers`: they live on worker 0's io_context and must be destroyed before it.
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::size_t next_worker = 0;  // acceptor thread only
  Endpoint endpoint;

  std::mutex mutex;
  std::condition_variable threads_done;
  std::size_t running_threads = 0;
  enum class State { kNew, kRunning, kStopped } state = State::kNew;
};

void Server::Impl::do_accept() {
  Worker& target = *workers[next_worker];
  next_worker = (next_worker + 1) % workers.size();
  // The socket is created on the target worker's io_context; only the accept itself runs on worker 0.
  acceptor->async_accept(target.io, [this, &target](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket), target);
  });
}

void Server::Impl::on_accept(error_code ec, tcp::socket socket, Worker& target) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Out of file descriptors (or similar): retrying at once would spin; give closing connections a moment.
    spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
    accept_retry->expires_after(std::chrono::milliseconds(100));
    accept_retry->async_wait([this](error_code wait_ec) {
      if (!wait_ec && acceptor->is_open()) do_accept();
    });
    return;
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const auto peer = socket.remote_endpoint(ignored);
  std::string remote = ignored ? std::string("-") : endpoint_text(peer);

  // The slot is taken here, before the hand-off, so that a burst of accepts cannot overshoot the limit.
  if (open->fetch_add(1, std::memory_order_relaxed) >= config.max_connections) {
    open->fetch_sub(1, std::memory_order_relaxed);
    if (rejected) rejected->inc();
    spdlog::debug("rejecting connection from {}: {} connections open", remote, config.max_connections);
    asio::post(target.io, [s = std::move(socket)]() mutable { std::make_shared<Rejection>(std::move(s))->start(); });
  } else {
    // Sessions must start on their own thread: the io_contexts are single-threaded.
    asio::post(target.io, [&target, s = std::move(socket), r = std::move(remote)]() mutable {
      std::make_shared<Session<tcp::socket>>(std::move(s), target.context, std::move(r))->start();
    });
  }
  do_accept();
}

void Server::Impl::run_worker(Worker& worker) {
  while (true) {
    try {
      worker.io.run();
      break;
    } catch (const std::exception& e) {
      // Application exceptions are caught by the session; this is a bug in ours. Keep serving the others.
      spdlog::critical("unexpected exception on an I/O thread: {}", e.what());
    }
  }
  {
    std::lock_guard lock(mutex);
    --running_threads;
  }
  threads_done.notify_all();
}

Server::Server(Application& app, ServerConfig config, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(app, std::move(config), metrics)) {}

Server::~Server() { stop(); }

Result<Endpoint> Server::start() {
  Impl& s = *impl_;
  if (s.state != Impl::State::kNew) return Error::make(ErrorCode::kFailedPrecondition, "server already started");
  const ServerConfig& config = s.config;
  const std::string where = "listen on " + config.listen_host + ":" + std::to_string(config.listen_port);

  const SessionLimits limits{config.max_body_bytes, config.max_header_bytes, config.idle_timeout,
                             config.read_timeout};
  for (unsigned i = 0; i < std::max(config.threads, 1u); ++i) {
    s.workers.push_back(std::make_shared<Worker>(s.app, limits, config.log_format, s.registry, s.open));
    s.workers.back()->context.owner = s.workers.back();
  }
  asio::io_context& io0 = s.workers.front()->io;

  error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(config.listen_host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, config.listen_port);
  } else {
    // A host name: resolve once, at startup, where blocking is fine.
    tcp::resolver resolver(io0);
    const auto results = resolver.resolve(config.listen_host, std::to_string(config.listen_port), ec);
    if (ec || results.empty()) {
      return Error::make(ErrorCode::kUnavailable, where + ": cannot resolve host: " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }

  tcp::acceptor& acceptor = s.acceptor.emplace(io0);
  const auto fail = [&](const char* step) {
    s.acceptor.reset();
    return Error::make(ErrorCode::kUnavailable, where + ": " + step + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("socket");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) return fail("local endpoint");
  s.endpoint = Endpoint{bound.address().to_string(), bound.port()};
  s.accept_retry.emplace(io0);
  s.do_accept();

  {
    std::lock_guard lock(s.mutex);
    s.running_threads = s.workers.size();
    s.state = Impl::State::kRunning;
  }
  for (std::size_t i = 0; i < s.workers.size(); ++i) {
    s.threads.emplace_back([&s, i, w = s.workers[i].get()] {
      name_this_thread("teamlog-io-" + std::to_string(i));
      s.run_worker(*w);
    });
  }
  return s.endpoint;
}

void Server::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    if (s.state != Impl::State::kRunning) return;
    s.state = Impl::State::kStopped;
  }
  asio::post(s.workers.front()->io, [&s] {
    error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
  });
  for (const auto& worker : s.workers) {
    asio::post(worker->io, [w = worker.get()] {
      w->context.stopping = true;
      w->context.shutdown_all();
    });
    // Without the guard a worker's run() returns once its last connection is gone.
    worker->work.reset();
  }

  std::unique_lock lock(s.mutex);
  if (!s.threads_done.wait_for(lock, s.config.shutdown_timeout, [&] { return s.running_threads == 0; })) {
    spdlog::warn("stop: {} connection(s) still busy after {} s; closing them", s.open->load(),
                 s.config.shutdown_timeout.count());
    for (const auto& worker : s.workers) worker->io.stop();
  }
  lock.unlock();
  for (auto& thread : s.threads) thread.join();
  s.threads.clear();
}

std::string Server::public_url() const {
  return impl_->config.public_url.empty() ? impl_->endpoint.url() : impl_->config.public_url;
}

std::size_t Server::open_connections() const { return impl_->open->load(std::memory_order_relaxed); }

}  // namespace teamlog::http
