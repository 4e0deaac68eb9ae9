// Disk faults on demand, for tests: a switch that the store's RocksDB file system wrapper reads before every write
// and fsync of any file it writes (WAL, SST, MANIFEST). Production stores have none.
#pragma once

#include <atomic>
#include <cstdint>

namespace teamlog {

struct StorageFaults {
  enum class Kind : int {
    kNone,
    kWriteError,  // every write fails with an I/O error (a failing disk)
    kSyncError,   // writes succeed, every fsync fails (the kernel lost the pages: "fsyncgate")
    kNoSpace,     // every write fails with ENOSPC (a full disk)
  };
  std::atomic<Kind> kind{Kind::kNone};
  std::atomic<std::uint64_t> injected{0};  // operations failed so far
  // A slow disk: every fsync (not range sync) of a file waits this long before it starts, whatever `kind` is.
  std::atomic<std::uint32_t> sync_delay_us{0};

  void set(Kind k) { kind.store(k); }
};

}  // namespace teamlog
