// Shared pieces of teamlogctl: options, errors, and the two ways of opening a data dir.
#include "common.hpp"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace teamlog::ctl {

std::string data_dir(const Args& args) {
  if (args.has("--data-dir")) return args.get("--data-dir");
  if (const char* env = std::getenv("TEAMLOG_DATA_DIR"); env && *env) return env;
  return "./data";
}

int fail(std::ostream& err, const std::string& message, int code) {
  err << "teamlogctl: " << message << "\n";
  return code;
}

bool check_options(const Args& args, const std::set<std::string>& allowed, std::ostream& err) {
  for (const auto& [k, v] : args.options) {
    if (k == "--data-dir" || allowed.count(k)) continue;
    err << "teamlogctl: unknown option " << k << " for " << args.command << " (see teamlogctl --help)\n";
    return false;
  }
  return true;
}

std::optional<std::uint64_t> number_option(const Args& args, const std::string& key, std::ostream& err) {
  const std::string v = args.get(key);
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) {
    err << "teamlogctl: " << key << ": expected a whole number, got \"" << v << "\"\n";
    return std::nullopt;
  }
  return std::stoull(v);
}

Result<ReadOnlyStore> ReadOnlyStore::open(const std::string& dir) {
  ReadOnlyStore r;
  std::string tmpl = (std::filesystem::temp_directory_path() / "teamlogctl-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return Error::make(ErrorCode::kUnavailable, "cannot create a temp dir");
  r.secondary_dir_ = tmpl;
  auto s = Store::open(StoreOptions{.path = dir, .mode = StoreOptions::Mode::kSecondary, .secondary_path = tmpl,
                                    .mmap_reads = true});
  if (!s.ok()) return std::move(s).error();  // the destructor removes the temp dir
  r.store_ = std::move(s).value();
  return r;
}

ReadOnlyStore::~ReadOnlyStore() {
  store_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Result<Writable> open_writable(const std::string& dir, std::ostream& err, bool create) {
  Writable w;
  // A short-lived process that reads the whole log (rebuild, import's verify): mapped table files spare a copy.
  auto store = Store::open(StoreOptions{.path = dir, .create_if_missing = create, .mmap_reads = true});
  if (!store.ok()) return std::move(store).error();
  w.store = std::move(store).value();
  auto views = projections::ViewStore::open(*w.store, [&](const std::string& m) { err << "teamlogctl: " << m << "\n"; });
  if (!views.ok()) return std::move(views).error();
  w.views = std::move(views).value();
  return w;
}

}  // namespace teamlog::ctl
