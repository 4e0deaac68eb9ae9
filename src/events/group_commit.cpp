// Group commit on a dedicated writer thread.
#include "events/group_commit.hpp"

#include <bit>
#include <chrono>
#include <future>

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
    : store_(store), options_(options), before_commit_(std::move(before_commit)), thread_([this] { run(); }) {}

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
  pending.swap(queue_);
  lock.unlock();
  write_batch(pending);
  lock.lock();
  // Jobs past the batch limits go back to the front, ahead of later arrivals.
  while (!pending.empty()) {
    queue_.push_front(std::move(pending.back()));
    pending.pop_back();
  }
  leader_active_ = false;
  if (!queue_.empty() || stopping_) cv_.notify_one();
}

void GroupCommitter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

GroupCommitStats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void GroupCommitter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !leader_active_ && (stopping_ || !queue_.empty()); });
    if (queue_.empty()) return;  // stopping, and everything queued has been written
    lead(lock);
  }
}

void GroupCommitter::write_batch(std::deque<std::unique_ptr<CommitJob>>& pending) {
  std::vector<std::unique_ptr<CommitJob>> batch;
  std::vector<std::size_t> threw;  // jobs whose prepare threw: their writes are rolled back and they fail alone
  auto tx = store_.begin();
  if (!tx) {
    Status refused = Error::make(ErrorCode::kUnavailable, "the store cannot open a write transaction");
    while (!pending.empty()) {
      pending.front()->finish(refused);
      pending.pop_front();
    }
    return;
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
      threw.push_back(batch.size());
    }
    if (keep) {
      tx->pop_savepoint();
    } else {
      tx->rollback_to_savepoint();
    }
    batch.push_back(std::move(job));
  }
  const std::size_t events = tx->events().size();
  if (events > 0 && before_commit_) before_commit_(*tx);
  const auto t0 = std::chrono::steady_clock::now();
  Status status = store_.commit(*tx);
  const auto ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  tx.reset();
  {
    std::lock_guard lock(mu_);
    stats_.jobs += batch.size();
    stats_.batches += 1;
    stats_.events += events;
    stats_.fsync_ns_total += ns;
    if (!status.ok()) stats_.failed_batches += 1;
    stats_.max_batch_jobs = std::max<std::uint64_t>(stats_.max_batch_jobs, batch.size());
    auto bucket = static_cast<std::size_t>(std::bit_width(batch.size() > 0 ? batch.size() - 1 : 0));
    stats_.batch_jobs_buckets[std::min(bucket, stats_.batch_jobs_buckets.size() - 1)] += 1;
  }
  const Status internal = Error::make(ErrorCode::kInternal, "the command failed unexpectedly; nothing was written");
  for (std::size_t i = 0, t = 0; i < batch.size(); ++i) {
    const bool failed = t < threw.size() && threw[t] == i;
    if (failed) ++t;
    batch[i]->finish(failed ? internal : status);
  }
}

}  // namespace teamlog
