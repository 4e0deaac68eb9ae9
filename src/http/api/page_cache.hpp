// Rendered list pages, so that a list read again before anything it shows changed is not fetched and rendered
// again.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "events/derived_cache.hpp"

namespace teamlog {
class Store;
}

namespace teamlog::http::api {

// Bodies of 200 list pages by what they are rendered from besides the store: the link base, the path and the
// query. A page is kept until a write that touches a row it read (or a row under a prefix it listed) becomes
// visible: a write to one team or organizer leaves the pages of the others cached (derived_cache.hpp). Holds up to
// about max_bytes; a full cache is emptied. Attached to the store for as long as it exists. Thread-safe.
class PageCache {
 public:
  PageCache(Store& store, std::size_t max_bytes);
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The key of a page; empty (never kept) when the path and query are too long to be worth keeping.
  static std::string key(std::string_view link_base, std::string_view path, std::string_view query);
  std::shared_ptr<const std::string> find(const std::string& key);
  // Open while a page is rendered: notes what it reads, so that `keep` can file it under those reads.
  using Rendering = DerivedCache::Recording;
  Rendering rendering() { return Rendering(pages_); }
  const DerivedCache& pages() const { return pages_; }

 private:
  Store& store_;
  DerivedCache pages_;
};

}  // namespace teamlog::http::api
