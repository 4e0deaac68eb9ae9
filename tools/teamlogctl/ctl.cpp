// teamlogctl subcommands over the store: argument parsing, opening the data dir, and each subcommand.
#include "ctl.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "commands/writer.hpp"
#include "events/chain_check.hpp"
#include "projections/view_store.hpp"
#include "events/crypto.hpp"
#include "events/store.hpp"

namespace teamlog::ctl {
namespace {

constexpr const char* kUsage = R"(usage: teamlogctl [--data-dir DIR] SUBCOMMAND [OPTIONS]

Operator tool for a teamlog data dir. Output is JSON on stdout; errors go to stderr with a non-zero exit.
--data-dir (default ./data, or $TEAMLOG_DATA_DIR) may also come after the subcommand.

subcommands:
  verify    walk the whole log: every record decodes, positions and stream versions are dense, the hash
            chain is intact. Exit 0 when intact, 1 with the first bad position otherwise. Safe while the
            server runs (reads through a RocksDB secondary instance).
  stats     events, streams, head position and hash, size on disk, each view's checkpoint and version.
  init --organizer SLUG --admin-email EMAIL [--admin-name NAME] [--organizer-name NAME] [--print-curl]
            create an organizer with a team "Administrators" (every permission, all events), the admin user
            as its member and an API token; prints the organizer, team, user and the token (shown only
            here). Works on a missing or empty dir and on an existing one; refuses (exit 2) if the organizer
            exists or a server holds the dir.
  rebuild [--projection NAME]
            rebuild one view (or all) from the log into fresh columns and switch to them when complete;
            progress on stderr; prints events, seconds and events/s. The server must be stopped.

options:
  -h, --help     this text
  --version      the teamlog version
)";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;  // "--key" -> value ("" for flags)
};

// Options that take a value; everything else starting with "--" is a flag.
const std::set<std::string> kValued = {"--data-dir", "--organizer", "--admin-email", "--admin-name", "--organizer-name",
                                       "--projection", "--listen-url"};

std::optional<Args> parse(int argc, char** argv, std::ostream& err) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.starts_with("--")) {
      std::string value;
      if (auto eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      } else if (kValued.count(a)) {
        if (i + 1 >= argc) {
          err << "teamlogctl: " << a << " needs a value\n";
          return std::nullopt;
        }
        value = argv[++i];
      }
      args.options[a] = value;
    } else if (args.command.empty()) {
      args.command = a;
    } else {
      err << "teamlogctl: unexpected argument \"" << a << "\"\n";
      return std::nullopt;
    }
  }
  return args;
}

std::string data_dir(const Args& args) {
  if (auto it = args.options.find("--data-dir"); it != args.options.end()) return it->second;
  if (const char* env = std::getenv("TEAMLOG_DATA_DIR"); env && *env) return env;
  return "./data";
}

// Opens a live or idle data dir for reading without taking its lock: a RocksDB secondary instance whose own
// files go to a temporary directory, removed on close.
class ReadOnlyStore {
 public:
  static Result<ReadOnlyStore> open(const std::string& dir) {
    ReadOnlyStore r;
    std::string tmpl = (std::filesystem::temp_directory_path() / "teamlogctl-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return Error::make(ErrorCode::kUnavailable, "cannot create a temp dir");
    r.secondary_dir_ = tmpl;
    auto s = Store::open(StoreOptions{.path = dir, .mode = StoreOptions::Mode::kSecondary, .secondary_path = tmpl});
    if (!s.ok()) {
      std::filesystem::remove_all(tmpl);
      return std::move(s).error();
    }
    r.store_ = std::move(s).value();
    return r;
  }
  ReadOnlyStore() = default;
  ReadOnlyStore(ReadOnlyStore&&) = default;
  ReadOnlyStore& operator=(ReadOnlyStore&&) = default;
  ~ReadOnlyStore() {
    store_.reset();
    if (!secondary_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(secondary_dir_, ec);
    }
  }
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  std::unique_ptr<Store> store_;
  std::string secondary_dir_;
};

int fail(std::ostream& err, const std::string& message, int code = 1) {
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

int cmd_verify(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {}, err)) return 2;
  auto store = ReadOnlyStore::open(data_dir(args));
  if (!store.ok()) return fail(err, store.error().message, 2);
  auto start = std::chrono::steady_clock::now();
  auto report = check_chain(**store, [&](std::uint64_t n) { err << "verify: " << n << " events checked\n"; });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  boost::json::object o;
  o["intact"] = report.intact;
  o["events"] = report.events;
  o["streams"] = report.streams;
  o["seconds"] = seconds;
  o["events_per_second"] = seconds > 0 ? static_cast<double>(report.events) / seconds : 0.0;
  if (report.intact) {
    o["head_hash"] = to_hex(report.head_hash);
  } else {
    o["first_bad_position"] = report.first_bad_position;
    o["problem"] = report.problem;
  }
  out << boost::json::serialize(o) << "\n";
  if (!report.intact) {
    err << "teamlogctl: verify failed at position " << report.first_bad_position << ": " << report.problem << "\n";
    return 1;
  }
  return 0;
}

