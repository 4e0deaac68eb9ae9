// The parts of the key-value vocabulary that every implementation shares.
#include "events/kv.hpp"

#include "events/codec.hpp"

namespace teamlog {

std::string count_bytes(std::int64_t n) { return encode_be64(static_cast<std::uint64_t>(n)); }

std::int64_t count_of(std::string_view bytes) {
  return bytes.size() == 8 ? static_cast<std::int64_t>(decode_be64(bytes)) : 0;
}

std::optional<std::string_view> KvReader::peek(ColumnId column, std::string_view key, std::string& scratch) const {
  auto value = get(column, key);
  if (!value) return std::nullopt;
  scratch = std::move(*value);
  return std::string_view(scratch);
}

std::int64_t KvWriter::add_count(ColumnId column, std::string_view key, std::int64_t delta) {
  auto stored = get(column, key);
  const std::int64_t n = (stored ? count_of(*stored) : 0) + delta;
  if (n <= 0) {
    del(column, key);
  } else {
    put(column, key, count_bytes(n));
  }
  return n;
}

void KvWriter::raise_count(ColumnId column, std::string_view key, std::int64_t value) {
  auto stored = get(column, key);
  if (value > (stored ? count_of(*stored) : 0)) put(column, key, count_bytes(value));
}

void KvWriter::append_to_value(ColumnId column, std::string_view key, std::string_view bytes) {
  std::string value = get(column, key).value_or(std::string());
  value.append(bytes);
  put(column, key, value);
}

}  // namespace teamlog
