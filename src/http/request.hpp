// The HTTP request and response as plain values: what an Application sees, with no Beast types in sight.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace teamlog::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;   // as sent, e.g. "GET"; unknown methods are passed through
  std::string target;   // the raw request target, path and query
  std::string path;     // target up to '?', not percent-decoded (routes match raw segments)
  std::string query;    // after '?', without it; empty when absent
  HeaderList headers;   // names lowercased, values as sent, in arrival order
  std::string body;     // de-chunked, at most the configured body limit
  std::string request_id;
  std::string host;     // the Host header
  std::string remote;   // peer "ip:port"
  bool keep_alive = true;

  // The first header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

// The content types teamlog sends. A response names one of these constants (no string built per response).
inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kHtmlContentType = "text/html; charset=utf-8";
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
// All of them, and none (empty).
inline constexpr std::string_view kContentTypes[] = {kJsonContentType, kHtmlContentType, kPrometheusContentType, ""};

struct HttpResponse {
  unsigned status = 200;
  std::string_view content_type = kJsonContentType;  // one of kContentTypes; empty: no Content-Type header
  HeaderList headers;                              // extra headers, written after the standard ones in this order
  std::string body;
  // Instead of `body` (then empty): a body that others hold too, sent without a copy (a cached list page).
  std::shared_ptr<const std::string> shared_body;
  std::string_view body_view() const { return shared_body ? std::string_view(*shared_body) : std::string_view(body); }
  // The matched route pattern, the `route` label of the request metrics (the raw path would make their
  // cardinality unbounded). It must outlive the response: point it into the Router. Empty: "unmatched".
  std::string_view route;
};

// The constant of kContentTypes equal to `type` (for a response read back from storage), or nullopt.
std::optional<std::string_view> known_content_type(std::string_view type);

// `{"detail":"<detail>"}`, DRF's error body.
HttpResponse detail_response(unsigned status, std::string_view detail);

// 301 to `location`, with an empty body, as Django's APPEND_SLASH redirect.
HttpResponse redirect_response(std::string location);

// Percent-decodes s; with plus_as_space also '+' -> ' ' (form and query encoding). Malformed escapes are kept
// literally and invalid UTF-8 becomes U+FFFD, as Python's unquote does.
std::string percent_decode(std::string_view s, bool plus_as_space);

// Splits an application/x-www-form-urlencoded string (a query string or a form body) into decoded pairs in order.
// A field without '=' has an empty value and empty fields are skipped, as Django's QueryDict.
HeaderList parse_query(std::string_view query);

// The value of `name` in the query string: the LAST occurrence, as Django's QueryDict.get() (what DRF's
// pagination reads); nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// Python's quote_plus: everything but ALPHA / DIGIT / "_.-~" percent-encoded (uppercase hex), space as '+'.
std::string url_encode(std::string_view s);

// DRF's replace_query_param / remove_query_param for pagination links: the query re-encoded with its keys sorted
// (urlencode(sorted(...), doseq=True)), `key` set to the single `value` or dropped. Input and output exclude '?'.
std::string replace_query_param(std::string_view query, std::string_view key, std::string_view value);
std::string remove_query_param(std::string_view query, std::string_view key);

}  // namespace teamlog::http
