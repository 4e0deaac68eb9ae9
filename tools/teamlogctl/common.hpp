// What teamlogctl's subcommands share: parsed arguments, opening a data dir (live-safe or writable), errors.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>

#include "events/store.hpp"
#include "projections/view_store.hpp"

namespace teamlog::ctl {

struct Args {
  std::string command;
  std::map<std::string, std::string> options;  // "--key" -> value ("" for flags)

  bool has(const std::string& key) const { return options.count(key) != 0; }
  std::string get(const std::string& key) const {
    auto it = options.find(key);
    return it == options.end() ? std::string() : it->second;
  }
};

std::string data_dir(const Args& args);
// One line "teamlogctl: message" on err; returns `code`.
int fail(std::ostream& err, const std::string& message, int code = 1);
// Unknown options are an error naming the option and the subcommand.
bool check_options(const Args& args, const std::set<std::string>& allowed, std::ostream& err);
// A whole number option; nullopt (after an error line) when malformed.
std::optional<std::uint64_t> number_option(const Args& args, const std::string& key, std::ostream& err);

// Opens a live or idle data dir for reading without taking its lock: a RocksDB secondary instance whose own files
// go to a temporary directory, removed on close. Never writes to the data dir.
class ReadOnlyStore {
 public:
  static Result<ReadOnlyStore> open(const std::string& dir);
  ReadOnlyStore() = default;
  ReadOnlyStore(ReadOnlyStore&&) = default;
  ReadOnlyStore& operator=(ReadOnlyStore&&) = default;
  ~ReadOnlyStore();
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  std::unique_ptr<Store> store_;
  std::string secondary_dir_;
};

// A writable store with its views (caught up); refuses a dir held by a server.
struct Writable {
  std::unique_ptr<Store> store;
  std::unique_ptr<projections::ViewStore> views;
};
Result<Writable> open_writable(const std::string& dir, std::ostream& err, bool create = true);

int cmd_verify(const Args& args, std::ostream& out, std::ostream& err);
int cmd_stats(const Args& args, std::ostream& out, std::ostream& err);
int cmd_init(const Args& args, std::ostream& out, std::ostream& err);
int cmd_rebuild(const Args& args, std::ostream& out, std::ostream& err);
int cmd_audit(const Args& args, std::ostream& out, std::ostream& err);
int cmd_replay(const Args& args, std::ostream& out, std::ostream& err);
int cmd_export(const Args& args, std::ostream& out, std::ostream& err);
int cmd_import(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace teamlog::ctl
