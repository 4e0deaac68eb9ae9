// The single writer: gathers concurrent jobs into one WriteBatch with one fsync (group commit), and tells each
// job its outcome only once its batch is durable. One batch is in progress at a time, so jobs see each other's
// effects in order. Jobs submitted asynchronously (from I/O threads) are written by the writer thread; a
// blocking append() may write the batch itself when no batch is in progress.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "events/store.hpp"

namespace teamlog {

// A unit of work for the writer, typically one command: decide against the transaction's state, append events,
// update views. Everything a job writes lands atomically with its batch, or not at all.
class CommitJob {
 public:
  virtual ~CommitJob() = default;
  // Runs on the writer thread. Returning false discards everything this job wrote (its savepoint is rolled back).
  virtual bool prepare(Transaction& tx) = 0;
  // Called exactly once, after the batch is durable (ok) or has failed; on the writer thread, so keep it short.
  virtual void finish(const Status& batch_status) = 0;
};

struct GroupCommitOptions {
  std::size_t max_batch_events = 1024;        // bounds latency: a batch stops taking jobs past this
  std::size_t max_batch_bytes = 4u << 20;
};

struct GroupCommitStats {
  std::uint64_t jobs = 0;
  std::uint64_t batches = 0;        // batches written
  std::uint64_t syncs = 0;          // fsyncs (one may cover several batches)
  std::uint64_t events = 0;
  std::uint64_t failed_batches = 0;
  std::uint64_t fsync_ns_total = 0;
  std::uint64_t max_batch_jobs = 0;
  // batch_jobs_buckets[i]: batches with at most 2^i jobs (1, 2, 4, ... 1024, +Inf), not cumulative.
  std::array<std::uint64_t, 12> batch_jobs_buckets{};
};

class GroupCommitter {
 public:
  // Runs after a batch's jobs and before its commit, when the batch holds events (projections write checkpoints).
  using BatchHook = std::function<void(Transaction&)>;

  GroupCommitter(Store& store, GroupCommitOptions options = {}, BatchHook before_commit = {});
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Thread-safe. After stop(), the job is finished at once with kUnavailable.
  void submit(std::unique_ptr<CommitJob> job);
  // Blocks until `request` is durable or refused.
  Result<AppendResult> append(AppendRequest request);
  // Writes what is queued, then joins the writer thread. Idempotent.
  void stop();
  GroupCommitStats stats() const;

 private:
  struct Batch {
    std::vector<std::unique_ptr<CommitJob>> jobs;
    std::vector<std::size_t> threw;  // indexes of jobs whose prepare threw: rolled back, failed alone
    WrittenBatch written;
    Status status;  // a failure before the sync
    std::uint64_t order = 0;  // 1, 2, ... for batches that wrote something, in the order they were written
  };

  void run();
  void run_syncer();
  // On the writer thread: tells the jobs of synced batches handed over by the syncer.
  void finish_handed_over(std::unique_lock<std::mutex>& lock);
  // Takes everything queued and writes it as one batch; `lock` (on mu_) is released while working.
  void lead(std::unique_lock<std::mutex>& lock);
  Batch write_batch(std::deque<std::unique_ptr<CommitJob>>& pending);
  // Whether preparing `jobs` jobs takes the writer longer than an fsync takes the disk (moving averages): then the
  // writer splits what waits on an idle disk (lead()), else the syncer waits for jobs it hands over (run_syncer()).
  bool preparing_outlasts_fsync(std::size_t jobs) const;
  // The writer thread has something to do that will end in a batch or in going idle (mu_ held).
  bool writer_busy() const { return leader_active_ || telling_pending() || !queue_.empty(); }
  // Fsyncs (does not publish) every batch written up to `written`.
  Status timed_sync(const WrittenBatch& written);
  // Publishes a durable batch, then tells its jobs; first waits until every batch written before it was told.
  void finish(Batch& batch, const Status& status);

  Store& store_;
  GroupCommitOptions options_;
  BatchHook before_commit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<CommitJob>> queue_;
  bool stopping_ = false;
  bool leader_active_ = false;  // a batch is being prepared or written, by the writer thread or an appender
  std::condition_variable sync_cv_;
  std::deque<Batch> to_sync_;    // written, waiting for the syncer's fsync
  bool sync_in_progress_ = false;
  bool writer_running_ = true;
  // Synced (or failed) batches whose jobs the writer thread tells, in order, so that the syncer can start the next
  // fsync at once instead of running a batch's callbacks first.
  std::deque<std::pair<Batch, Status>> to_finish_;
  bool finishing_ = false;  // the writer thread is telling jobs from to_finish_
  // > 0: the syncer waits (until merge_deadline_) for to_sync_ to grow past this size or the writer to go idle.
  std::size_t merge_wait_size_ = 0;
  std::chrono::steady_clock::time_point merge_deadline_;
  // Handed-over batches not yet fully told: a later batch must be handed over too, to keep the order (mu_ held).
  bool telling_pending() const { return finishing_ || !to_finish_.empty(); }
  // Moving averages of an fsync and of the writer's time per job (prepare and write), for
  // preparing_outlasts_fsync().
  std::atomic<std::uint64_t> fsync_ewma_ns_{0};
  std::atomic<std::uint64_t> job_ewma_ns_{0};
  // Batches are told in the order they were written, whichever thread tells them (the syncer, the writer, an
  // appender that synced its own batch): without this, a batch synced by the writer while the syncer was still
  // telling the one before could be acknowledged first.
  std::uint64_t written_batches_ = 0;  // mu_ held
  std::mutex told_mu_;
  std::condition_variable told_cv_;
  std::uint64_t told_ = 0;  // the order of the last batch told
  mutable std::mutex stats_mu_;
  GroupCommitStats stats_;
  std::thread thread_;
  std::thread syncer_;
};

}  // namespace teamlog
