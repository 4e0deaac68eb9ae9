// Prometheus registry and its text rendering; the request recorder used by every session.
#include "http/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "events/number_format.hpp"
#include "http/router.hpp"

namespace teamlog::http {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (allow_colon && c == ':');
  });
}

// `a="x",b="y"` with label values escaped as the exposition format requires.
std::string render_labels(const MetricLabels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!valid_name(name, false)) throw std::invalid_argument("bad metric label name: " + name);
    if (!out.empty()) out += ',';
    out += name;
    out += "=\"";
    for (const char c : value) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  return out;
}

std::string label_names(const MetricLabels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += name;
    out += ',';
  }
  return out;
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) out += "NaN";
  else if (std::isinf(v)) out += v > 0 ? "+Inf" : "-Inf";
  else append_double(out, v, false);  // "0.0001", not to_chars' shortest "1e-04"
}

void append_number(std::string& out, std::uint64_t v) {
  std::array<char, 24> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), end);
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
                   std::string_view extra_label) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra_label.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra_label.empty()) out += ',';
    out += extra_label;
    out += '}';
  }
  out += ' ';
}

}  // namespace

std::size_t metric_stripe() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t stripe = next.fetch_add(1, std::memory_order_relaxed) % kMetricStripes;
  return stripe;
}

std::uint64_t Counter::value() const noexcept {
  std::uint64_t total = 0;
  for (const auto& stripe : stripes_) total += stripe.value.load(std::memory_order_relaxed);
  return total;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      lines_per_stripe_((bounds_.size() + 1 + 7) / 8),
      counts_(std::make_unique<Line[]>(kMetricStripes * lines_per_stripe_)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) throw std::invalid_argument("histogram bounds not sorted");
}

void Histogram::observe(double v) noexcept {
  // Linear: ~13 buckets, and most requests land in the first few.
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  const std::size_t stripe = metric_stripe();
  count(stripe, i).fetch_add(1, std::memory_order_relaxed);
  sums_[stripe].value.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t stripe = 0; stripe < kMetricStripes; ++stripe) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += count(stripe, i).load(std::memory_order_relaxed);
  }
  return out;
}

double Histogram::sum() const noexcept {
  double total = 0;
  for (const auto& stripe : sums_) total += stripe.value.load(std::memory_order_relaxed);
  return total;
}

struct MetricsRegistry::Series {
  std::string labels;  // rendered, without braces
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
  std::function<double()> read;  // callback series
};

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  MetricType type;
  std::string label_names;  // every series of a family has the same label names, as Prometheus expects
  std::vector<std::unique_ptr<Series>> series;
  std::unordered_map<std::string, Series*> by_labels;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Series& MetricsRegistry::series(MetricType type, std::string_view name, std::string_view help,
                                                 const MetricLabels& labels, const std::vector<double>* bounds,
                                                 std::function<double()>* read) {
  if (!valid_name(name, true)) throw std::invalid_argument("bad metric name: " + std::string(name));
  std::string rendered = render_labels(labels);
  std::lock_guard lock(mutex_);
  auto it = by_name_.find(std::string(name));
  Family* family;
  if (it == by_name_.end()) {
    auto created = std::make_unique<Family>();
    created->name = std::string(name);
    created->help = std::string(help);
    created->type = type;
    created->label_names = label_names(labels);
    family = created.get();
    by_name_.emplace(family->name, family);
    families_.push_back(std::move(created));
  } else {
    family = it->second;
    if (family->type != type) throw std::invalid_argument("metric registered with another type: " + family->name);
    if (family->label_names != label_names(labels)) {
      throw std::invalid_argument("metric registered with other label names: " + family->name);
    }
  }
  if (auto found = family->by_labels.find(rendered); found != family->by_labels.end()) {
    Series& existing = *found->second;
    // Swapping an object series for a callback (or back) would dangle references handed out earlier.
    if (static_cast<bool>(existing.read) != (read != nullptr)) {
      throw std::invalid_argument("metric series registered both as a callback and as a value: " + family->name);
    }
    if (read) existing.read = std::move(*read);
    return existing;
  }
  auto s = std::make_unique<Series>();
  s->labels = std::move(rendered);
  if (read) {
    s->read = std::move(*read);
  } else {
    switch (type) {
      case MetricType::kCounter: s->counter = std::make_unique<Counter>(); break;
      case MetricType::kGauge: s->gauge = std::make_unique<Gauge>(); break;
      case MetricType::kHistogram: s->histogram = std::make_unique<Histogram>(*bounds); break;
    }
  }
  Series& ref = *s;
  family->by_labels.emplace(ref.labels, &ref);
  family->series.push_back(std::move(s));
  return ref;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, const MetricLabels& labels) {
  return *series(MetricType::kCounter, name, help, labels, nullptr, nullptr).counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  return *series(MetricType::kGauge, name, help, labels, nullptr, nullptr).gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                                      const std::vector<double>& bounds) {
  return *series(MetricType::kHistogram, name, help, labels, &bounds, nullptr).histogram;
}

