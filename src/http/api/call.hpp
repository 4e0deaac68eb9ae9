// One authenticated API request on its way through a handler: what the handler reads, and how it answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commands/commands.hpp"
#include "events/result.hpp"
#include "http/api/page_cache.hpp"
#include "http/api/pagination.hpp"
#include "http/api/reply.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::api {

class Call {
 public:
  Call(const HttpRequest& request, const RouteMatch& match, const projections::TokenGrant& grant,
       const projections::Queries& queries, std::string_view public_url, Reply& reply,
       const commands::InviteKey* invite_key = nullptr, PageCache* page_cache = nullptr)
      : request_(request),
        match_(match),
        grant_(grant),
        queries_(queries),
        public_url_(public_url),
        reply_(reply),
        invite_key_(invite_key),
        page_cache_(page_cache) {}

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
  // The scheme and authority of absolute links (pagination): the configured public URL, else http://<Host> as
  // Django's build_absolute_uri; without a Host header (HTTP/1.0) links stay relative to the server.
  std::string link_base() const;

  // The body as DRF's request.data; nullopt once the answer for a body that cannot be read (415, 400) was sent.
  std::optional<commands::Input> read_body();

  void send(HttpResponse response) { reply_.send(std::move(response)); }
  void fail(const Error& error);
  // The page of a list the query asks for (pagination.hpp), or 404 Invalid page; from the page cache when the
  // same page was rendered since the last change. `check`, if given, runs first and its error is the answer: on
  // a page rendered anew only, since a kept page was rendered after it passed and goes when what it read changes
  // (a nested list's team: one read fewer per cached page).
  using PageCheck = std::function<Status()>;
  void send_page(const PageFetch& fetch, const PageCheck& check = {});
  // 200 with a stored row, or 404.
  void send_found(std::optional<std::string> row);
  // Submits a command on behalf of the request's token; answered when it is durable.
  void write(commands::Command command);

 private:
  const HttpRequest& request_;
  const RouteMatch& match_;
  const projections::TokenGrant& grant_;
  const projections::Queries& queries_;
  std::string_view public_url_;
  Reply& reply_;
  const commands::InviteKey* invite_key_;
  PageCache* page_cache_;
};

}  // namespace teamlog::http::api
