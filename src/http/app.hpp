// The seam between the HTTP infrastructure and the domain: the server hands every request to an Application.
#pragma once

#include <functional>

#include "http/request.hpp"

namespace teamlog::http {

class Application {
 public:
  virtual ~Application();

  // Called on the connection's I/O thread, once per request, in arrival order; one request per connection is in
  // flight at a time, so responses go out in request order even when the client pipelines.
  //
  // `respond` must be called once. It may be called before handle() returns (queries answered in place) or later
  // from any thread (a write completing when its group commit is durable): the session moves the response back
  // onto its own I/O thread before writing. handle() must not block the I/O thread.
  //
  // Safety nets, both logged as errors: if every copy of `respond` is destroyed without a call, the client gets a
  // 500; calls after the first are ignored. An exception escaping handle() before `respond` was called becomes a
  // 500 `{"detail":"Internal server error.","request_id":"..."}` with the detail in the log.
  //
  // HEAD requests arrive with method "HEAD" (a GET route's Router entry allows HEAD): answer them as GET, the
  // session drops the body and keeps its Content-Length.
  virtual void handle(HttpRequest request, std::function<void(HttpResponse)> respond) = 0;
};

}  // namespace teamlog::http
