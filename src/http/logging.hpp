// Process-wide spdlog setup for teamlogd: level, text or JSON lines on stderr, and the access logger.
#pragma once

#include <memory>

#include "http/server_config.hpp"

namespace spdlog {
class logger;
}

namespace teamlog::http {

// Installs the default logger and the "access" logger, both writing to stderr. Text lines look like
// `2024-05-01T12:00:00.123Z info message`; JSON lines are `{"time":...,"level":...,"logger":...,"msg":"..."}`,
// except the access logger's, whose fields are top-level (`{"time":...,"method":"GET","path":...}`).
void setup_logging(LogLevel level, LogFormat format);

// The "access" logger if setup_logging installed one, else the default logger.
std::shared_ptr<spdlog::logger> access_logger();

}  // namespace teamlog::http
