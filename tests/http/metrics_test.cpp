// Metrics: Prometheus text rendering, series identity, callbacks, the per-thread request recorder.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "http/metrics.hpp"

using namespace teamlog::http;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("counters, gauges and callbacks render in the Prometheus text format", "[http][metrics]") {
  MetricsRegistry registry;
  Counter& c = registry.counter("teamlog_things_total", "Things.\nCounted.", {{"kind", "a\"b"}});
  c.inc();
  c.inc(2);
  CHECK(&registry.counter("teamlog_things_total", "Things.", {{"kind", "a\"b"}}) == &c);
  registry.gauge("teamlog_level", "A level.").set(1.5);
  registry.callback(MetricType::kGauge, "teamlog_log_position", "Last position.", {}, [] { return 42.0; });

  const std::string text = registry.render();
  CHECK(contains(text, "# HELP teamlog_things_total Things.\\nCounted.\n# TYPE teamlog_things_total counter\n"));
  CHECK(contains(text, "teamlog_things_total{kind=\"a\\\"b\"} 3\n"));
  CHECK(contains(text, "# TYPE teamlog_level gauge\nteamlog_level 1.5\n"));
  CHECK(contains(text, "teamlog_log_position 42\n"));
}

TEST_CASE("histograms render cumulative buckets, sum and count", "[http][metrics]") {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("teamlog_fsync_seconds", "Fsync time.", {}, {0.001, 0.01});
  h.observe(0.0005);
  h.observe(0.001);  // bounds are inclusive
  h.observe(0.005);
  h.observe(3);
  const std::string text = registry.render();
  CHECK(contains(text, "teamlog_fsync_seconds_bucket{le=\"0.001\"} 2\n"));
  CHECK(contains(text, "teamlog_fsync_seconds_bucket{le=\"0.01\"} 3\n"));
  CHECK(contains(text, "teamlog_fsync_seconds_bucket{le=\"+Inf\"} 4\n"));
  CHECK(contains(text, "teamlog_fsync_seconds_sum 3.0065\n"));
  CHECK(contains(text, "teamlog_fsync_seconds_count 4\n"));
}

TEST_CASE("registering one name with another type or label set is a programming error", "[http][metrics]") {
  MetricsRegistry registry;
  registry.counter("teamlog_x_total", "X.", {{"a", "1"}});
  CHECK_THROWS_AS(registry.gauge("teamlog_x_total", "X."), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("teamlog_x_total", "X.", {{"b", "1"}}), std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("bad name", "X."), std::invalid_argument);
  CHECK_THROWS_AS(
      registry.callback(MetricType::kCounter, "teamlog_x_total", "X.", {{"a", "1"}}, [] { return 1.0; }),
      std::invalid_argument);
}

TEST_CASE("request metrics label by route pattern and keep methods bounded, from many threads",
          "[http][metrics]") {
  MetricsRegistry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry] {
      RequestMetrics recorder(registry);
      for (int i = 0; i < 1000; ++i) {
        recorder.record("/api/v1/organizers/{organizer}/teams/", "GET", 200, 0.0002);
      }
      recorder.record("", "BREW", 404, 0.00005);
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = registry.render();
  CHECK(contains(text,
                 "teamlog_http_requests_total{route=\"/api/v1/organizers/{organizer}/teams/\",method=\"GET\","
                 "status=\"200\"} 4000\n"));
  CHECK(contains(text, "teamlog_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 4\n"));
  CHECK(contains(text,
                 "teamlog_http_request_duration_seconds_bucket{route=\"/api/v1/organizers/{organizer}/teams/\","
                 "method=\"GET\",le=\"0.00025\"} 4000\n"));
  CHECK(contains(text,
                 "teamlog_http_request_duration_seconds_bucket{route=\"unmatched\",method=\"other\",le=\"0.0001\"} 4\n"));
}

TEST_CASE("counters and histograms sum every thread's updates, with more threads than stripes",
          "[http][metrics]") {
  MetricsRegistry registry;
  Counter& counter = registry.counter("teamlog_things_total", "Things.");
  Histogram& histogram = registry.histogram("teamlog_wait_seconds", "Waits.", {}, {0.001, 0.01});
  constexpr int kThreads = static_cast<int>(kMetricStripes) + 4;  // some threads share a stripe
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        counter.inc();
        histogram.observe(i % 2 == 0 ? 0.0005 : 0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(counter.value() == std::uint64_t{kThreads} * kEach);
  const auto buckets = histogram.bucket_counts();
  REQUIRE(buckets.size() == 3);
  CHECK(buckets[0] == std::uint64_t{kThreads} * kEach / 2);
  CHECK(buckets[1] == 0);
  CHECK(buckets[2] == std::uint64_t{kThreads} * kEach / 2);
  CHECK(histogram.sum() == Approx(kThreads * kEach / 2 * (0.0005 + 0.5)));
  const std::string text = registry.render();
  CHECK(contains(text, "teamlog_things_total " + std::to_string(kThreads * kEach) + "\n"));
  CHECK(contains(text, "teamlog_wait_seconds_count " + std::to_string(kThreads * kEach) + "\n"));
}