void MetricsRegistry::callback(MetricType type, std::string_view name, std::string_view help,
                               const MetricLabels& labels, std::function<double()> read) {
  if (type == MetricType::kHistogram) throw std::invalid_argument("callback histograms are not supported");
  if (!read) throw std::invalid_argument("empty metric callback: " + std::string(name));
  series(type, name, help, labels, nullptr, &read);
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) {
    out += "# HELP ";
    out += family->name;
    out += ' ';
    for (const char c : family->help) {
      if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += "\n# TYPE ";
    out += family->name;
    out += family->type == MetricType::kCounter ? " counter\n"
           : family->type == MetricType::kGauge ? " gauge\n"
                                                : " histogram\n";
    for (const auto& s : family->series) {
      if (s->histogram) {
        const std::vector<std::uint64_t> counts = s->histogram->bucket_counts();
        const std::vector<double>& bounds = s->histogram->bounds();
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          std::string le = "le=\"";
          if (i < bounds.size()) append_number(le, bounds[i]);
          else le += "+Inf";
          le += '"';
          append_sample(out, family->name, "_bucket", s->labels, le);
          append_number(out, cumulative);
          out += '\n';
        }
        append_sample(out, family->name, "_sum", s->labels, {});
        append_number(out, s->histogram->sum());
        out += '\n';
        append_sample(out, family->name, "_count", s->labels, {});
        append_number(out, cumulative);
        out += '\n';
        continue;
      }
      append_sample(out, family->name, "", s->labels, {});
      if (s->counter) append_number(out, s->counter->value());
      else if (s->gauge) append_number(out, s->gauge->value());
      else append_number(out, s->read());
      out += '\n';
    }
  }
  return out;
}

const std::vector<double>& MetricsRegistry::latency_buckets() {
  static const std::vector<double> buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
  return buckets;
}

void RequestMetrics::record(std::string_view route, std::string_view method, unsigned status, double seconds) {
  if (route.empty()) route = "unmatched";
  // The method label must stay bounded too: anything outside the known verbs is "other".
  if (!parse_method(method)) method = "other";

  key_.assign(route);
  key_ += ' ';
  key_ += method;
  auto d = durations_.find(key_);
  if (d == durations_.end()) {
    Histogram& h = registry_.histogram("teamlog_http_request_duration_seconds",
                                       "Time from the first byte of a request to its response written, in seconds.",
                                       {{"route", std::string(route)}, {"method", std::string(method)}},
                                       MetricsRegistry::latency_buckets());
    d = durations_.emplace(key_, &h).first;
  }
  d->second->observe(seconds);

  key_ += ' ';
  append_number(key_, std::uint64_t{status});
  auto c = counters_.find(key_);
  if (c == counters_.end()) {
    Counter& counter = registry_.counter(
        "teamlog_http_requests_total", "HTTP requests answered, by route pattern, method and status.",
        {{"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}});
    c = counters_.emplace(key_, &counter).first;
  }
  c->second->inc();
}

}  // namespace teamlog::http
