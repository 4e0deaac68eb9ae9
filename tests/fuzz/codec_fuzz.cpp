// Fuzz target: the event codec reading stored bytes. Whatever the bytes, decode_event returns an event or an error
// (never crashes, never reads out of bounds); an event it accepts encodes back to exactly the same bytes, so the
// stored form has one reading.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "events/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto event = teamlog::decode_event(bytes);
  if (event.ok() && teamlog::encode_event(*event) != bytes) std::abort();
  return 0;
}
