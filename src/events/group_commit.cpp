// Group commit on a dedicated writer thread.
#include "events/group_commit.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <future>

#include "events/thread_name.hpp"

namespace teamlog {
namespace {

class AppendJob final : public CommitJob {
 public:
  explicit AppendJob(AppendRequest request) : request_(std::move(request)) {}
  std::future<Result<AppendResult>> future() { return promise_.get_future(); }
  bool prepare(Transaction& tx) override {
    auto r = tx.append(request_);
    if (r.ok()) {
      result_ = std::move(r).value();
      return true;
    }
    error_ = std::move(r).error();
    return false;
  }
  void finish(const Status& batch_status) override {
    if (error_) {
      promise_.set_value(*error_);
    } else if (!batch_status.ok()) {
      promise_.set_value(batch_status.error());
    } else {
      promise_.set_value(std::move(result_));
    }
  }

 private:
  AppendRequest request_;
  AppendResult result_;
  std::optional<Error> error_;
  std::promise<Result<AppendResult>> promise_;
};

}  // namespace

GroupCommitter::GroupCommitter(Store& store, GroupCommitOptions options, BatchHook before_commit)
    : store_(store),
      options_(options),
      before_commit_(std::move(before_commit)),
      thread_([this] {
        name_this_thread("teamlog-writer");
        run();
      }),
      syncer_([this] {
        name_this_thread("teamlog-sync");
        run_syncer();
      }) {}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::submit(std::unique_ptr<CommitJob> job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      if (!leader_active_) cv_.notify_one();
      return;
    }
  }
  job->finish(Error::make(ErrorCode::kUnavailable, "the writer is shutting down"));
}

Result<AppendResult> GroupCommitter::append(AppendRequest request) {
  auto job = std::make_unique<AppendJob>(std::move(request));
  auto future = job->future();
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    job->finish(Error::make(ErrorCode::kUnavailable, "the writer is shutting down"));
    return future.get();
  }
  queue_.push_back(std::move(job));
  // Leader/follower, as RocksDB's own write path: a blocking appender that finds no batch in progress writes the
  // batch itself, saving two thread hand-offs; otherwise it waits and the current leader's successor takes it.
  if (!leader_active_) lead(lock);
  lock.unlock();
  return future.get();
}

void GroupCommitter::lead(std::unique_lock<std::mutex>& lock) {
  leader_active_ = true;
  std::deque<std::unique_ptr<CommitJob>> pending;
  if (!sync_in_progress_ && to_sync_.empty() && queue_.size() > 1 && preparing_outlasts_fsync(queue_.size())) {
    // The disk is idle and writing everything waiting would take longer than an fsync: write only half of it, so
    // that the other half is prepared and written while the first half is fsynced. Two batches in flight keep both
    // the CPU and the disk busy.
    const std::size_t take = (queue_.size() + 1) / 2;
    for (std::size_t i = 0; i < take; ++i) {
      pending.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  } else {
    pending.swap(queue_);
  }
  lock.unlock();
  Batch batch = write_batch(pending);
  lock.lock();
  if (batch.status.ok() && !batch.written.empty) batch.order = ++written_batches_;
  // Jobs past the batch limits go back to the front, ahead of later arrivals.
  while (!pending.empty()) {
    queue_.push_front(std::move(pending.back()));
    pending.pop_back();
  }
  leader_active_ = false;
  if (!queue_.empty() || stopping_) cv_.notify_one();
  if (!batch.status.ok() || batch.written.empty) {
    lock.unlock();
    finish(batch, batch.status);
    lock.lock();
    return;
  }
  // Under load, hand the fsync to the syncer and go on preparing the next batch while the disk works (the
  // snapshot published after each sync keeps unsynced writes invisible). With nothing else waiting, sync here:
  // a hand-off would only add latency.
  if (!queue_.empty() || !to_sync_.empty() || sync_in_progress_) {
    to_sync_.push_back(std::move(batch));
    sync_cv_.notify_one();
    return;
  }
  sync_in_progress_ = true;
  lock.unlock();
  Status status = timed_sync(batch.written);
  lock.lock();
  sync_in_progress_ = false;
  if (telling_pending()) {  // earlier batches are still being told: keep the order
    to_finish_.emplace_back(std::move(batch), status);
    cv_.notify_one();
  } else {
    lock.unlock();
    finish(batch, status);
    lock.lock();
  }
  // Batches written during this fsync wait for the next one, which the syncer does for all of them at once.
  if (!to_sync_.empty()) sync_cv_.notify_one();
}

namespace {

std::uint64_t ns_since(std::chrono::steady_clock::time_point t0) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
}

// An exponentially weighted moving average (weight 1/4) of durations in ns; 0 until the first sample. A sample
// counts for at most four times the average, so that one stalled fsync (a journal commit, a store's very first
// sync) sways the next few decisions only a little; a lasting change still wins within a few samples.
void ewma_add(std::atomic<std::uint64_t>& average, std::uint64_t sample) {
  const std::uint64_t old = average.load(std::memory_order_relaxed);
  if (old == 0) {
    average.store(sample, std::memory_order_relaxed);
    return;
  }
  sample = std::min(sample, 4 * old);
  average.store(old - old / 4 + sample / 4, std::memory_order_relaxed);
}

}  // namespace

