// Reading one event of the log by its position: what the audit view needs to render its entries.
#pragma once

#include <cstdint>

#include "events/event.hpp"
#include "events/result.hpp"

namespace teamlog {

class EventReader {
 public:
  virtual ~EventReader() = default;
  // kNotFound past the head; kCorruption when the stored record does not decode.
  virtual Result<Event> read_event(std::uint64_t position) const = 0;
};

}  // namespace teamlog
