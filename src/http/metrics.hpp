// A small thread-safe Prometheus registry (text format 0.0.4): counters, gauges, histograms and callback values.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace teamlog::http {

// Counters and histograms that every request updates are striped: each thread adds to a cache line of its own
// (threads take stripes in turn), and a scrape sums the stripes. One shared line would move between the I/O
// threads' cores at every request.
inline constexpr std::size_t kMetricStripes = 8;
std::size_t metric_stripe() noexcept;  // the calling thread's stripe, < kMetricStripes

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { stripes_[metric_stripe()].value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept;

 private:
  struct alignas(64) Stripe {
    std::atomic<std::uint64_t> value{0};
  };
  std::array<Stripe, kMetricStripes> stripes_;
};

class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: the buckets' inclusive upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double v) noexcept;

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts, bounds().size() + 1 of them, the last for +Inf.
  std::vector<std::uint64_t> bucket_counts() const;
  double sum() const noexcept;

 private:
  struct alignas(64) Line {
    std::array<std::atomic<std::uint64_t>, 8> count{};
  };
  struct alignas(64) Sum {
    std::atomic<double> value{0.0};
  };
  std::atomic<std::uint64_t>& count(std::size_t stripe, std::size_t bucket) const noexcept {
    return counts_[stripe * lines_per_stripe_ + bucket / 8].count[bucket % 8];
  }
  std::vector<double> bounds_;
  std::size_t lines_per_stripe_;
  std::unique_ptr<Line[]> counts_;  // kMetricStripes stripes of bounds_.size() + 1 counts, each on lines of its own
  std::array<Sum, kMetricStripes> sums_;
};

enum class MetricType { kCounter, kGauge, kHistogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Families are rendered in registration order and series in creation order. Getting a metric that exists returns
// the same object; references stay valid for the registry's lifetime. Registration takes a mutex, so hot paths
// keep the returned reference (or cache it per thread, as RequestMetrics does) instead of looking up every time.
// Misuse (bad names, one name with two types or two label sets) throws std::invalid_argument: metrics are wired
// at startup, so that is a programming error.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                       const std::vector<double>& bounds);

  // A counter or gauge whose value is read when rendering (log position, batch sizes, fsync seconds...). The
  // callback runs under the registry mutex on the scraping thread: it must be thread-safe, cheap, must not touch
  // the registry, and must stay callable for the registry's lifetime. Registering the same series again replaces
  // its callback.
  void callback(MetricType type, std::string_view name, std::string_view help, const MetricLabels& labels,
                std::function<double()> read);

  // Everything in the Prometheus text exposition format.
  std::string render() const;

  // 100 µs .. 1 s, for request latencies in seconds.
  static const std::vector<double>& latency_buckets();

 private:
  struct Series;
  struct Family;
  // Gets or creates a series; `read` non-null makes (or updates) a callback series.
  Series& series(MetricType type, std::string_view name, std::string_view help, const MetricLabels& labels,
                 const std::vector<double>* bounds, std::function<double()>* read);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
  std::unordered_map<std::string, Family*> by_name_;
};

// The HTTP request metrics: teamlog_http_requests_total{route,method,status} and
// teamlog_http_request_duration_seconds{route,method}. One recorder per I/O thread (it is not thread-safe): it
// caches series pointers, so after warm-up a request costs two hash lookups in thread-local maps and three
// relaxed atomic adds, with no lock.
class RequestMetrics {
 public:
  explicit RequestMetrics(MetricsRegistry& registry) : registry_(registry) {}
  // `route` is the route pattern (empty: "unmatched"); unknown methods are labelled "other".
  void record(std::string_view route, std::string_view method, unsigned status, double seconds);

 private:
  MetricsRegistry& registry_;
  std::string key_;  // reused lookup key, so a cache hit allocates nothing
  std::unordered_map<std::string, Counter*> counters_;
  std::unordered_map<std::string, Histogram*> durations_;
};

}  // namespace teamlog::http
