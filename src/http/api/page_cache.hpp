// Rendered list pages, so that a list read again before anything changed is not fetched and rendered again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace teamlog {
class Store;
}

namespace teamlog::http::api {

// Bodies of 200 list pages by what they are rendered from besides the store: the link base, the path and the
// query. Every entry belongs to one Store::read_version; a later version empties the cache (any write, to any
// organizer: simple, and a page is cheap to render once more). Holds up to about max_bytes; a full cache is emptied.
// Thread-safe.
class PageCache {
 public:
  PageCache(const Store& store, std::size_t max_bytes) : store_(store), max_bytes_(max_bytes) {}
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The key of a page; empty (never kept) when the path and query are too long to be worth keeping.
  static std::string key(std::string_view link_base, std::string_view path, std::string_view query);
  // Read before fetching the rows of a page; insert the rendered page under it.
  std::uint64_t version() const;
  std::shared_ptr<const std::string> find(const std::string& key, std::uint64_t version);
  void insert(std::string key, std::uint64_t version, std::shared_ptr<const std::string> body);

 private:
  const Store& store_;
  const std::size_t max_bytes_;
  std::mutex mu_;
  std::uint64_t version_ = 0;  // of every entry in pages_
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> pages_;
};

}  // namespace teamlog::http::api
