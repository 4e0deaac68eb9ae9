// X-Request-Id: accept a client's if it is sane, otherwise make one.
#pragma once

#include <string>
#include <string_view>

namespace teamlog::http {

// 1 to 128 printable ASCII characters (0x20-0x7E): safe to echo in a header, a log line and a JSON body.
bool is_sane_request_id(std::string_view id);

// 16 lowercase hex characters, unique per thread (a counter) and across threads and restarts (a random per-thread
// seed, mixed so that consecutive ids do not look sequential).
std::string generate_request_id();

}  // namespace teamlog::http
