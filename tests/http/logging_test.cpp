// The access logger installed by setup_logging: the lines it writes to stderr, in text and in JSON.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "http/access_log.hpp"
#include "http/logging.hpp"

namespace {

using teamlog::http::LogFormat;
using teamlog::http::LogLevel;

// Runs `body` with stderr going to a file, and returns what was written there.
template <class Body>
std::string capture_stderr(Body body) {
  char path[] = "/tmp/teamlog-logging-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  body();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  unlink(path);
  return text.str();
}

std::string utc_minute_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M", &tm));
}

const teamlog::http::AccessRecord kRecord{"GET", "/api/v1/a\"b/", 200, 405, 87, "r1", "127.0.0.1:5"};

}  // namespace

TEST_CASE("access lines read as the access logger's pattern: time, logger, then the request", "[http][logging]") {
  const std::string minute = utc_minute_now();
  const std::string text = capture_stderr([] {
    teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
    teamlog::http::log_access(*teamlog::http::access_logger(), LogFormat::kText, kRecord);
    spdlog::info("a main line");
    teamlog::http::access_logger()->flush();
    spdlog::default_logger()->flush();
  });
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex(R"((\d{4}-\d\d-\d\dT\d\d:\d\d):\d\d\.\d{3}Z access (.*)\n)")));
  CHECK((m[1] == minute || m[1] > minute));  // this minute, or the next if the clock turned meanwhile
  CHECK(m[2] == R"(GET /api/v1/a\"b/ 200 405B 87us id=r1 remote=127.0.0.1:5)");
  CHECK(std::regex_search(text, std::regex(R"(\d\d\.\d{3}Z info a main line\n)")));

  const std::string json = capture_stderr([] {
    teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kJson);
    teamlog::http::log_access(*teamlog::http::access_logger(), LogFormat::kJson, kRecord);
    teamlog::http::access_logger()->flush();
  });
  REQUIRE(json.ends_with("}\n"));
  const auto line = boost::json::parse(json).as_object();
  CHECK(std::regex_match(std::string(line.at("time").as_string()),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(line.at("logger") == "access");
  CHECK(line.at("method") == "GET");
  CHECK(line.at("path") == "/api/v1/a\"b/");
  CHECK(line.at("status") == 200);
  CHECK(line.at("bytes") == 405);
  CHECK(line.at("duration_us") == 87);
  CHECK(line.at("request_id") == "r1");
  CHECK(line.at("remote") == "127.0.0.1:5");

  // Above the info level, no access lines.
  const std::string quiet = capture_stderr([] {
    teamlog::http::setup_logging(LogLevel::kWarn, LogFormat::kText);
    teamlog::http::log_access(*teamlog::http::access_logger(), LogFormat::kText, kRecord);
    teamlog::http::access_logger()->flush();
  });
  CHECK(quiet.empty());
  teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
}

TEST_CASE("access lines from several threads all reach stderr whole and in each thread's order",
          "[http][logging]") {
  constexpr int kThreads = 4;
  constexpr int kLines = 5000;  // ~100 bytes each: every thread's buffer goes out many times
  const std::string text = capture_stderr([] {
    teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) {
          const std::string id = std::to_string(t) + "-" + std::to_string(i);
          teamlog::http::log_access(*teamlog::http::access_logger(), LogFormat::kText,
                                    {"GET", "/api/v1/x/", 200, 405, 87, id, "127.0.0.1:5"});
        }
      });
    }
    for (auto& thread : threads) thread.join();
    teamlog::http::access_logger()->flush();
  });
  const std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z access )"
                        R"(GET /api/v1/x/ 200 405B 87us id=(\d)-(\d+) remote=127\.0\.0\.1:5)");
  std::vector<int> next(kThreads, 0);
  std::istringstream in(text);
  int lines = 0;
  for (std::string l; std::getline(in, l); ++lines) {
    std::smatch m;
    REQUIRE(std::regex_match(l, m, line));
    const int t = std::stoi(m[1]);
    REQUIRE(std::stoi(m[2]) == next[t]);
    ++next[t];
  }
  CHECK(lines == kThreads * kLines);
  teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
}

TEST_CASE("a buffered access line reaches stderr within the flush interval without a flush", "[http][logging]") {
  std::string text;
  const std::string captured = capture_stderr([&] {
    teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
    teamlog::http::log_access(*teamlog::http::access_logger(), LogFormat::kText, kRecord);
    // Read the file stderr points at while the line is still only in the buffer, then after the interval.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", STDERR_FILENO);
    auto read_now = [&] {
      std::ifstream in(path);
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    };
    const auto start = std::chrono::steady_clock::now();
    while (read_now().find("id=r1") == std::string::npos &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(2)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    text = read_now();
    CHECK(waited < std::chrono::milliseconds(500));
  });
  CHECK(text.find("access GET /api/v1/a\\\"b/ 200 405B 87us id=r1") != std::string::npos);
  CHECK(captured.find("id=r1") != std::string::npos);
  teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
}

namespace {

// Pages of a file that are dirty (not yet handed to the disk), by cachestat(2) (Linux 6.5); nullopt where the
// kernel or the architecture has no such call.
std::optional<std::uint64_t> dirty_pages(int fd) {
#if defined(__x86_64__)
  struct Range {
    std::uint64_t off = 0, len = 0;  // len 0: to the end
  } range;
  struct Stat {
    std::uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
  } stat{};
  if (syscall(451 /* cachestat */, fd, &range, &stat, 0) != 0) return std::nullopt;
  return stat.nr_dirty;
#else
  (void)fd;
  return std::nullopt;
#endif
}

}  // namespace

TEST_CASE("a log file on disk is handed to the disk as it grows, not left dirty for the kernel's 30 s",
          "[http][logging]") {
  // In the working directory (the build tree, on a disk), not in /tmp, which may be memory only.
  char path[] = "teamlog-logging-writeback-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  struct statfs fs {};
  const bool memory_only = fstatfs(fd, &fs) == 0 && fs.f_type == 0x01021994;  // TMPFS_MAGIC: nothing to write back
  if (memory_only || !dirty_pages(fd)) {
    WARN("no write-back to observe here (tmpfs, or no cachestat(2)): nothing checked");
    close(fd);
    unlink(path);
    return;
  }
  const int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);
  constexpr int kLines = 80000;  // ~7 MB
  for (int i = 0; i < kLines; ++i) {
    teamlog::http::log_access(*teamlog::http::access_logger(), LogFormat::kText,
                              {"GET", "/api/v1/x/", 200, 405, 87, std::to_string(i), "127.0.0.1:5"});
  }
  // The flusher runs within its interval of the last line; the write-back it starts takes the disk's time.
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t dirty = *dirty_pages(fd);
  while (dirty * 4096 > (2u << 20) && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    dirty = *dirty_pages(fd);
  }
  const off_t size = lseek(fd, 0, SEEK_END);
  teamlog::http::setup_logging(LogLevel::kInfo, LogFormat::kText);  // the flusher of this sink ends
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fd);
  unlink(path);
  INFO("file " << size << " bytes, " << dirty * 4096 << " bytes of it still dirty");
  CHECK(size > (6 << 20));
  // Without the write-back, all of it would still be dirty (under the kernel's background thresholds, for 30 s).
  CHECK(dirty * 4096 <= (2u << 20));
}
