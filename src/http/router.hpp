// Route table: path patterns with named segment parameters, matched segment by segment (no regex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.hpp"

namespace teamlog::http {

enum class Method : std::uint8_t { kGet, kPost, kPut, kPatch, kDelete, kHead, kOptions };

// "GET" -> Method::kGet; methods are case-sensitive (RFC 9110), anything else is nullopt.
std::optional<Method> parse_method(std::string_view name);
std::string_view method_name(Method m);

class MethodSet {
 public:
  constexpr MethodSet() = default;
  constexpr MethodSet(std::initializer_list<Method> methods) {
    for (const Method m : methods) add(m);
  }
  constexpr void add(Method m) { bits_ = static_cast<std::uint8_t>(bits_ | bit(m)); }
  constexpr bool contains(Method m) const { return (bits_ & bit(m)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  // True for a method name in the set; unknown names are never allowed.
  bool allows(std::string_view method) const;
  // The `Allow` header value in DRF's order (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS), e.g. "GET, POST, HEAD".
  std::string allow_header() const;

 private:
  static constexpr std::uint8_t bit(Method m) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(m)); }
  std::uint8_t bits_ = 0;
};

struct Route {
  int id = 0;               // the caller's tag, e.g. an enum value
  std::string pattern;      // as registered, e.g. "/api/v1/organizers/{organizer}/teams/{id}/"; the metrics label
  MethodSet methods;
  std::vector<std::string> param_names;  // in path order
};

struct RouteMatch {
  const Route* route = nullptr;  // owned by the Router
  // Parameter values, percent-decoded, in path order, paired with their names.
  std::vector<std::pair<std::string_view, std::string>> params;

  // The value of a named parameter; empty if the route has no such parameter.
  std::string_view param(std::string_view name) const;
  bool allows(std::string_view method) const { return route->methods.allows(method); }
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Registers a pattern: '/'-separated segments, each a literal or `{name}` (one non-empty segment without '/').
  // An empty segment is only allowed last (the trailing slash). A GET route also answers HEAD, as DRF's viewsets.
  // Throws std::invalid_argument for a malformed pattern or one whose shape is already registered: routes are
  // fixed at startup, so that is a programming error, not a runtime condition.
  void add(int id, std::string_view pattern, MethodSet methods);

  // The route whose pattern matches `path` (raw, without query), whatever the method: the caller tells 404 (no
  // match) from 405 (match, but !allows(method)). Literal segments win over parameters at each position.
  std::optional<RouteMatch> match(std::string_view path) const;

  // Django's APPEND_SLASH: for a GET or HEAD whose path does not end in '/', matches no route, and matches one
  // with '/' appended, the Location of the 301 (path + '/' and the query, if any); otherwise nullopt.
  std::optional<std::string> redirect_target(std::string_view method, std::string_view path,
                                             std::string_view query) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

// 405 with `Allow` and DRF's body `{"detail":"Method \"PUT\" not allowed."}`.
HttpResponse method_not_allowed(std::string_view method, MethodSet allowed);

}  // namespace teamlog::http