bool GroupCommitter::preparing_outlasts_fsync(std::size_t jobs) const {
  // With one batch of everything, the disk idles while the CPU prepares it and the CPU idles during the fsync: a
  // cycle takes jobs * job + fsync. Split in two pipelined halves, the cycle takes two fsyncs or, when preparing
  // dominates, jobs * job. So splitting pays once preparing the jobs takes longer than an fsync (measured: cheap
  // appends from 64 appenders go ~8% faster unsplit; commands of ~60 us each go as fast split). The syncer uses
  // the same comparison the other way round, to decide whether to wait for the jobs it hands over to come back.
  return jobs * job_ewma_ns_.load(std::memory_order_relaxed) > fsync_ewma_ns_.load(std::memory_order_relaxed);
}

Status GroupCommitter::timed_sync(const WrittenBatch& written) {
  const auto t0 = std::chrono::steady_clock::now();
  Status status = store_.make_durable(written);
  const std::uint64_t ns = ns_since(t0);
  if (status.ok()) ewma_add(fsync_ewma_ns_, ns);
  std::lock_guard lock(stats_mu_);
  stats_.fsync_ns_total += ns;
  stats_.syncs += 1;
  if (!status.ok()) stats_.failed_batches += 1;
  return status;
}

void GroupCommitter::finish(Batch& batch, const Status& status) {
  struct Told {  // advances told_ also when a job's callback throws, so that later batches are not held forever
    GroupCommitter& self;
    std::uint64_t order;
    ~Told() {
      if (order == 0) return;
      {
        std::lock_guard lock(self.told_mu_);
        self.told_ = order;
      }
      self.told_cv_.notify_all();
    }
  } told{*this, batch.order};
  if (batch.order != 0) {
    std::unique_lock lock(told_mu_);
    told_cv_.wait(lock, [&] { return told_ + 1 == batch.order; });
  }
  if (status.ok()) store_.publish(batch.written);
  const Status internal = Error::make(ErrorCode::kInternal, "the command failed unexpectedly; nothing was written");
  for (std::size_t i = 0, t = 0; i < batch.jobs.size(); ++i) {
    const bool threw = t < batch.threw.size() && batch.threw[t] == i;
    if (threw) ++t;
    batch.jobs[i]->finish(threw ? internal : status);
  }
}

void GroupCommitter::run_syncer() {
  const auto take = [this] {
    std::vector<Batch> batches;
    while (!to_sync_.empty()) {
      batches.push_back(std::move(to_sync_.front()));
      to_sync_.pop_front();
    }
    return batches;
  };
  std::unique_lock lock(mu_);
  for (;;) {
    if (merge_wait_size_ > 0) {
      // The jobs just handed over come back within less than an fsync (see below): wait for the writer to write
      // their next batch, or to go idle, and cover everything in one fsync. At most one fsync's time.
      sync_cv_.wait_until(lock, merge_deadline_, [&] {
        return to_sync_.size() > merge_wait_size_ || !writer_busy() || stopping_;
      });
      merge_wait_size_ = 0;
    }
    sync_cv_.wait(lock, [&] { return (!to_sync_.empty() && !sync_in_progress_) || (stopping_ && !writer_running_); });
    if (to_sync_.empty()) return;
    if (sync_in_progress_) continue;
    std::vector<Batch> batches = take();
    sync_in_progress_ = true;
    lock.unlock();
    for (;;) {
      // One fsync covers every batch written before it; batches are synced (published) in order.
      Status status = timed_sync(batches.back().written);
      lock.lock();
      // When the next batch is already written (the disk is the bottleneck) and the writer thread is idle, the
      // next fsync starts at once and the writer tells these jobs meanwhile: their callbacks typically submit the
      // next commands straight into its queue, one wake-up instead of two, and one batch instead of several. A busy
      // writer would tell them only after the batch it is preparing, so then (and with nothing to sync next) the
      // callbacks run here, unless the writer still has earlier batches to tell (the order is kept).
      //
      // Closed-loop clients (each acknowledgement submits that client's next command) would then settle into two
      // groups fsynced in turn, one fsync per group, forever. When telling the handed-over jobs and preparing as
      // many new ones takes less than an fsync, the next fsync waits for them instead: the groups merge.
      const bool next = !to_sync_.empty();
      if (writer_running_ && !stopping_ && (telling_pending() || (next && !leader_active_))) {
        std::size_t handed_jobs = 0;
        for (auto& b : batches) {
          handed_jobs += b.jobs.size();
          to_finish_.emplace_back(std::move(b), status);
        }
        batches.clear();
        const bool go_on = next && preparing_outlasts_fsync(handed_jobs);
        if (go_on) {
          batches = take();
        } else if (next) {
          merge_wait_size_ = to_sync_.size();
          merge_deadline_ = std::chrono::steady_clock::now() +
                            std::chrono::nanoseconds(fsync_ewma_ns_.load(std::memory_order_relaxed));
        }
        sync_in_progress_ = go_on;
        lock.unlock();
        cv_.notify_one();  // unlocked: the writer does not wake only to wait for this lock
        if (go_on) continue;
        lock.lock();
        break;
      }
      sync_in_progress_ = false;
      lock.unlock();
      for (auto& b : batches) finish(b, status);
      lock.lock();
      break;
    }
  }
}

