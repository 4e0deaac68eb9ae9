// One authenticated API request on its way through a handler: what the handler reads, and how it answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commands/commands.hpp"
#include "events/result.hpp"
#include "http/api/reply.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::api {

class Call {
 public:
  Call(const HttpRequest& request, const RouteMatch& match, const projections::TokenGrant& grant,
       const projections::Queries& queries, std::string_view link_base, Reply& reply)
      : request_(request), match_(match), grant_(grant), queries_(queries), link_base_(link_base), reply_(reply) {}

  const HttpRequest& request() const { return request_; }
  // GET and HEAD (HEAD is answered as GET; the session drops the body).
  bool is_read() const { return request_.method == "GET" || request_.method == "HEAD"; }
  const projections::Queries& queries() const { return queries_; }
  std::string_view organizer() const { return match_.param("organizer"); }
  std::string_view param(std::string_view name) const { return match_.param(name); }
  // A numeric path parameter ({team}, {id}) as Django's pk lookup reads it; not a number is kNotFound.
  Result<std::int64_t> id_param(std::string_view name) const;
  // {team}, which must be a team of the organizer in the path: kNotFound otherwise.
  Result<std::int64_t> team() const;
  // The scheme and authority of absolute links (pagination): the configured public URL or http://<Host>.
  std::string_view link_base() const { return link_base_; }

  // The body as DRF's request.data; nullopt once the answer for a body that cannot be read (415, 400) was sent.
  std::optional<commands::Input> read_body();

  void send(HttpResponse response) { reply_.send(std::move(response)); }
  void fail(const Error& error);
  // 200 with a stored row, or 404.
  void send_found(std::optional<std::string> row);
  // Submits a command on behalf of the request's token; answered when it is durable.
  void write(commands::Command command);

 private:
  const HttpRequest& request_;
  const RouteMatch& match_;
  const projections::TokenGrant& grant_;
  const projections::Queries& queries_;
  std::string_view link_base_;
  Reply& reply_;
};

}  // namespace teamlog::http::api
