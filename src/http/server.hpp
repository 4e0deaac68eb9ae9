// The HTTP server: N single-threaded I/O contexts, one acceptor, graceful stop. Beast stays behind the pimpl.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "events/result.hpp"
#include "http/app.hpp"
#include "http/server_config.hpp"

namespace teamlog::http {

class MetricsRegistry;

struct Endpoint {
  std::string host;  // the bound address, e.g. "127.0.0.1" or "::1"
  std::uint16_t port = 0;
  std::string url() const { return http_url(host, port); }
};

class Server {
 public:
  // Uses config's listen address, threads, limits, timeouts and log format; access lines go to access_logger(),
  // so call setup_logging() first. `app` (and `metrics`, when given) must outlive the server. With `metrics`, the server records teamlog_http_requests_total,
  // teamlog_http_request_duration_seconds, teamlog_http_open_connections and
  // teamlog_http_rejected_connections_total there.
  Server(Application& app, ServerConfig config, MetricsRegistry* metrics = nullptr);
  ~Server();  // stop()s if running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O threads; returns the bound endpoint (the real port when the config says 0).
  // Errors (kUnavailable: address in use, permission, unresolvable host; kFailedPrecondition: started twice) name
  // the address.
  Result<Endpoint> start();

  // Graceful and idempotent: stops accepting, closes idle keep-alive connections, lets requests in progress
  // finish (their responses say Connection: close), waits up to config.shutdown_timeout, then closes whatever is
  // left and joins the threads. Call it from any thread but an I/O thread (e.g. main after a signal).
  void stop();

  // config.public_url, or http://HOST:PORT of the bound endpoint.
  std::string public_url() const;
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace teamlog::http
