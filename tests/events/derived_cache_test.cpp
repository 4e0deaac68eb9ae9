// DerivedCache: values kept by what they read, dropped by writes to exactly that.
#include <catch2/catch.hpp>

#include "events/derived_cache.hpp"
#include "events/key_filter.hpp"

using teamlog::DerivedCache;

namespace {

std::shared_ptr<const std::string> text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// Keeps `value` under `key` as computed from `keys` (point reads) and `prefixes` (scans) of column 1.
void derive(DerivedCache& cache, const std::string& key, std::initializer_list<const char*> keys,
            std::initializer_list<const char*> prefixes = {}) {
  DerivedCache::Recording r(cache);
  for (const char* k : keys) DerivedCache::note_get(1, k);
  for (const char* p : prefixes) DerivedCache::note_scan(1, p);
  r.keep(key, text(key));
}

}  // namespace

TEST_CASE("a derived value goes when a key it read or a key under a prefix it scanned is written", "[derived]") {
  DerivedCache cache(1u << 20);
  derive(cache, "team 7", {"t/7"});
  derive(cache, "org a teams", {"c/a"}, {"t/a\0"});
  derive(cache, "org b teams", {"c/b"}, {"t/b\0"});
  derive(cache, "both", {}, {"t/a", "t/b"});
  REQUIRE(cache.size() == 4);
  REQUIRE(cache.find("team 7"));
  CHECK(*cache.find("team 7") == "team 7");

  // A key of another column; keys that were neither read nor lie under a scanned prefix.
  cache.invalidate({{2, "t/7", std::nullopt}, {1, "t/7x", std::nullopt}, {1, "c/", std::nullopt}});
  CHECK(cache.size() == 4);

  cache.invalidate({{1, std::string("t/a\0" "5", 5), std::nullopt}});  // a row of org a's list
  CHECK_FALSE(cache.find("org a teams"));
  CHECK_FALSE(cache.find("both"));
  CHECK(cache.find("org b teams"));
  CHECK(cache.find("team 7"));

  cache.invalidate({{1, "c/b", std::nullopt}});  // org b's count
  CHECK_FALSE(cache.find("org b teams"));
  cache.invalidate({{1, "t/7", std::nullopt}});
  CHECK_FALSE(cache.find("team 7"));
  CHECK(cache.size() == 0);

  // The indexes let go of erased entries: the same keys kept again are found and dropped again.
  derive(cache, "org a teams", {"c/a"}, {"t/a"});
  CHECK(cache.find("org a teams"));
  cache.invalidate({{1, "t/a1", std::nullopt}});
  CHECK_FALSE(cache.find("org a teams"));
  CHECK(cache.hits() >= 3);
  CHECK(cache.misses() >= 5);
}

TEST_CASE("a derived value is not kept when a write became visible while it was computed", "[derived]") {
  DerivedCache cache(1u << 20);
  {
    DerivedCache::Recording r(cache);
    DerivedCache::note_get(1, "k");
    cache.invalidate({{1, "unrelated", std::nullopt}});  // any invalidation: the reads may predate it
    r.keep("v", text("v"));
  }
  CHECK_FALSE(cache.find("v"));
  {
    DerivedCache::Recording r(cache);
    DerivedCache::note_get(1, "k");
    cache.clear();
    r.keep("v", text("v"));
  }
  CHECK_FALSE(cache.find("v"));
  derive(cache, "v", {"k"});
  CHECK(cache.find("v"));
}

TEST_CASE("a derived value is not kept when what it read cannot be tracked, or nothing was read", "[derived]") {
  DerivedCache cache(1u << 20);
  {
    DerivedCache::Recording r(cache);
    DerivedCache::note_get(1, "k");
    DerivedCache::note_untracked();  // the log, say: it grows without invalidations
    r.keep("untracked", text("x"));
  }
  {
    DerivedCache::Recording r(cache);  // read from something that is not a Store
    r.keep("nothing read", text("x"));
  }
  CHECK(cache.size() == 0);
  // Outside a Recording the notes go nowhere.
  DerivedCache::note_get(1, "k");
  DerivedCache::note_untracked();
  derive(cache, "fine", {"k"});
  CHECK(cache.find("fine"));
}

TEST_CASE("a nested recording passes what it read on to the one around it", "[derived]") {
  DerivedCache cache(1u << 20);
  {
    DerivedCache::Recording outer(cache);
    DerivedCache::note_get(1, "outer");
    {
      DerivedCache::Recording inner(cache);
      DerivedCache::note_get(1, "inner");
      inner.keep("inner", text("i"));
    }
    outer.keep("outer", text("o"));
  }
  cache.invalidate({{1, "inner", std::nullopt}});
  CHECK_FALSE(cache.find("inner"));
  CHECK_FALSE(cache.find("outer"));  // it read "inner" through the nested recording
  {
    DerivedCache::Recording outer(cache);
    DerivedCache::note_get(1, "k");
    {
      DerivedCache::Recording inner(cache);
      DerivedCache::note_untracked();
    }
    outer.keep("outer", text("o"));
  }
  CHECK_FALSE(cache.find("outer"));
}

TEST_CASE("the derived cache holds about its budget: a full cache is emptied, a value larger than it never kept",
          "[derived]") {
  DerivedCache cache(4096);
  {
    DerivedCache::Recording r(cache);
    DerivedCache::note_get(1, "k");
    r.keep("huge", text(std::string(5000, 'x')));
  }
  CHECK(cache.size() == 0);
  for (int i = 0; i < 40; ++i) {
    DerivedCache::Recording r(cache);
    DerivedCache::note_get(1, "k" + std::to_string(i));
    r.keep("v" + std::to_string(i), text(std::string(200, 'x')));
  }
  CHECK(cache.size() > 0);
  CHECK(cache.size() < 40);
  CHECK(cache.find("v39"));  // the last one kept is there
  cache.invalidate({{1, "k39", std::nullopt}});
  CHECK_FALSE(cache.find("v39"));
}

TEST_CASE("a key filter finds every key added since its last clear and few that were not", "[derived][filter]") {
  teamlog::KeyFilter<1u << 16> filter;
  for (int i = 0; i < 4000; ++i) filter.add("t/org" + std::to_string(i % 100) + '\0' + std::to_string(i));
  for (int i = 0; i < 4000; ++i) {
    REQUIRE(filter.may_contain("t/org" + std::to_string(i % 100) + '\0' + std::to_string(i)));
  }
  int false_positives = 0;
  for (int i = 4000; i < 14000; ++i) {
    if (filter.may_contain("t/org" + std::to_string(i % 100) + '\0' + std::to_string(i))) ++false_positives;
  }
  CHECK(false_positives < 1000);  // 4,000 keys in 65,536 bits: ~6% expected
  filter.clear();
  CHECK_FALSE(filter.may_contain("t/org1" + std::string(1, '\0') + "1"));
}
