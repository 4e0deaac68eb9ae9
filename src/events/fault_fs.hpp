// The RocksDB FileSystem wrapper behind StorageFaults (store.cpp's only, kept out of the public headers).
#pragma once

#include <memory>

#include <rocksdb/file_system.h>

#include "events/faults.hpp"

namespace teamlog {

std::shared_ptr<rocksdb::FileSystem> make_fault_fs(std::shared_ptr<rocksdb::FileSystem> base,
                                                   std::shared_ptr<StorageFaults> faults);

}  // namespace teamlog
