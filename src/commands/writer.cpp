// CommandJob: one command's decide + append + view folds inside a group-committed batch.
#include "commands/writer.hpp"

#include <future>

namespace teamlog::commands {
namespace {

class CommandJob final : public CommitJob {
 public:
  CommandJob(projections::ViewStore& views, std::optional<Command> command, Context context,
             CommandWriter::Callback done, CommandWriter::AlsoWrite also)
      : views_(views),
        command_(std::move(command)),
        context_(std::move(context)),
        done_(std::move(done)),
        also_(std::move(also)),
        decision_(Error::make(ErrorCode::kInternal, "not decided")) {}

  bool prepare(Transaction& tx) override {
    decision_ = command_ ? decide(tx, views_.columns(), *command_, context_) : Result<Decision>(Decision{});
    bool wrote = false;
    if (decision_.ok() && !decision_->append.events.empty()) {
      const std::size_t before = tx.events().size();
      auto appended = tx.append(decision_->append);
      if (!appended.ok()) {
        decision_ = std::move(appended).error();
      } else {
        last_position_ = appended->last_position;
        for (std::size_t i = before; i < tx.events().size(); ++i) {
          auto s = views_.apply(tx, tx.events()[i]);
          if (!s.ok()) throw std::runtime_error(s.error().message);  // a fold bug: fail this command alone
        }
        wrote = true;
      }
    }
    if (also_) {
      also_(tx, decision_);
      wrote = true;
    }
    return wrote;
  }

  void finish(const Status& batch_status) override {
    if (!batch_status.ok()) {
      done_(Completion{batch_status.error(), 0});
    } else {
      done_(Completion{std::move(decision_), last_position_});
    }
  }

 private:
  projections::ViewStore& views_;
  std::optional<Command> command_;  // none: a record-only job
  Context context_;
  CommandWriter::Callback done_;
  CommandWriter::AlsoWrite also_;
  Result<Decision> decision_;
  std::uint64_t last_position_ = 0;
};

}  // namespace

CommandWriter::CommandWriter(Store& store, projections::ViewStore& views, GroupCommitOptions options)
    : views_(views), committer_(store, options, [this](Transaction& tx) { views_.write_checkpoints(tx); }) {}

CommandWriter::~CommandWriter() { committer_.stop(); }

void CommandWriter::submit(Command command, Context context, Callback done, AlsoWrite also) {
  committer_.submit(std::make_unique<CommandJob>(views_, std::move(command), std::move(context), std::move(done),
                                                 std::move(also)));
}

void CommandWriter::submit_record(AlsoWrite also, Callback done) {
  committer_.submit(std::make_unique<CommandJob>(views_, std::nullopt, Context{}, std::move(done), std::move(also)));
}

Completion CommandWriter::execute(Command command, Context context) {
  std::promise<Completion> promise;
  auto future = promise.get_future();
  submit(std::move(command), std::move(context), [&promise](Completion c) { promise.set_value(std::move(c)); });
  return future.get();
}

}  // namespace teamlog::commands
