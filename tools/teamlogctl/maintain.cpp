// init, rebuild, verify and stats: creating, regenerating and checking a data dir.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "commands/writer.hpp"
#include "common.hpp"
#include "events/chain_check.hpp"
#include "events/codec.hpp"
#include "events/crypto.hpp"
#include "projections/fold.hpp"

namespace teamlog::ctl {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The first difference between a stored view column and the same view freshly folded; "" when equal.
std::string compare_view(Store& store, ColumnId stored, const projections::FoldedViews& fresh,
                         const projections::ProjectionDef& def) {
  const auto expected = fresh.kv.sorted_rows(fresh.columns[def.id]);
  auto it = expected.begin();
  for (auto c = store.scan(stored, ""); c->valid(); c->next(), ++it) {
    // The fresh rows point all over memory: fetching a few ahead hides most of the cache misses.
    if (expected.end() - it > 8) {
      __builtin_prefetch(it[8].first.data());
      __builtin_prefetch(it[8].second.data());
    }
    if (it == expected.end() || it->first != c->key()) {
      if (it != expected.end() && it->first < c->key()) {
        return "view " + std::string(def.name) + " lacks a row a fresh replay has (key " + to_hex(it->first) + ")";
      }
      return "view " + std::string(def.name) + " has a row a fresh replay does not (key " + to_hex(c->key()) + ")";
    }
    if (it->second != c->value()) {
      return "view " + std::string(def.name) + " differs from a fresh replay at key " + to_hex(c->key());
    }
  }
  if (it != expected.end()) {
    return "view " + std::string(def.name) + " lacks a row a fresh replay has (key " + to_hex(it->first) + ")";
  }
  return "";
}

// Folds the whole log into memory and compares every stored view with it in key order; "" when all are equal,
// else the first difference (in view order).
std::string compare_views(Store& store, const std::function<void(const std::string&)>& say) {
  auto views = projections::ViewStore::open(store);
  if (!views.ok()) return views.error().message;
  for (const auto& info : (*views)->info()) {
    if (info.checkpoint != store.head_position()) {
      return "view " + info.name + " is checkpointed at " + std::to_string(info.checkpoint) + ", the log ends at " +
             std::to_string(store.head_position());
    }
  }
  std::vector<projections::ViewId> all;
  for (const auto& def : projections::definitions()) all.push_back(def.id);
  projections::FoldedViews fresh(all);
  std::array<std::string, projections::kViewCount> problems;
  // Each of two threads folds its share of the views and compares them: one group's comparison overlaps the
  // other's fold.
  auto compare_group = [&](projections::ViewMask group) -> Status {
    for (auto id : projections::views_of(group)) {
      const auto& def = projections::definitions()[static_cast<std::size_t>(id)];
      problems[static_cast<std::size_t>(id)] = compare_view(store, (*views)->columns()[id], fresh, def);
    }
    return {};
  };
  auto folded = projections::fold_log(store, fresh, store.head_position(), compare_group, [&](std::uint64_t n) {
    say("verify: " + std::to_string(n) + " events replayed into fresh views\n");
  });
  if (!folded.ok()) return folded.error().message;
  for (const auto& p : problems) {
    if (!p.empty()) return p;
  }
  return "";
}

}  // namespace

int cmd_init(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--organizer", "--admin-email", "--admin-name", "--organizer-name", "--print-curl",
                            "--listen-url"},
                     err)) {
    return 2;
  }
  const std::string slug = args.get("--organizer");
  const std::string email = args.get("--admin-email");
  if (slug.empty() || email.empty()) return fail(err, "init needs --organizer SLUG and --admin-email EMAIL", 2);
  auto w = open_writable(data_dir(args), err);
  if (!w.ok()) return fail(err, w.error().message, 2);
  std::optional<std::string> admin_name;
  if (args.has("--admin-name")) admin_name = args.get("--admin-name");
  commands::CommandWriter writer(*w->store, *w->views);
  auto done = writer.execute(commands::InitOrganizer{slug, args.get("--organizer-name"), email, admin_name},
                             commands::Context{Actor{ActorType::kSystem, 0, "teamlogctl init"}, "init", {}});
  writer.stop();
  if (!done.decision.ok()) {
    const auto& e = done.decision.error();
    return fail(err, "init: " + (e.fields.empty() ? e.message : e.fields.front().message), 2);
  }
  const auto& body = done.decision->body;
  out << body << "\n";
  if (args.has("--print-curl")) {
    const std::string token = body.substr(body.rfind("\"token\":\"") + 9, 64);
    std::string base = args.has("--listen-url") ? args.get("--listen-url") : "http://127.0.0.1:8080";
    err << "\nOrganizer \"" << slug << "\" is ready. Its admin API token (shown only now): " << token << "\n"
        << "Try:\n  curl -H 'Authorization: Token " << token << "' " << base << "/api/v1/organizers/" << slug
        << "/teams/\n\n";
  }
  return 0;
}

