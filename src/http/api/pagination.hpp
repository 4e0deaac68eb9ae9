// pretix's page-number pagination (DRF PageNumberPagination, 50 per page, page_size capped at 50).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "http/request.hpp"
#include "projections/queries.hpp"

namespace teamlog::http::api {

inline constexpr std::int64_t kMaxPageSize = 50;

// Reads the rows [offset, offset + limit) of a list, and the list's total count.
using PageFetch = std::function<projections::Page(std::int64_t offset, std::int64_t limit)>;

// The page the query asks for, as `{"count","next","previous","results"}` with the stored rows concatenated as they
// are. `?page=` is a number from 1 or "last" (absent or empty: 1); `?page_size=` is 1..50, larger values are capped
// and anything else falls back to 50. A page that is not a number or lies past the end (an empty list still has
// page 1) is 404 `{"detail":"Invalid page."}`. next/previous are `link_base` + the request path + the query with
// `page` replaced (previous of page 2 drops it), keys sorted as DRF's replace_query_param writes them.
HttpResponse page_response(const HttpRequest& request, std::string_view link_base, const PageFetch& fetch);

}  // namespace teamlog::http::api
