// spdlog sinks and patterns; JSON mode escapes messages with a custom pattern flag.
#include "http/logging.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
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

// Access lines on stderr without a write(2) per request: lines collect in a buffer that goes out when it holds
// kFlushBytes, or kFlushInterval after it was last empty, whichever comes first (and on flush()). A line is thus
// at most ~100 ms late; a SIGKILL loses at most that. Measured at 64 connections: the per-request write and its
// lock cost teamlogd ~8% of its CPU on GET team detail.
//
// Access lines (write_access_line) skip spdlog's message and pattern machinery: the line is written into the
// buffer as the access logger's pattern would render it (see setup_logging), which cost ~0.5 us per request.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kFlushBytes = 32 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{100};

  explicit BufferedStderrSink(bool json) : json_(json), flusher_([this] { run_flusher(); }) {}
  ~BufferedStderrSink() override {
    {
      std::lock_guard lock(flusher_mu_);
      stopping_ = true;
    }
    flusher_cv_.notify_one();
    flusher_.join();
    flush();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const bool was_empty = buffer_.size() == 0;
    formatter_->format(msg, buffer_);
    appended(was_empty);
  }

 public:
  // As `{"time":"%Y-%m-%dT%H:%M:%S.%eZ","logger":"access",%v}` (JSON) or `%Y-%m-%dT%H:%M:%S.%eZ access %v`, the
  // time in UTC, as the access logger's formatter renders a message (it then takes this path instead).
  void write_access(std::string_view message) {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::int64_t seconds = ms / 1000;
    std::lock_guard lock(mutex_);
    if (!should_log(spdlog::level::info)) return;
    if (seconds != cached_second_) {
      const std::time_t t = static_cast<std::time_t>(seconds);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char text[32];
      const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.", &tm);
      cached_prefix_.assign(text, n);
      cached_second_ = seconds;
    }
    const bool was_empty = buffer_.size() == 0;
    if (json_) buffer_.append(std::string_view(R"({"time":")"));
    buffer_.append(cached_prefix_);
    char digits[3] = {static_cast<char>('0' + ms % 1000 / 100), static_cast<char>('0' + ms % 100 / 10),
                      static_cast<char>('0' + ms % 10)};
    buffer_.append(digits, digits + 3);
    buffer_.append(json_ ? std::string_view(R"(Z","logger":"access",)") : std::string_view("Z access "));
    buffer_.append(message);
    buffer_.append(json_ ? std::string_view("}\n") : std::string_view("\n"));
    appended(was_empty);
  }

 protected:
  void flush_() override {
    const char* data = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr gone: drop the lines rather than block the I/O threads
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

 private:
  // With mutex_ held, after a line went into the buffer.
  void appended(bool was_empty) {
    if (buffer_.size() >= kFlushBytes) {
      flush_();
    } else if (was_empty) {
      // Starts the interval; once per interval at most, so the lock is cheap.
      std::lock_guard lock(flusher_mu_);
      pending_ = true;
      flusher_cv_.notify_one();
    }
  }

  void run_flusher() {
    std::unique_lock lock(flusher_mu_);
    while (!stopping_) {
      flusher_cv_.wait(lock, [&] { return pending_ || stopping_; });
      if (stopping_) break;
      pending_ = false;
      flusher_cv_.wait_for(lock, kFlushInterval, [&] { return stopping_; });
      lock.unlock();
      flush();
      lock.lock();
    }
  }

  spdlog::memory_buf_t buffer_;
  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool pending_ = false;   // a line arrived in an empty buffer
  bool stopping_ = false;
  const bool json_;
  std::int64_t cached_second_ = -1;  // the second cached_prefix_ renders (under mutex_)
  std::string cached_prefix_;
  std::thread flusher_;  // last: it runs once the members above exist
};

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
  auto access_sink = std::make_shared<BufferedStderrSink>(json);
  access_sink->set_formatter(
      make_formatter(json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","logger":"access",%v})" : "%Y-%m-%dT%H:%M:%S.%eZ access %v"));
  auto access = std::make_shared<spdlog::logger>(kAccessLogger, access_sink);

  for (const auto& logger : {main, access}) logger->set_level(to_spdlog(level));
  spdlog::drop(kAccessLogger);
  spdlog::register_logger(access);
  spdlog::set_default_logger(main);
}

bool write_access_line(spdlog::logger& logger, std::string_view message) {
  const auto& sinks = logger.sinks();
  if (sinks.size() != 1) return false;
  auto* sink = dynamic_cast<BufferedStderrSink*>(sinks.front().get());
  if (sink == nullptr) return false;
  if (logger.should_log(spdlog::level::info)) sink->write_access(message);
  return true;
}

std::shared_ptr<spdlog::logger> access_logger() {
  if (auto access = spdlog::get(kAccessLogger)) return access;
  return spdlog::default_logger();
}

}  // namespace teamlog::http
