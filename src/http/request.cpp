// Request/response helpers: header lookup, query-string decoding and the URL building DRF's pagination uses.
#include "http/request.hpp"

#include <algorithm>

#include "http/ascii.hpp"
#include "events/json_string.hpp"
#include "events/utf8.hpp"

namespace teamlog::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string encode_sorted(HeaderList pairs) {
  // Python's sorted() over (key, [values]) items is a sort by key that keeps each key's values in order.
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
  }
  return out;
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (ascii_iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> known_content_type(std::string_view type) {
  for (const std::string_view known : kContentTypes) {
    if (type == known) return known;
  }
  return std::nullopt;
}

HttpResponse detail_response(unsigned status, std::string_view detail) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"detail\":";
  append_json_string(response.body, detail);
  response.body += '}';
  return response;
}

HttpResponse redirect_response(std::string location) {
  HttpResponse response;
  response.status = 301;
  response.content_type = kHtmlContentType;
  response.headers.emplace_back("Location", std::move(location));
  return response;
}

std::string percent_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return to_valid_utf8(std::move(out));
}

HeaderList parse_query(std::string_view query) {
  HeaderList out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view field = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(percent_decode(field, true), std::string());
    } else {
      out.emplace_back(percent_decode(field.substr(0, eq), true), percent_decode(field.substr(eq + 1), true));
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  for (auto& [k, v] : parse_query(query)) {
    if (k == name) found = std::move(v);
  }
  return found;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHexUpper[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '_' || c == '.' || c == '-' || c == '~';
    if (unreserved) {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 0xF];
    }
  }
  return out;
}

std::string replace_query_param(std::string_view query, std::string_view key, std::string_view value) {
  HeaderList pairs = parse_query(query);
  std::erase_if(pairs, [&](const auto& p) { return p.first == key; });
  pairs.emplace_back(std::string(key), std::string(value));
  return encode_sorted(std::move(pairs));
}

std::string remove_query_param(std::string_view query, std::string_view key) {
  HeaderList pairs = parse_query(query);
  std::erase_if(pairs, [&](const auto& p) { return p.first == key; });
  return encode_sorted(std::move(pairs));
}

}  // namespace teamlog::http
