// Access-log formatting. Paths and ids come from clients: they are JSON-escaped so a line is always one line.
#include "http/access_log.hpp"

#include <spdlog/spdlog.h>

#include "events/json_string.hpp"

namespace teamlog::http {

std::string loggable_path(std::string_view path) {
  for (const std::string_view prefix : {std::string_view("/invite/"), std::string_view("/api/v1/invites/")}) {
    if (!path.starts_with(prefix)) continue;
    const std::size_t end = path.find('/', prefix.size());
    return std::string(prefix) + "<secret>" + std::string(end == std::string_view::npos ? "" : path.substr(end));
  }
  return std::string(path);
}

void log_access(spdlog::logger& logger, LogFormat format, const AccessRecord& r) {
  if (!logger.should_log(spdlog::level::info)) return;
  std::string line;
  line.reserve(160);
  if (format == LogFormat::kJson) {
    line += "\"method\":";
    append_json_string(line, r.method);
    line += ",\"path\":";
    append_json_string(line, r.path);
    line += ",\"status\":" + std::to_string(r.status);
    line += ",\"bytes\":" + std::to_string(r.bytes);
    line += ",\"duration_us\":" + std::to_string(r.duration_us);
    line += ",\"request_id\":";
    append_json_string(line, r.request_id);
    line += ",\"remote\":";
    append_json_string(line, r.remote);
  } else {
    // Text mode keeps the path readable but still escapes control bytes and quotes via the JSON form.
    line += r.method;
    line += ' ';
    std::string path;
    append_json_string(path, r.path);
    line.append(path, 1, path.size() - 2);
    line += ' ' + std::to_string(r.status) + ' ' + std::to_string(r.bytes) + "B " + std::to_string(r.duration_us) +
            "us id=";
    line += r.request_id;
    line += " remote=";
    line += r.remote;
  }
  logger.info(line);
}

}  // namespace teamlog::http