int cmd_rebuild(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--projection"}, err)) return 2;
  std::optional<projections::ViewId> only;
  if (args.has("--projection")) {
    auto* def = projections::find_definition(args.get("--projection"));
    if (def == nullptr) {
      std::string names;
      for (const auto& d : projections::definitions()) names += (names.empty() ? "" : ", ") + std::string(d.name);
      return fail(err, "unknown projection \"" + args.get("--projection") + "\" (one of: " + names + ")", 2);
    }
    only = def->id;
  }
  auto w = open_writable(data_dir(args), err, false);
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

int cmd_verify(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {}, err)) return 2;
  auto store = ReadOnlyStore::open(data_dir(args));
  if (!store.ok()) return fail(err, store.error().message, 2);
  const auto start = std::chrono::steady_clock::now();
  // The chain walk and the fresh fold of the views are independent reads of the same snapshot: they run side by
  // side. A broken chain is reported first, whatever the views say.
  std::mutex err_mu;
  auto say = [&](const std::string& line) {
    std::lock_guard lock(err_mu);
    err << line;
  };
  ChainReport report;
  double chain_seconds = 0;
  std::thread chain([&] {
    report = check_chain(**store, [&](std::uint64_t n) {
      if (n % 500000 == 0) say("verify: " + std::to_string(n) + " events checked\n");
    });
    chain_seconds = seconds_since(start);
  });
  std::string views_problem = compare_views(**store, say);
  chain.join();
  if (!report.intact) views_problem.clear();
  const double seconds = seconds_since(start);
  boost::json::object o;
  o["intact"] = report.intact && views_problem.empty();
  o["events"] = report.events;
  o["streams"] = report.streams;
  o["seconds"] = seconds;
  o["chain_seconds"] = chain_seconds;
  o["events_per_second"] = seconds > 0 ? static_cast<double>(report.events) / seconds : 0.0;
  if (!report.intact) {
    o["first_bad_position"] = report.first_bad_position;
    o["problem"] = report.problem;
  } else if (!views_problem.empty()) {
    o["problem"] = views_problem;
  } else {
    o["head_hash"] = to_hex(report.head_hash);
  }
  out << boost::json::serialize(o) << "\n";
  if (!report.intact) {
    return fail(err, "verify failed at position " + std::to_string(report.first_bad_position) + ": " + report.problem);
  }
  if (!views_problem.empty()) return fail(err, "verify failed: " + views_problem);
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
  std::uint64_t streams = 0;
  if (auto col = (*store)->find_column("streams")) {
    // Stream index keys end in '\0' + 8 bytes; version 1 of each stream marks one stream.
    const std::string first = std::string(1, '\0') + encode_be64(1);
    for (auto c = (*store)->scan(*col, ""); c->valid(); c->next()) {
      if (c->key().ends_with(first)) ++streams;
    }
  }
  boost::json::object o;
  o["data_dir"] = data_dir(args);
  o["events"] = (*store)->head_position();
  o["streams"] = streams;
  o["head_hash"] = to_hex((*store)->head_hash());
  o["size_on_disk_bytes"] = bytes;
  boost::json::array views;
  if (auto vs = projections::ViewStore::open(**store); vs.ok()) {
    for (const auto& info : (*vs)->info()) {
      views.push_back(boost::json::object{{"name", info.name},
                                          {"version", info.version},
                                          {"code_version", info.code_version},
                                          {"checkpoint", info.checkpoint},
                                          {"column", info.column}});
    }
  }
  o["views"] = std::move(views);
  out << boost::json::serialize(o) << "\n";
  return 0;
}

}  // namespace teamlog::ctl
