// Page selection and rendering.
#include "http/api/pagination.hpp"

#include <algorithm>

#include "http/api/error_response.hpp"
#include "http/api/python_int.hpp"
#include "projections/json_text.hpp"

namespace teamlog::http::api {
namespace {

// Larger page numbers are past the end of any list this service can hold; capping them keeps offsets in range.
constexpr std::int64_t kMaxPageNumber = std::int64_t{1} << 40;

// DRF's get_page_size: _positive_int(strict=True, cutoff=50), the default on any error.
std::int64_t page_size(std::string_view query) {
  const auto text = query_param(query, "page_size");
  if (!text) return kMaxPageSize;
  const auto size = parse_python_int(*text);
  if (!size || *size <= 0) return kMaxPageSize;
  return std::min(*size, kMaxPageSize);
}

std::int64_t page_count(std::int64_t count, std::int64_t size) {
  return count == 0 ? 1 : (count + size - 1) / size;  // Django's Paginator: an empty list has one empty page
}

void append_link(std::string& out, std::string_view base, std::string_view path, const std::string& query) {
  std::string url(base);
  url += path;
  if (!query.empty()) {
    url += '?';
    url += query;
  }
  append_json_string(out, url);
}

}  // namespace

HttpResponse page_response(const HttpRequest& request, std::string_view link_base, const PageFetch& fetch) {
  const std::int64_t size = page_size(request.query);
  const auto page_text = query_param(request.query, "page");
  std::int64_t number = 1;
  if (page_text == "last") {
    number = page_count(fetch(0, 0).count, size);
  } else if (page_text && !page_text->empty()) {
    const auto parsed = parse_python_int(*page_text);
    if (!parsed || *parsed < 1) return error_response(Error::make(ErrorCode::kNotFound, "Invalid page."), {});
    number = std::min(*parsed, kMaxPageNumber);
  }
  const projections::Page page = fetch((number - 1) * size, size);
  const std::int64_t pages = page_count(page.count, size);
  if (number > pages) return error_response(Error::make(ErrorCode::kNotFound, "Invalid page."), {});

  std::size_t rows_bytes = 0;
  for (const auto& item : page.items) rows_bytes += item.size() + 1;
  std::string body;
  body.reserve(rows_bytes + 2 * request.path.size() + link_base.size() + 128);  // one allocation, no regrowth
  body += "{\"count\":" + std::to_string(page.count) + ",\"next\":";
  if (number < pages) {
    append_link(body, link_base, request.path, replace_query_param(request.query, "page", std::to_string(number + 1)));
  } else {
    body += "null";
  }
  body += ",\"previous\":";
  if (number == 2) {
    append_link(body, link_base, request.path, remove_query_param(request.query, "page"));
  } else if (number > 2) {
    append_link(body, link_base, request.path, replace_query_param(request.query, "page", std::to_string(number - 1)));
  } else {
    body += "null";
  }
  body += ",\"results\":[";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i > 0) body += ',';
    body += page.items[i];
  }
  body += "]}";
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace teamlog::http::api
