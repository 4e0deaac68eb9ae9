// PageCache: one map, one version, emptied when the store's read version moves on.
#include "http/api/page_cache.hpp"

#include "events/store.hpp"

namespace teamlog::http::api {
namespace {

constexpr std::size_t kMaxKeyBytes = 2048;  // longer paths and queries (rare, client-made) are not kept
constexpr std::size_t kEntryOverhead = 96;  // node, hash, strings and the shared body's control block, roughly

}  // namespace

std::string PageCache::key(std::string_view link_base, std::string_view path, std::string_view query) {
  if (link_base.size() + path.size() + query.size() + 2 > kMaxKeyBytes) return {};
  std::string k;
  k.reserve(link_base.size() + path.size() + query.size() + 2);
  k.append(link_base).push_back('\0');  // a Host header holds no NUL: the parts cannot run into each other
  k.append(path).push_back('?');
  k.append(query);
  return k;
}

std::uint64_t PageCache::version() const { return store_.read_version(); }

std::shared_ptr<const std::string> PageCache::find(const std::string& key, std::uint64_t version) {
  if (key.empty()) return nullptr;
  std::lock_guard lock(mu_);
  if (version != version_) return nullptr;
  auto it = pages_.find(key);
  return it == pages_.end() ? nullptr : it->second;
}

void PageCache::insert(std::string key, std::uint64_t version, std::shared_ptr<const std::string> body) {
  if (key.empty()) return;
  const std::size_t size = key.size() + body->size() + kEntryOverhead;
  if (size > max_bytes_) return;
  std::lock_guard lock(mu_);
  if (version < version_) return;  // rendered from reads older than the pages kept now
  if (version > version_ || bytes_ + size > max_bytes_) {
    pages_.clear();
    bytes_ = 0;
    version_ = version;
  }
  if (pages_.try_emplace(std::move(key), std::move(body)).second) bytes_ += size;
}

}  // namespace teamlog::http::api
