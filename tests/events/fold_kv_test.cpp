// FoldKv against MemKv, the reference: the same random puts, deletes, reads and prefix scans give the same answers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "events/codec.hpp"
#include "events/fold_kv.hpp"
#include "events/mem_kv.hpp"

using namespace teamlog;
using namespace std::string_literals;

namespace {

std::vector<std::pair<std::string, std::string>> rows_of(KvCursor& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (; c.valid(); c.next()) out.emplace_back(c.key(), c.value());
  return out;
}

}  // namespace

TEST_CASE("FoldKv answers like MemKv under random puts, deletes, counts, sequences, appends to values, gets, peeks and prefix scans",
          "[fold_kv]") {
  std::mt19937 rng(20261128);
  auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
  // Short keys over a small alphabet (with NUL and 0xff bytes), so that keys collide, share prefixes and come
  // back after deletion; some are longer than an entry holds itself (32 bytes). Values of every size, so that
  // values grow and shrink in place, and move between the entry (up to 8 bytes) and the arena.
  auto key = [&] {
    static const char alphabet[] = {'a', 'b', '/', '\0', '\xff'};
    std::string k = pick(8) == 0 ? std::string(31 + pick(3), 'k') : std::string();
    for (unsigned i = 0, n = pick(6); i < n; ++i) k.push_back(alphabet[pick(5)]);
    return k;
  };
  auto value = [&] { return std::string(pick(3) == 0 ? pick(300) : pick(12), static_cast<char>('A' + pick(26))); };

  MemKv mem;
  FoldKv fold;
  const ColumnId mem_cols[] = {mem.ensure_column("x"), mem.ensure_column("y")};
  const ColumnId fold_cols[] = {fold.ensure_column("x"), fold.ensure_column("y")};
  CHECK(fold.ensure_column("y") == fold_cols[1]);
  for (int step = 0; step < 50000; ++step) {
    const unsigned c = pick(2);
    const std::string k = key();
    switch (pick(13)) {
      case 12: {
        // Appends grow a value past its capacity, also one that a put or a delete left behind.
        const std::string v = value();
        mem.append_to_value(mem_cols[c], k, v);
        fold.append_to_value(fold_cols[c], k, v);
        break;
      }
      case 11: {
        const std::int64_t raised = static_cast<std::int64_t>(pick(6)) - 1;
        mem.raise_count(mem_cols[c], k, raised);
        fold.raise_count(fold_cols[c], k, raised);
        break;
      }
      case 10: {
        // Counts over whatever the key holds (absent, a count, or a value that is not one), up and down to and
        // below zero.
        const std::int64_t delta = static_cast<std::int64_t>(pick(5)) - 2;
        REQUIRE(fold.add_count(fold_cols[c], k, delta) == mem.add_count(mem_cols[c], k, delta));
        break;
      }
      case 0:
      case 1:
      case 2:
      case 3: {
        const std::string v = value();
        mem.put(mem_cols[c], k, v);
        fold.put(fold_cols[c], k, v);
        break;
      }
      case 4:
      case 5:
        mem.del(mem_cols[c], k);
        fold.del(fold_cols[c], k);
        break;
      case 6:
      case 7: {
        const auto expected = mem.get(mem_cols[c], k);
        REQUIRE(fold.get(fold_cols[c], k) == expected);
        std::string scratch;
        const auto peeked = fold.peek(fold_cols[c], k, scratch);
        REQUIRE(peeked.has_value() == expected.has_value());
        if (peeked) REQUIRE(*peeked == *expected);
        break;
      }
      default: {
        // Column 1 is scanned from the start (its ordered index is then kept up to date); column 0 only late.
        if (c == 0 && step < 40000) break;
        const std::string start = pick(2) ? key() : std::string();
        auto expected = mem.scan(mem_cols[c], k, start);
        auto actual = fold.scan(fold_cols[c], k, start);
        REQUIRE(rows_of(*actual) == rows_of(*expected));
      }
    }
  }
  for (int c = 0; c < 2; ++c) {
    const auto& table = mem.table(mem_cols[c]);
    const auto sorted = fold.sorted_rows(fold_cols[c]);
    REQUIRE(sorted.size() == table.size());
    REQUIRE(fold.size(fold_cols[c]) == table.size());
    auto it = table.begin();
    for (const auto& [k, v] : sorted) {
      CHECK(k == it->first);
      CHECK(v == it->second);
      ++it;
    }
  }
}

