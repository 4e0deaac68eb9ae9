// spdlog sinks and patterns; JSON mode escapes messages with a custom pattern flag.
#include "http/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "events/json_string.hpp"

namespace teamlog::http {
namespace {

constexpr const char* kAccessLogger = "access";

// `%*`: the message as the inside of a JSON string literal (our writer adds quotes; strip them).
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string escaped;
    append_json_string(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data() + 1, escaped.data() + escaped.size() - 1);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter(const char* pattern) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonEscapedMessage>('*').set_pattern(pattern);
  return formatter;
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void setup_logging(LogLevel level, LogFormat format) {
  const bool json = format == LogFormat::kJson;
  // Each logger gets its own sink so that the two can carry different formatters.
  auto main_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  main_sink->set_formatter(make_formatter(
      json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":"%*"})" : "%Y-%m-%dT%H:%M:%S.%eZ %l %v"));
  auto main = std::make_shared<spdlog::logger>("teamlogd", main_sink);

  // The session writes access lines already formatted: JSON fields (`"method":"GET",...`) or text.
  auto access_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  access_sink->set_formatter(
      make_formatter(json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","logger":"access",%v})" : "%Y-%m-%dT%H:%M:%S.%eZ access %v"));
  auto access = std::make_shared<spdlog::logger>(kAccessLogger, access_sink);

  for (const auto& logger : {main, access}) logger->set_level(to_spdlog(level));
  spdlog::drop(kAccessLogger);
  spdlog::register_logger(access);
  spdlog::set_default_logger(main);
}

std::shared_ptr<spdlog::logger> access_logger() {
  if (auto access = spdlog::get(kAccessLogger)) return access;
  return spdlog::default_logger();
}

}  // namespace teamlog::http
