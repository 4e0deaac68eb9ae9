// Walks the whole log and checks what makes it trustworthy: every record decodes, positions are dense from 1,
// every stream's versions are dense from 1, and each hash chains to its predecessor.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "events/store.hpp"

namespace teamlog {

struct ChainReport {
  std::uint64_t events = 0;
  std::uint64_t streams = 0;
  Hash head_hash{};
  bool intact = true;
  std::uint64_t first_bad_position = 0;  // when !intact
  std::string problem;                   // when !intact: what is wrong there
};

// `progress` (optional) is called every 100,000 events with the count so far.
ChainReport check_chain(const Store& store, const std::function<void(std::uint64_t)>& progress = {});

}  // namespace teamlog
