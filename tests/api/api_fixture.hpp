// An in-process teamlog for API tests: a real Store in a temp dir, the views, the command writer and the
// ApiApplication, driven through handle() with HttpRequest values (no sockets).
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "commands/writer.hpp"
#include "events/store.hpp"
#include "http/api/api_app.hpp"
#include "http/metrics.hpp"
#include "projections/view_store.hpp"
#include "test_support.hpp"

namespace teamlog::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;
using FormFields = std::vector<std::pair<std::string, std::string>>;

// The parts of a response a test looks at.
struct Reply {
  unsigned status = 0;
  std::string content_type;
  Headers headers;
  std::string body;
  std::string_view route;

  std::optional<std::string> header(std::string_view name) const;
  boost::json::value json() const;
};

// pretix's API test fixtures (src/tests/api/conftest.py), built through the API itself: organizer "dummy" with event
// "dummy", team "Test-Team" (every permission but can_checkin_orders, all events) with token "Foo" that `api()` uses,
// "User team" (no permission, limit_events ["dummy"]) with token "Testtoken"; organizer "other" whose admin user is
// dummy@dummy.dummy, pretix's `user` fixture. The teams teamlogctl init made are deleted again, as in pretix's
// fixtures only Test-Team and User team exist.
class ApiFixture {
 public:
  ApiFixture();
  ~ApiFixture();

  // Hands the request to the application and waits for the response (from whichever thread answers it).
  Reply request(const std::string& method, const std::string& target, const Headers& headers = {},
                const std::string& body = {});
  // Starts a request without waiting; get() the future for the response.
  std::future<Reply> start(const std::string& method, const std::string& target, const Headers& headers = {},
                           const std::string& body = {});

  // Requests authenticated with token Foo, unless `extra` has an Authorization header.
  Reply get(const std::string& target) { return request("GET", target, auth()); }
  Reply send_json(const std::string& method, const std::string& target, const std::string& body,
                  Headers extra = {});
  Reply post_json(const std::string& target, const std::string& body) { return send_json("POST", target, body); }
  Reply post_form(const std::string& target, const FormFields& fields, Headers extra = {});
  Reply del(const std::string& target, Headers extra = {});

  Headers auth() const { return auth_with(foo_token); }
  static Headers auth_with(const std::string& secret) { return {{"Authorization", "Token " + secret}}; }
  // A multipart/form-data body and its Content-Type, as Django's test client sends forms.
  static std::pair<std::string, std::string> multipart(const FormFields& fields);

  static std::string org(const std::string& rest) { return "/api/v1/organizers/dummy" + rest; }
  std::string team_path(std::int64_t team, const std::string& rest = {}) const;

  // Moves the application's clock (idempotency record expiry).
  void advance_clock(std::int64_t us) { clock_offset_us_ += us; }

  // The invite secret of a mail in the outbox, as the mailer derives it; "" when the invite has none queued.
  std::string invite_secret(std::int64_t invite) const;

  TempDir dir;
  commands::InviteKey invite_key{Hash{1, 2, 3, 4, 5, 6, 7, 8}};
  std::shared_ptr<StorageFaults> faults = std::make_shared<StorageFaults>();  // a healthy disk until a test says
  std::unique_ptr<Store> store;
  std::unique_ptr<projections::ViewStore> views;
  std::unique_ptr<commands::CommandWriter> writer;
  http::MetricsRegistry metrics;
  std::unique_ptr<http::api::ApiApplication> app;

  std::string dummy_admin_token;  // the token of dummy's init team (deleted by the fixture)
  std::string other_token;        // organizer other's admin token
  std::int64_t user_id = 0;       // dummy@dummy.dummy
  std::int64_t team_id = 0;       // Test-Team
  std::int64_t second_team_id = 0;  // User team
  std::string foo_token;
  std::int64_t foo_token_id = 0;
  std::string testtoken_secret;   // on User team: no permission at all
  std::int64_t testtoken_id = 0;

 private:
  std::atomic<std::int64_t> clock_offset_us_{0};
  std::atomic<int> requests_{0};
};

// The JSON bodies pretix's tests compare against (TEST_TEAM_RES, SECOND_TEAM_RES), as teamlog renders them.
std::string test_team_res(std::int64_t id);
std::string second_team_res(std::int64_t id);

}  // namespace teamlog::testing
