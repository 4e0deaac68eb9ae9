// The `Date` header value (RFC 9110 IMF-fixdate), formatted at most once per second per thread.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace teamlog::http {

// E.g. "Sun, 06 Nov 1994 08:49:37 GMT". The view stays valid on this thread until the next call.
std::string_view cached_http_date();

// The same format for any time (seconds since the epoch, UTC); also a valid RFC 5322 mail Date.
std::string format_http_date(std::time_t seconds);

}  // namespace teamlog::http
