// Callback metrics over Store and CommandWriter::stats().
#include "http/api/service_metrics.hpp"

#include <string>

namespace teamlog::http::api {

void register_service_metrics(MetricsRegistry& registry, const Store& store, const commands::CommandWriter& writer) {
  registry.callback(MetricType::kGauge, "teamlog_log_position", "Position of the last durable event in the log.", {},
                    [&store] { return static_cast<double>(store.head_position()); });

  using Field = std::uint64_t GroupCommitStats::*;
  struct Total {
    const char* name;
    const char* help;
    Field field;
  };
  static constexpr Total kTotals[] = {
      {"teamlog_group_commit_jobs_total", "Commands (and other jobs) the writer has run.", &GroupCommitStats::jobs},
      {"teamlog_group_commit_batches_total", "Batches written, each one WriteBatch.", &GroupCommitStats::batches},
      {"teamlog_group_commit_events_total", "Events appended to the log.", &GroupCommitStats::events},
      {"teamlog_group_commit_syncs_total", "fsyncs of the write-ahead log (one may cover several batches).",
       &GroupCommitStats::syncs},
      {"teamlog_group_commit_failed_batches_total", "Batches that failed to write or sync.",
       &GroupCommitStats::failed_batches},
  };
  for (const auto& total : kTotals) {
    registry.callback(MetricType::kCounter, total.name, total.help, {},
                      [&writer, field = total.field] { return static_cast<double>(writer.stats().*field); });
  }
  registry.callback(MetricType::kCounter, "teamlog_fsync_seconds_total", "Time spent in fsync of the log.", {},
                    [&writer] { return static_cast<double>(writer.stats().fsync_ns_total) / 1e9; });
  registry.callback(MetricType::kGauge, "teamlog_group_commit_batch_jobs_max", "The most jobs one batch has held.",
                    {}, [&writer] { return static_cast<double>(writer.stats().max_batch_jobs); });

  // The writer counts batches per power-of-two size class; exposed cumulatively, as a histogram's buckets, so that
  // histogram_quantile() applies.
  const std::size_t buckets = GroupCommitStats{}.batch_jobs_buckets.size();
  for (std::size_t i = 0; i < buckets; ++i) {
    const std::string le = i + 1 == buckets ? "+Inf" : std::to_string(std::uint64_t{1} << i);
    registry.callback(MetricType::kCounter, "teamlog_group_commit_batch_jobs_bucket",
                      "Batches with at most `le` jobs.", {{"le", le}}, [&writer, i] {
                        const auto stats = writer.stats();
                        std::uint64_t cumulative = 0;
                        for (std::size_t k = 0; k <= i; ++k) cumulative += stats.batch_jobs_buckets[k];
                        return static_cast<double>(cumulative);
                      });
  }
}

}  // namespace teamlog::http::api
