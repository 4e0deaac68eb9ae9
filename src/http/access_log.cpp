// Access-log formatting. Paths and ids come from clients: they are JSON-escaped so a line is always one line.
#include "http/access_log.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "events/json_string.hpp"
#include "http/logging.hpp"

namespace teamlog::http {

std::string loggable_path(std::string_view path) {
  for (const std::string_view prefix : {std::string_view("/invite/"), std::string_view("/api/v1/invites/")}) {
    if (!path.starts_with(prefix)) continue;
    const std::size_t end = path.find('/', prefix.size());
    return std::string(prefix) + "<secret>" + std::string(end == std::string_view::npos ? "" : path.substr(end));
  }
  return std::string(path);
}

namespace {

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

void log_access(spdlog::logger& logger, LogFormat format, const AccessRecord& r) {
  if (!logger.should_log(spdlog::level::info)) return;
  thread_local std::string line;  // one buffer per I/O thread: no allocation per request
  line.clear();
  if (format == LogFormat::kJson) {
    line += "\"method\":";
    append_json_string(line, r.method);
    line += ",\"path\":";
    append_json_string(line, r.path);
    line += ",\"status\":";
    append_number(line, r.status);
    line += ",\"bytes\":";
    append_number(line, r.bytes);
    line += ",\"duration_us\":";
    append_number(line, r.duration_us);
    line += ",\"request_id\":";
    append_json_string(line, r.request_id);
    line += ",\"remote\":";
    append_json_string(line, r.remote);
  } else {
    // Text mode keeps the path readable but still escapes control bytes and quotes via the JSON form.
    line += r.method;
    line += ' ';
    const std::size_t quote = line.size();
    append_json_string(line, r.path);
    line.erase(quote, 1);  // the escaped path without its quotes
    line.pop_back();
    line += ' ';
    append_number(line, r.status);
    line += ' ';
    append_number(line, r.bytes);
    line += "B ";
    append_number(line, r.duration_us);
    line += "us id=";
    line += r.request_id;
    line += " remote=";
    line += r.remote;
  }
  if (!write_access_line(logger, line)) logger.info(line);
}

}  // namespace teamlog::http
