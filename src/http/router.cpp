// Segment-trie router: one walk over the path's segments, literals before parameters, no allocation on a miss.
#include "http/router.hpp"

#include <array>
#include <stdexcept>

namespace teamlog::http {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethodNames{{
    {Method::kGet, "GET"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kHead, "HEAD"},
    {Method::kOptions, "OPTIONS"},
}};

// Deeper paths than any route cannot match; bounding the split keeps it on the stack.
constexpr std::size_t kMaxSegments = 32;

struct Segments {
  std::array<std::string_view, kMaxSegments> items;
  std::size_t size = 0;
};

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}. False for a path not starting with '/' or too deep.
bool split_path(std::string_view path, Segments& out) {
  if (path.empty() || path.front() != '/') return false;
  std::string_view rest = path.substr(1);
  while (true) {
    if (out.size == kMaxSegments) return false;
    const std::size_t slash = rest.find('/');
    out.items[out.size++] = rest.substr(0, slash);
    if (slash == std::string_view::npos) return true;
    rest = rest.substr(slash + 1);
  }
}

bool is_param_segment(std::string_view s) { return s.size() >= 2 && s.front() == '{' && s.back() == '}'; }

bool is_identifier(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<Method> parse_method(std::string_view name) {
  for (const auto& [m, n] : kMethodNames) {
    if (n == name) return m;
  }
  return std::nullopt;
}

std::string_view method_name(Method m) { return kMethodNames[static_cast<std::size_t>(m)].second; }

bool MethodSet::allows(std::string_view method) const {
  const auto m = parse_method(method);
  return m && contains(*m);
}

std::string MethodSet::allow_header() const {
  std::string out;
  for (const auto& [m, n] : kMethodNames) {
    if (!contains(m)) continue;
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string_view RouteMatch::param(std::string_view name) const {
  for (const auto& [n, v] : params) {
    if (n == name) return v;
  }
  return {};
}

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  const Route* route = nullptr;

  Node* literal_child(std::string_view segment) const {
    for (const auto& [text, child] : literals) {
      if (text == segment) return child.get();
    }
    return nullptr;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(int id, std::string_view pattern, MethodSet methods) {
  Segments segments;
  if (!split_path(pattern, segments)) {
    throw std::invalid_argument("route pattern must start with '/' and be at most 32 segments: " +
                                std::string(pattern));
  }
  auto route = std::make_unique<Route>();
  route->id = id;
  route->pattern = std::string(pattern);
  route->methods = methods;
  if (methods.contains(Method::kGet)) route->methods.add(Method::kHead);

  Node* node = root_.get();
  for (std::size_t i = 0; i < segments.size; ++i) {
    const std::string_view segment = segments.items[i];
    if (segment.empty() && i + 1 != segments.size) {
      throw std::invalid_argument("empty segment inside route pattern: " + std::string(pattern));
    }
    if (is_param_segment(segment)) {
      const std::string_view name = segment.substr(1, segment.size() - 2);
      if (!is_identifier(name)) throw std::invalid_argument("bad parameter name in route: " + std::string(pattern));
      route->param_names.emplace_back(name);
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
      continue;
    }
    if (segment.find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("braces inside a literal route segment: " + std::string(pattern));
    }
    Node* child = node->literal_child(segment);
    if (!child) {
      node->literals.emplace_back(std::string(segment), std::make_unique<Node>());
      child = node->literals.back().second.get();
    }
    node = child;
  }
  if (node->route) {
    throw std::invalid_argument("route " + std::string(pattern) + " has the same shape as " + node->route->pattern);
  }
  node->route = route.get();
  routes_.push_back(std::move(route));
}

std::optional<RouteMatch> Router::match(std::string_view path) const {
  Segments segments;
  if (!split_path(path, segments)) return std::nullopt;

  // Depth-first over the trie, literal child first; `values` holds the segments bound to parameters so far.
  std::array<std::string_view, kMaxSegments> values;
  const auto walk = [&](auto& self, const Node* node, std::size_t i, std::size_t bound) -> const Node* {
    if (i == segments.size) return node->route ? node : nullptr;
    const std::string_view segment = segments.items[i];
    if (const Node* child = node->literal_child(segment)) {
      if (const Node* found = self(self, child, i + 1, bound)) return found;
    }
    if (node->param && !segment.empty()) {
      values[bound] = segment;
      if (const Node* found = self(self, node->param.get(), i + 1, bound + 1)) return found;
    }
    return nullptr;
  };
  const Node* leaf = walk(walk, root_.get(), 0, 0);
  if (!leaf) return std::nullopt;

  RouteMatch result;
  result.route = leaf->route;
  result.params.reserve(leaf->route->param_names.size());
  for (std::size_t k = 0; k < leaf->route->param_names.size(); ++k) {
    result.params.emplace_back(leaf->route->param_names[k], percent_decode(values[k], false));
  }
  return result;
}

std::optional<std::string> Router::redirect_target(std::string_view method, std::string_view path,
                                                   std::string_view query) const {
  if (method != "GET" && method != "HEAD") return std::nullopt;
  if (path.empty() || path.back() == '/' || match(path)) return std::nullopt;
  std::string location(path);
  location += '/';
  if (!match(location)) return std::nullopt;
  if (!query.empty()) {
    location += '?';
    location += query;
  }
  return location;
}

HttpResponse method_not_allowed(std::string_view method, MethodSet allowed) {
  std::string detail = "Method \"";
  detail += method;
  detail += "\" not allowed.";
  HttpResponse response = detail_response(405, detail);
  response.headers.emplace_back("Allow", allowed.allow_header());
  return response;
}

}  // namespace teamlog::http
