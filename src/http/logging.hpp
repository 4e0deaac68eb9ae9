// Process-wide spdlog setup for teamlogd: level, text or JSON lines on stderr, and the access logger.
#pragma once

#include <memory>
#include <string_view>

#include "http/server_config.hpp"

namespace spdlog {
class logger;
}

namespace teamlog::http {

// Installs the default logger and the "access" logger, both writing to stderr. Text lines look like
// `2024-05-01T12:00:00.123Z info message`; JSON lines are `{"time":...,"level":...,"logger":...,"msg":"..."}`,
// except the access logger's, whose fields are top-level (`{"time":...,"method":"GET","path":...}`).
void setup_logging(LogLevel level, LogFormat format);

// Writes one access line (the message part) through the access logger that setup_logging installed, as its
// pattern would render it but without spdlog's per-message work; false (nothing written) for any other logger.
bool write_access_line(spdlog::logger& logger, std::string_view message);

// The "access" logger if setup_logging installed one, else the default logger.
std::shared_ptr<spdlog::logger> access_logger();

}  // namespace teamlog::http
