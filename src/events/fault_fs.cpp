// Fails writes and fsyncs of every writable file RocksDB opens while a fault is switched on.
#include "events/fault_fs.hpp"

#include <chrono>
#include <thread>

namespace teamlog {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using Kind = StorageFaults::Kind;

class FaultFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<StorageFaults> faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(std::move(faults)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    if (auto s = write_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Append(data, o, dbg);
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& o, const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    if (auto s = write_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const IOOptions& o,
                            IODebugContext* dbg) override {
    if (auto s = write_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, dbg);
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const IOOptions& o,
                            const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    if (auto s = write_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, info, dbg);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    slow_disk();
    if (auto s = sync_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Sync(o, dbg);
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    slow_disk();
    if (auto s = sync_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Fsync(o, dbg);
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& o, IODebugContext* dbg) override {
    if (auto s = sync_fault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, o, dbg);
  }

 private:
  IOStatus write_fault() {
    const Kind k = faults_->kind.load();
    if (k == Kind::kWriteError) return count(IOStatus::IOError("injected write failure"));
    if (k == Kind::kNoSpace) return count(IOStatus::NoSpace("injected: no space left on device"));
    return IOStatus::OK();
  }
  void slow_disk() {
    if (const auto us = faults_->sync_delay_us.load(); us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
  }
  IOStatus sync_fault() {
    if (faults_->kind.load() == Kind::kSyncError) return count(IOStatus::IOError("injected fsync failure"));
    return IOStatus::OK();
  }
  IOStatus count(IOStatus s) {
    faults_->injected.fetch_add(1);
    return s;
  }

  std::shared_ptr<StorageFaults> faults_;
};

class FaultFs final : public rocksdb::FileSystemWrapper {
 public:
  FaultFs(std::shared_ptr<rocksdb::FileSystem> base, std::shared_ptr<StorageFaults> faults)
      : FileSystemWrapper(std::move(base)), faults_(std::move(faults)) {}
  static const char* kClassName() { return "TeamlogFaultFs"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    return wrap(target()->NewWritableFile(f, o, r, dbg), r);
  }
  IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                              std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    return wrap(target()->ReopenWritableFile(f, o, r, dbg), r);
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                             std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    return wrap(target()->ReuseWritableFile(f, old, o, r, dbg), r);
  }

 private:
  IOStatus wrap(IOStatus s, std::unique_ptr<rocksdb::FSWritableFile>* r) {
    if (s.ok()) *r = std::make_unique<FaultFile>(std::move(*r), faults_);
    return s;
  }
  std::shared_ptr<StorageFaults> faults_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> make_fault_fs(std::shared_ptr<rocksdb::FileSystem> base,
                                                   std::shared_ptr<StorageFaults> faults) {
  return std::make_shared<FaultFs>(std::move(base), std::move(faults));
}

}  // namespace teamlog
