// spdlog sinks and patterns; JSON mode escapes messages with a custom pattern flag.
#include "http/logging.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "events/json_string.hpp"
#include "events/thread_name.hpp"

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

// Access lines on stderr without a write(2) per request, and without a lock that the I/O threads share: each thread
// collects its lines in a buffer of its own, which goes out when it holds kFlushBytes, and at the latest
// kFlushInterval after a line went into an empty one (a flusher thread writes every buffer then; also on
// flush()). A line is thus at most ~100 ms late; a SIGKILL loses at most that. Lines of one thread stay in order;
// those of two threads are interleaved a buffer at a time (as nginx's `access_log ... buffer=`). Measured at 64
// connections on GET team detail: a write(2) per request and its lock cost ~8% of teamlogd's CPU; one buffer
// under one lock for both I/O threads was still ~5,000 futex calls a second (the other thread waiting while one
// appended or wrote out).
//
// Access lines (write_access_line) skip spdlog's message and pattern machinery: the line is written into the
// buffer as the access logger's pattern would render it (see setup_logging), which cost ~0.5 us per request.
// Other messages through this sink (none in teamlogd) take spdlog's path into a buffer under spdlog's lock.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kFlushBytes = 32 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{100};

  explicit BufferedStderrSink(bool json)
      : json_(json), id_(next_id.fetch_add(1) + 1), flusher_([this] {
          name_this_thread("teamlog-log");
          run_flusher();
        }) {}
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
    if (buffer_.size() >= kFlushBytes) {
      write_out(std::string_view(buffer_.data(), buffer_.size()));
      buffer_.clear();
    } else if (was_empty) {
      schedule_flush();
    }
  }

 public:
  // As `{"time":"%Y-%m-%dT%H:%M:%S.%eZ","logger":"access",%v}` (JSON) or `%Y-%m-%dT%H:%M:%S.%eZ access %v`, the
  // time in UTC, as the access logger's formatter renders a message (it then takes this path instead).
  void write_access(std::string_view message) {
    if (!should_log(spdlog::level::info)) return;
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::int64_t seconds = ms / 1000;
    LineBuffer& buffer = thread_buffer();
    std::unique_lock lock(buffer.mu);
    if (seconds != buffer.cached_second) {
      const std::time_t t = static_cast<std::time_t>(seconds);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char text[32];
      const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.", &tm);
      buffer.cached_prefix.assign(text, n);
      buffer.cached_second = seconds;
    }
    std::string& out = buffer.lines;
    const bool was_empty = out.empty();
    if (json_) out += R"({"time":")";
    out += buffer.cached_prefix;
    const char digits[3] = {static_cast<char>('0' + ms % 1000 / 100), static_cast<char>('0' + ms % 100 / 10),
                            static_cast<char>('0' + ms % 10)};
    out.append(digits, 3);
    out += json_ ? std::string_view(R"(Z","logger":"access",)") : std::string_view("Z access ");
    out += message;
    out += json_ ? std::string_view("}\n") : std::string_view("\n");
    if (out.size() >= kFlushBytes) {
      thread_local std::string spare;
      take_and_write(lock, buffer, spare);
    } else if (was_empty) {
      lock.unlock();
      schedule_flush();
    }
  }

 protected:
  // Under spdlog's lock (base_sink::flush): this sink's own buffer and then every thread's.
  void flush_() override {
    write_out(std::string_view(buffer_.data(), buffer_.size()));
    buffer_.clear();
    std::lock_guard registry(buffers_mu_);
    std::string taken;
    for (const auto& buffer : buffers_) {
      std::unique_lock lock(buffer->mu);
      take_and_write(lock, *buffer, taken);
    }
    // The buffers only this sink still holds belonged to threads that have ended (now written out).
    std::erase_if(buffers_, [](const std::shared_ptr<LineBuffer>& buffer) { return buffer.use_count() == 1; });
  }

 private:
  struct LineBuffer {
    std::mutex mu;  // its thread's, and the flusher's for a moment every kFlushInterval
    std::string lines;
    std::int64_t cached_second = -1;  // the second cached_prefix renders
    std::string cached_prefix;
  };
  static inline std::atomic<std::uint64_t> next_id{0};

  // The calling thread's buffer for this sink, made and registered on its first line.
  LineBuffer& thread_buffer() {
    thread_local std::shared_ptr<LineBuffer> buffer;
    thread_local std::uint64_t owner = 0;
    if (owner != id_) {
      buffer = std::make_shared<LineBuffer>();
      buffer->lines.reserve(kFlushBytes + 1024);
      std::lock_guard registry(buffers_mu_);
      buffers_.push_back(buffer);
      owner = id_;
    }
    return *buffer;
  }

  // With `lock` holding buffer.mu: its lines go out through `spare` (whose memory the buffer keeps), in the order
  // the buffers were taken (write_mu_ is held before buffer.mu is let go).
  void take_and_write(std::unique_lock<std::mutex>& lock, LineBuffer& buffer, std::string& spare) {
    if (buffer.lines.empty()) return;
    spare.clear();
    spare.swap(buffer.lines);
    std::lock_guard writing(write_mu_);
    lock.unlock();
    write_locked(spare);
  }

  void write_out(std::string_view data) {
    if (data.empty()) return;
    std::lock_guard writing(write_mu_);
    write_locked(data);
  }

  // With write_mu_ held: one writer at a time, so that lines never interleave mid-line (stderr may be a pipe).
  static void write_locked(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(STDERR_FILENO, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr gone: drop the lines rather than block the I/O threads
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // A line went into an empty buffer: the flusher writes it out within kFlushInterval. At most one wake-up per
  // interval; the flusher clears `pending_` before it takes the buffers, so a line after that wakes it again.
  void schedule_flush() {
    if (pending_.exchange(true)) return;
    { std::lock_guard lock(flusher_mu_); }
    flusher_cv_.notify_one();
  }

  void run_flusher() {
    std::unique_lock lock(flusher_mu_);
    while (!stopping_) {
      flusher_cv_.wait(lock, [&] { return pending_.load() || stopping_; });
      if (stopping_) break;
      flusher_cv_.wait_for(lock, kFlushInterval, [&] { return stopping_; });
      pending_ = false;
      lock.unlock();
      flush();
      start_writeback();
      lock.lock();
    }
  }

  // When stderr is a regular file, the flusher starts the write-back of every kWritebackBytes appended to it
  // (sync_file_range, as RocksDB's bytes_per_sync does for its own files), without waiting for it. Left to the
  // kernel, a busy server's log (~15 MB/s at 120k requests/s) stays dirty until it is 30 s old and then goes to
  // the disk hundreds of MB at a time; on ext4 an fsync of the event log's WAL on the same disk waits behind that.
  // Measured (the benchmark's full order, stderr to a file): POST team's p99 at 64 connections, after the reads,
  // 74 and 98 ms with the log left to the kernel, 10.6 and 11.2 ms with this (docs/PERFORMANCE.md, Session 20).
  static constexpr off_t kWritebackBytes = off_t{1} << 20;
  void start_writeback() {
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) return;
    const off_t end = ::lseek(STDERR_FILENO, 0, SEEK_CUR);
    if (end < 0) return;
    if (end < written_back_) written_back_ = 0;  // the file was truncated (a log rotation's copytruncate)
    if (end - written_back_ < kWritebackBytes) return;
    (void)::sync_file_range(STDERR_FILENO, written_back_, end - written_back_, SYNC_FILE_RANGE_WRITE);
    written_back_ = end;
  }
  off_t written_back_ = 0;  // the flusher's: where the last write-back it started ended

  spdlog::memory_buf_t buffer_;  // lines through spdlog's path, under its lock
  const bool json_;
  const std::uint64_t id_;  // tells this sink's thread buffers from an earlier sink's
  std::mutex buffers_mu_;
  std::vector<std::shared_ptr<LineBuffer>> buffers_;
  std::mutex write_mu_;
  std::atomic<bool> pending_{false};
  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool stopping_ = false;
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
