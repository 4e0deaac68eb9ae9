// The command writer: runs decide() on the single writer against the views as they stand in the open batch
// (earlier commands of the same batch included), appends the events, folds them into the views, and completes
// each command only once its batch is durable.
#pragma once

#include <functional>
#include <memory>

#include "commands/commands.hpp"
#include "events/group_commit.hpp"
#include "projections/view_store.hpp"

namespace teamlog::commands {

struct Completion {
  Result<Decision> decision;
  std::uint64_t last_position = 0;  // of the command's events, when it had any
};

class CommandWriter {
 public:
  // Called once the command's batch is durable (or failed): on a writer thread, so hand work elsewhere quickly.
  using Callback = std::function<void(Completion)>;
  // Extra writes that must land atomically with the command's outcome (e.g. the idempotency record of the
  // response); called on the writer thread after decide, with the decision or its error.
  using AlsoWrite = std::function<void(Transaction&, const Result<Decision>&)>;

  CommandWriter(Store& store, projections::ViewStore& views, GroupCommitOptions options = {});
  ~CommandWriter();

  void submit(Command command, Context context, Callback done, AlsoWrite also = {});
  // Only `also`'s writes, durable like a command's (for responses decided before any command, e.g. a 415 whose
  // idempotency record must be kept). `also` sees an empty decision.
  void submit_record(AlsoWrite also, Callback done);
  // Blocking form, for tools and tests.
  Completion execute(Command command, Context context);
  GroupCommitStats stats() const { return committer_.stats(); }
  void stop() { committer_.stop(); }

 private:
  projections::ViewStore& views_;
  GroupCommitter committer_;
};

}  // namespace teamlog::commands
