// The teams API as an Application: pretix's check order (route, authentication, permission, method, lookups,
// validation), reads served from the views on the I/O thread, writes through the command writer.
#pragma once

#include <memory>
#include <string>

#include "commands/writer.hpp"
#include "events/store.hpp"
#include "http/api/auth.hpp"
#include "http/api/idempotency.hpp"
#include "http/api/page_cache.hpp"
#include "http/api/routes.hpp"
#include "http/app.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "projections/view_store.hpp"

namespace teamlog::http::api {

struct ApiOptions {
  // Scheme and authority of absolute links, e.g. "https://teams.example.org" behind a proxy; empty: http://<Host>.
  std::string public_url;
  // Now, in UTC microseconds (idempotency records expire after 24 h); empty: the system clock.
  Idempotency::Clock clock;
  // Invite secrets are derived under this key (so that their mail can be sent); null: random, unmailable secrets.
  const commands::InviteKey* invite_key = nullptr;
  // Rendered list pages kept until the next change (page_cache.hpp), up to this many bytes; 0: none.
  std::size_t page_cache_bytes = 32u << 20;
};

class ApiApplication final : public Application {
 public:
  // Creates the idempotency column if it is missing. Everything passed in must outlive the application; `metrics`
  // is what /metrics renders.
  static Result<std::unique_ptr<ApiApplication>> create(Store& store, const projections::ViewStore& views,
                                                         commands::CommandWriter& writer,
                                                         const MetricsRegistry& metrics, ApiOptions options);

  void handle(HttpRequest request, std::function<void(HttpResponse)> respond) override;
  const PageCache* page_cache() const { return page_cache_.get(); }  // null when off

 private:
  ApiApplication(Store& store, const projections::ViewStore& views, commands::CommandWriter& writer,
                 const MetricsRegistry& metrics, ColumnId idempotency_column, ApiOptions options);
  // /healthz (the durable log position) and /metrics: no authentication, as load balancers and scrapers call them.
  HttpResponse operations_response(RouteId id) const;

  Store& store_;
  const projections::ViewStore& views_;
  commands::CommandWriter& writer_;
  const MetricsRegistry& metrics_;
  ApiOptions options_;
  Router router_;
  Idempotency idempotency_;
  GrantCache grants_;
  std::unique_ptr<PageCache> page_cache_;  // null with ApiOptions::page_cache_bytes 0
};

}  // namespace teamlog::http::api
