// One access-log line per answered request, as text or as JSON fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/server_config.hpp"

namespace spdlog {
class logger;
}

namespace teamlog::http {

struct AccessRecord {
  std::string_view method;  // "-" when the request line never parsed
  std::string_view path;
  unsigned status = 0;
  std::size_t bytes = 0;  // body bytes sent
  std::uint64_t duration_us = 0;
  std::string_view request_id;
  std::string_view remote;
};

// Text: `GET /path 200 123B 456us id=... remote=...`. JSON: the fields as `"method":"GET",...` for the access
// logger's `{"time":...,%v}` pattern (see setup_logging). User-controlled strings are escaped in both.
// The path as logs may show it: an invite secret (`/invite/{secret}`, `/api/v1/invites/{secret}/...`) becomes
// "<secret>", since whoever reads the log must not be able to join a team with it.
std::string loggable_path(std::string_view path);

void log_access(spdlog::logger& logger, LogFormat format, const AccessRecord& record);

}  // namespace teamlog::http
