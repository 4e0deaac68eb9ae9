// The hash-chain and density walk behind `teamlogctl verify`.
#include "events/chain_check.hpp"

#include <string_view>
#include <unordered_map>

#include "events/codec.hpp"

namespace teamlog {

ChainReport check_chain(const Store& store, const std::function<void(std::uint64_t)>& progress) {
  ChainReport report;
  Hash previous{};
  std::unordered_map<std::string, std::uint64_t> stream_versions;
  std::uint64_t expected_position = 1;
  auto fail = [&](std::uint64_t position, std::string problem) {
    report.intact = false;
    report.first_bad_position = position;
    report.problem = std::move(problem);
    return report;
  };
  for (auto cursor = store.read_all(1); cursor.valid(); cursor.next()) {
    const auto& event = cursor.current();
    if (!event.ok()) return fail(expected_position, event.error().message);
    if (event->position != expected_position) {
      return fail(expected_position, "position " + std::to_string(expected_position) + " is missing (next is " +
                                         std::to_string(event->position) + ")");
    }
    auto& version = stream_versions[event->stream];
    if (event->stream_version != version + 1) {
      return fail(event->position, "stream " + event->stream + " jumps from version " + std::to_string(version) +
                                       " to " + std::to_string(event->stream_version));
    }
    version = event->stream_version;
    // The stored record is the canonical bytes followed by the hash (decode_event accepted it), so the bytes are
    // hashed as stored: no re-encoding, and an altered but still decodable record fails just the same.
    const std::string_view raw = cursor.raw();
    if (chain_hash(previous, raw.substr(0, raw.size() - previous.size())) != event->hash) {
      return fail(event->position, "hash mismatch: the stored event or its predecessor was altered");
    }
    previous = event->hash;
    ++report.events;
    ++expected_position;
    if (progress && report.events % 100000 == 0) progress(report.events);
  }
  if (report.events != store.head_position()) {
    return fail(report.events + 1, "the log ends at " + std::to_string(report.events) + " but the head says " +
                                       std::to_string(store.head_position()));
  }
  if (previous != store.head_hash()) return fail(report.events, "the head hash differs from the last event's hash");
  report.streams = stream_versions.size();
  report.head_hash = previous;
  return report;
}

}  // namespace teamlog
