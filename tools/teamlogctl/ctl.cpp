// teamlogctl: argument parsing and dispatch to the subcommands.
#include "ctl.hpp"

#include <optional>
#include <set>
#include <string>

#include "common.hpp"

namespace teamlog::ctl {
namespace {

constexpr const char* kUsage = R"(usage: teamlogctl [--data-dir DIR] SUBCOMMAND [OPTIONS]

Operator tool for a teamlog data dir. Output is JSON on stdout (one object, or one per line); errors go to
stderr as one line with a non-zero exit. --data-dir (default ./data, or $TEAMLOG_DATA_DIR) may also come after
the subcommand. Read-only subcommands are safe while the server runs (they read through a RocksDB secondary
instance) and never write to the data dir.

subcommands:
  init --organizer SLUG --admin-email EMAIL [--admin-name NAME] [--organizer-name NAME] [--print-curl]
            create an organizer with a team "Administrators" (every permission, all events), the admin user
            as its member and an API token; prints {"organizer","team","user","token"} (the token is shown
            only here). Works on a missing or empty dir and on an existing one; refuses (exit 2) if the
            organizer exists or a server holds the dir.
  audit [--organizer O] [--team ID] [--after POSITION] [--since RFC3339] [--limit N] [--format json|text]
            the audit trail, oldest first, one entry per line: position, datetime, action_type, team,
            actor (token, user or system), data. --after P: positions greater than P.
  replay --at POSITION|RFC3339 [--organizer O]
            the state of the views as of that point: organizers with their events and teams, each team
            with its members, invites and tokens (active or not).
  rebuild [--projection NAME]
            rebuild one view (or all) from the log into fresh columns and switch to them when complete (a
            crash in the middle leaves the old views in use); progress on stderr; prints events, seconds
            and events/s. The server must be stopped.
  verify    walk the whole log (records decode, positions and stream versions dense, hash chain intact)
            and compare every stored view with a fresh replay. Exit 0 when intact, 1 with the first bad
            position (or view) and what is wrong.
  export [--file F]
            the log as JSON lines (a header line, then one event per line), to F or stdout.
  import --file F
            read an export into an empty data dir, checking every hash; the views are built after.
  stats     events, streams, head position and hash, size on disk, each view's checkpoint and version.

options:
  -h, --help     this text
  --version      the teamlog version
)";

// Options that take a value; everything else starting with "--" is a flag.
const std::set<std::string> kValued = {"--data-dir", "--organizer", "--admin-email", "--admin-name",
                                       "--organizer-name", "--projection", "--listen-url", "--team",
                                       "--after", "--since", "--limit", "--format", "--at", "--file"};

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

}  // namespace

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  auto args = parse(argc, argv, err);
  if (!args) return 2;
  if (args->has("--help") || args->command == "help") {
    out << kUsage;
    return 0;
  }
  if (args->has("--version")) {
    out << "teamlogctl " << TEAMLOG_VERSION << "\n";
    return 0;
  }
  if (args->command.empty()) {
    err << kUsage;
    return 2;
  }
  using Handler = int (*)(const Args&, std::ostream&, std::ostream&);
  static const std::pair<const char*, Handler> kCommands[] = {
      {"init", cmd_init},     {"audit", cmd_audit},   {"replay", cmd_replay}, {"rebuild", cmd_rebuild},
      {"verify", cmd_verify}, {"export", cmd_export}, {"import", cmd_import}, {"stats", cmd_stats},
  };
  for (const auto& [name, handler] : kCommands) {
    if (args->command == name) return handler(*args, out, err);
  }
  return fail(err, "unknown subcommand \"" + args->command + "\" (see teamlogctl --help)", 2);
}

}  // namespace teamlog::ctl
