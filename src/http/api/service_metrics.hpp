// The service's own metrics beside the server's request metrics: the log and the group commit.
#pragma once

#include "commands/writer.hpp"
#include "events/store.hpp"
#include "http/metrics.hpp"

namespace teamlog::http::api {

// Registers values read at scrape time: teamlog_log_position, teamlog_group_commit_{jobs,batches,events,syncs,
// failed_batches}_total, teamlog_fsync_seconds_total, teamlog_group_commit_batch_jobs_max and the cumulative batch
// size buckets teamlog_group_commit_batch_jobs_bucket{le="1".."1024","+Inf"}. `store` and `writer` must outlive
// `registry` (declare the registry after them).
void register_service_metrics(MetricsRegistry& registry, const Store& store, const commands::CommandWriter& writer);

}  // namespace teamlog::http::api