int cmd_stats(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {}, err)) return 2;
  auto store = ReadOnlyStore::open(data_dir(args));
  if (!store.ok()) return fail(err, store.error().message, 2);
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir(args), ec)) {
    if (entry.is_regular_file(ec)) bytes += entry.file_size(ec);
  }
  boost::json::object o;
  o["data_dir"] = data_dir(args);
  o["events"] = (*store)->head_position();
  o["head_hash"] = to_hex((*store)->head_hash());
  o["size_on_disk_bytes"] = bytes;
  boost::json::array columns;
  for (const auto& name : (*store)->column_names()) columns.emplace_back(name);
  o["columns"] = std::move(columns);
  out << boost::json::serialize(o) << "\n";
  return 0;
}

std::string option(const Args& args, const std::string& key) {
  auto it = args.options.find(key);
  return it == args.options.end() ? std::string() : it->second;
}

// A writable store with its views; refuses a dir held by a server.
struct Writable {
  std::unique_ptr<Store> store;
  std::unique_ptr<projections::ViewStore> views;
};

Result<Writable> open_writable(const std::string& dir, std::ostream& err) {
  Writable w;
  auto store = Store::open(StoreOptions{.path = dir});
  if (!store.ok()) return std::move(store).error();
  w.store = std::move(store).value();
  auto views = projections::ViewStore::open(*w.store, [&](const std::string& m) { err << "teamlogctl: " << m << "\n"; });
  if (!views.ok()) return std::move(views).error();
  w.views = std::move(views).value();
  return w;
}

int cmd_init(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--organizer", "--admin-email", "--admin-name", "--organizer-name", "--print-curl", "--listen-url"}, err)) return 2;
  const std::string slug = option(args, "--organizer");
  const std::string email = option(args, "--admin-email");
  if (slug.empty() || email.empty()) return fail(err, "init needs --organizer SLUG and --admin-email EMAIL", 2);
  auto w = open_writable(data_dir(args), err);
  if (!w.ok()) return fail(err, w.error().message, 2);
  std::optional<std::string> admin_name;
  if (args.options.count("--admin-name")) admin_name = option(args, "--admin-name");
  commands::CommandWriter writer(*w->store, *w->views);
  auto done = writer.execute(commands::InitOrganizer{slug, option(args, "--organizer-name"), email, admin_name},
                             commands::Context{Actor{ActorType::kSystem, 0, "teamlogctl init"}, "init", {}});
  writer.stop();
  if (!done.decision.ok()) {
    const auto& e = done.decision.error();
    std::string message = e.message;
    if (!e.fields.empty()) message = e.fields.front().message;
    return fail(err, "init: " + message, 2);
  }
  out << done.decision->body << "\n";
  if (args.options.count("--print-curl")) {
    const auto& body = done.decision->body;
    const std::string token = body.substr(body.rfind("\"token\":\"") + 9, 64);
    std::string base = option(args, "--listen-url");
    if (base.empty()) base = "http://127.0.0.1:8080";
    err << "\nOrganizer \"" << slug << "\" is ready. Its admin API token (shown only now): " << token << "\n"
        << "Try:\n  curl -H 'Authorization: Token " << token << "' " << base << "/api/v1/organizers/" << slug
        << "/teams/\n\n";
  }
  return 0;
}

int cmd_rebuild(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--projection"}, err)) return 2;
  std::optional<projections::ViewId> only;
  if (args.options.count("--projection")) {
    auto* def = projections::find_definition(option(args, "--projection"));
    if (def == nullptr) {
      std::string names;
      for (const auto& d : projections::definitions()) names += (names.empty() ? "" : ", ") + std::string(d.name);
      return fail(err, "unknown projection \"" + option(args, "--projection") + "\" (one of: " + names + ")", 2);
    }
    only = def->id;
  }
  auto w = open_writable(data_dir(args), err);
  if (!w.ok()) return fail(err, w.error().message, 2);
  auto stats = w->views->rebuild(only, [&](const std::string& m) { err << "rebuild: " << m << "\n"; });
  if (!stats.ok()) return fail(err, "rebuild failed, the previous views stay in use: " + stats.error().message, 1);
  boost::json::object o;
  o["projection"] = only ? std::string(projections::definitions()[static_cast<std::size_t>(*only)].name) : "all";
  o["events"] = stats->events;
  o["seconds"] = stats->seconds;
  o["events_per_second"] = stats->seconds > 0 ? static_cast<double>(stats->events) / stats->seconds : 0.0;
  out << boost::json::serialize(o) << "\n";
  return 0;
}

}  // namespace

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  auto args = parse(argc, argv, err);
  if (!args) return 2;
  if (args->options.count("--help") || args->command == "help") {
    out << kUsage;
    return 0;
  }
  if (args->options.count("--version")) {
    out << "teamlogctl " << TEAMLOG_VERSION << "\n";
    return 0;
  }
  if (args->command.empty()) {
    err << kUsage;
    return 2;
  }
  if (args->command == "verify") return cmd_verify(*args, out, err);
  if (args->command == "stats") return cmd_stats(*args, out, err);
  if (args->command == "init") return cmd_init(*args, out, err);
  if (args->command == "rebuild") return cmd_rebuild(*args, out, err);
  return fail(err, "unknown subcommand \"" + args->command + "\" (see teamlogctl --help)", 2);
}

}  // namespace teamlog::ctl