TEST_CASE("FoldKv keeps appended rows out of lookups and sorts them in with the others", "[fold_kv]") {
  FoldKv fold;
  const ColumnId c = fold.ensure_column("audit");
  // Rows that share long prefixes (ties in the first 16 bytes), appended out of order.
  const std::string p = "a/organizer-with-a-long-slug";
  fold.append(c, p + "\x02", "2");
  fold.put(c, "c/count", "n");
  fold.append(c, p + std::string(1, '\0') + "x", "0");
  fold.append(c, p + "\x01", "1");
  fold.append(c, "a/b", "");
  CHECK_FALSE(fold.get(c, p + "\x01"));
  CHECK(fold.get(c, "c/count") == "n");
  CHECK(fold.size(c) == 5);
  const auto rows = fold.sorted_rows(c);
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].first == "a/b");
  CHECK(rows[1].first == p + std::string(1, '\0') + "x");
  CHECK(rows[2].first == p + "\x01");
  CHECK(rows[3].first == p + "\x02");
  CHECK(rows[4].first == "c/count");
  CHECK(rows[4].second == "n");
}

TEST_CASE("FoldKv sorts appended runs (keys that differ in their last 8 bytes) as a full sort would", "[fold_kv]") {
  std::mt19937 rng(20261129);
  // Prefixes of different lengths, some a prefix of another, so that runs can interleave; tails mostly rising
  // (an index by position) but sometimes not, and a few rows too short to have a tail.
  const std::vector<std::string> prefixes = {"a/org\0"s, "a/org4\0"s, "a/org42\0"s, "t/org\0\0\0\0\0\0\0\0\x05"s,
                                             "t/org"s, "t/or"s, "n/"s};
  for (int round = 0; round < 40; ++round) {
    INFO("round " << round);
    FoldKv fold;
    const ColumnId c = fold.ensure_column("audit");
    std::vector<std::string> keys;
    std::uint64_t position = 0;
    const bool disorder = round % 4 == 2, short_keys = round % 8 == 4;  // among the prefix-free rounds
    for (int i = 0; i < 2000; ++i) {
      position += 1 + rng() % 3;
      if (position < 100) position += 100;
      if (disorder && rng() % 500 == 0) position -= 60;  // several runs step back
      std::string key = prefixes[rng() % (round % 2 == 0 ? 3 : prefixes.size())] + encode_be64(position);
      if (short_keys && rng() % 700 == 0) key = "s/" + std::to_string(i);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;  // append promises distinct keys
      keys.push_back(key);
      fold.append(c, key, std::to_string(i));
    }
    // Table rows between runs, and in some rounds one that falls inside a run (its key between two of the run's).
    std::vector<std::string> table = {"c/count", "a/", "b/x", "u/z"};
    if (round % 3 == 0) {
      for (const auto& k : keys) {
        if (k.size() != prefixes[0].size() + 8 || !k.starts_with(prefixes[0])) continue;
        const std::string inside = prefixes[0] + encode_be64(decode_be64(k.substr(prefixes[0].size())) + 1);
        if (std::find(keys.begin(), keys.end(), inside) != keys.end()) continue;
        table.push_back(inside);
        break;
      }
    }
    for (const auto& k : table) {
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
      fold.put(c, k, "n");
      keys.push_back(k);
    }
    std::sort(keys.begin(), keys.end());
    const auto rows = fold.sorted_rows(c);
    REQUIRE(rows.size() == keys.size());
    for (std::size_t i = 0; i < rows.size(); ++i) REQUIRE(rows[i].first == keys[i]);
  }
}

TEST_CASE("FoldKv sorts appended runs when there are thousands of them", "[fold_kv]") {
  // More runs than the run table's first size (it grows while rows arrive), interleaved as an audit index's are.
  FoldKv fold;
  const ColumnId c = fold.ensure_column("audit");
  std::vector<std::string> keys;
  std::mt19937 rng(7);
  for (std::uint64_t position = 1; position <= 30000; ++position) {
    const std::string key = "t/" + encode_be64(rng() % 5000) + encode_be64(position);
    keys.push_back(key);
    fold.append(c, key, "");
  }
  std::sort(keys.begin(), keys.end());
  const auto rows = fold.sorted_rows(c);
  REQUIRE(rows.size() == keys.size());
  for (std::size_t i = 0; i < rows.size(); ++i) REQUIRE(rows[i].first == keys[i]);
}
