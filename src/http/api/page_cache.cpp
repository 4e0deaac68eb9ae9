// PageCache: the page key, and a DerivedCache attached to the store.
#include "http/api/page_cache.hpp"

#include "events/store.hpp"

namespace teamlog::http::api {
namespace {

constexpr std::size_t kMaxKeyBytes = 2048;  // longer paths and queries (rare, client-made) are not kept

}  // namespace

PageCache::PageCache(Store& store, std::size_t max_bytes) : store_(store), pages_(max_bytes) { store_.attach(&pages_); }

PageCache::~PageCache() { store_.attach(nullptr); }

std::string PageCache::key(std::string_view link_base, std::string_view path, std::string_view query) {
  if (link_base.size() + path.size() + query.size() + 2 > kMaxKeyBytes) return {};
  std::string k;
  k.reserve(link_base.size() + path.size() + query.size() + 2);
  k.append(link_base).push_back('\0');  // a Host header holds no NUL: the parts cannot run into each other
  k.append(path).push_back('?');
  k.append(query);
  return k;
}

std::shared_ptr<const std::string> PageCache::find(const std::string& key) {
  if (key.empty()) return nullptr;
  return pages_.find(key);
}

}  // namespace teamlog::http::api