void GroupCommitter::finish_handed_over(std::unique_lock<std::mutex>& lock) {
  std::deque<std::pair<Batch, Status>> batches;
  batches.swap(to_finish_);
  finishing_ = true;
  lock.unlock();
  for (auto& [batch, status] : batches) finish(batch, status);
  lock.lock();
  finishing_ = false;
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mu_);
    writer_running_ = false;
    sync_cv_.notify_one();
  }
  if (syncer_.joinable()) syncer_.join();
}

GroupCommitStats GroupCommitter::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void GroupCommitter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !to_finish_.empty() || (!leader_active_ && (stopping_ || !queue_.empty())); });
    if (!to_finish_.empty()) {
      finish_handed_over(lock);
      if (merge_wait_size_ > 0 && !writer_busy()) sync_cv_.notify_one();  // nothing came back: sync now
      continue;
    }
    if (queue_.empty()) return;  // stopping, and everything queued has been written
    lead(lock);
  }
}

GroupCommitter::Batch GroupCommitter::write_batch(std::deque<std::unique_ptr<CommitJob>>& pending) {
  const auto t0 = std::chrono::steady_clock::now();
  Batch batch;
  auto tx = store_.begin();
  if (!tx) {
    batch.status = Error::make(ErrorCode::kUnavailable, "the store cannot open a write transaction");
    while (!pending.empty()) {
      batch.jobs.push_back(std::move(pending.front()));
      pending.pop_front();
    }
    return batch;
  }
  while (!pending.empty() && tx->events().size() < options_.max_batch_events &&
         tx->byte_size() < options_.max_batch_bytes) {
    auto job = std::move(pending.front());
    pending.pop_front();
    tx->set_savepoint();
    bool keep = false;
    try {
      keep = job->prepare(*tx);
    } catch (...) {
      batch.threw.push_back(batch.jobs.size());
    }
    if (keep) {
      tx->pop_savepoint();
    } else {
      tx->rollback_to_savepoint();
    }
    batch.jobs.push_back(std::move(job));
  }
  const std::size_t events = tx->events().size();
  if (events > 0 && before_commit_) before_commit_(*tx);
  auto written = store_.write(*tx);
  tx.reset();
  if (written.ok()) {
    batch.written = std::move(written).value();
  } else {
    batch.status = std::move(written).error();
  }
  if (!batch.jobs.empty()) ewma_add(job_ewma_ns_, ns_since(t0) / batch.jobs.size());
  std::lock_guard lock(stats_mu_);
  stats_.jobs += batch.jobs.size();
  stats_.batches += 1;
  stats_.events += events;
  if (!batch.status.ok()) stats_.failed_batches += 1;
  stats_.max_batch_jobs = std::max<std::uint64_t>(stats_.max_batch_jobs, batch.jobs.size());
  auto bucket = static_cast<std::size_t>(std::bit_width(batch.jobs.size() > 0 ? batch.jobs.size() - 1 : 0));
  stats_.batch_jobs_buckets[std::min(bucket, stats_.batch_jobs_buckets.size() - 1)] += 1;
  return batch;
}

}  // namespace teamlog
