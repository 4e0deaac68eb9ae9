// export and import: the log as JSON lines, a backup and migration format that later versions read back.
//
// Line 1: {"teamlog_export":1,"events":N,"head_hash":"..."}; then one event per line:
// {"position","stream","stream_version","type","schema_version","recorded_at_us","actor":{"type","id","name"},
//  "request_id","data" (the payload text, byte for byte),"hash"}.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>

#include "common.hpp"
#include "events/crypto.hpp"

namespace teamlog::ctl {
namespace {

constexpr std::int64_t kExportFormat = 1;
constexpr std::uint64_t kEventsPerBatch = 10000;

std::optional<ActorType> actor_type_from(std::string_view name) {
  for (auto t : {ActorType::kSystem, ActorType::kToken, ActorType::kUser}) {
    if (name == actor_type_name(t)) return t;
  }
  return std::nullopt;
}

}  // namespace

int cmd_export(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--file"}, err)) return 2;
  auto store = ReadOnlyStore::open(data_dir(args));
  if (!store.ok()) return fail(err, store.error().message, 2);
  std::ofstream file;
  std::ostream* sink = &out;
  if (args.has("--file") && args.get("--file") != "-") {
    file.open(args.get("--file"), std::ios::binary | std::ios::trunc);
    if (!file) return fail(err, "cannot write " + args.get("--file"), 2);
    sink = &file;
  }
  const std::uint64_t head = (*store)->head_position();
  *sink << boost::json::serialize(boost::json::object{
               {"teamlog_export", kExportFormat}, {"events", head}, {"head_hash", to_hex((*store)->head_hash())}})
        << "\n";
  std::uint64_t n = 0;
  for (auto c = (*store)->read_all(1); c.valid(); c.next()) {
    if (!c.current().ok()) return fail(err, c.current().error().message);
    const Event& e = *c.current();
    if (e.position > head) break;
    boost::json::object o{{"position", e.position},
                          {"stream", e.stream},
                          {"stream_version", e.stream_version},
                          {"type", e.type},
                          {"schema_version", e.schema_version},
                          {"recorded_at_us", e.recorded_at_us},
                          {"actor", boost::json::object{{"type", actor_type_name(e.actor.type)},
                                                        {"id", e.actor.id},
                                                        {"name", e.actor.name}}},
                          {"request_id", e.request_id},
                          {"data", e.data},
                          {"hash", to_hex(e.hash)}};
    *sink << boost::json::serialize(o) << "\n";
    if (++n % 200000 == 0) err << "export: " << n << " of " << head << " events\n";
  }
  sink->flush();
  if (!*sink) return fail(err, "writing the export failed");
  if (sink != &out) out << boost::json::serialize(boost::json::object{{"events", n}, {"file", args.get("--file")}}) << "\n";
  return 0;
}

int cmd_import(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--file"}, err)) return 2;
  if (!args.has("--file")) return fail(err, "import needs --file F (or --file - for stdin)", 2);
  std::ifstream file;
  std::istream* source = &std::cin;
  if (args.get("--file") != "-") {
    file.open(args.get("--file"), std::ios::binary);
    if (!file) return fail(err, "cannot read " + args.get("--file"), 2);
    source = &file;
  }
  auto opened = Store::open(StoreOptions{.path = data_dir(args)});
  if (!opened.ok()) return fail(err, opened.error().message, 2);
  auto store = std::move(opened).value();
  if (store->head_position() != 0) return fail(err, "import needs an empty data dir; " + data_dir(args) + " holds events", 2);

  std::string line;
  if (!std::getline(*source, line)) return fail(err, "the export is empty", 2);
  boost::system::error_code ec;
  auto header = boost::json::parse(line, ec);
  if (ec || !header.is_object() || !header.as_object().contains("teamlog_export")) {
    return fail(err, "line 1 is not a teamlog export header", 2);
  }
  if (header.as_object()["teamlog_export"].to_number<std::int64_t>() > kExportFormat) {
    return fail(err, "the export was written by a newer teamlog (format " +
                         boost::json::serialize(header.as_object()["teamlog_export"]) + ")", 2);
  }
  std::uint64_t line_no = 1, n = 0;
  auto tx = store->begin();
  auto bad = [&](const std::string& what) { return fail(err, "line " + std::to_string(line_no) + ": " + what, 1); };
  while (std::getline(*source, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) return bad("not a JSON object");
    try {
      const auto& o = v.as_object();
      const auto& actor = o.at("actor").as_object();
      auto type = actor_type_from(actor.at("type").as_string());
      if (!type) return bad("unknown actor type");
      AppendRequest req;
      req.actor = Actor{*type, actor.at("id").to_number<std::int64_t>(), std::string(actor.at("name").as_string())};
      req.request_id = std::string(o.at("request_id").as_string());
      req.recorded_at_us = o.at("recorded_at_us").to_number<std::int64_t>();
      req.events.push_back(ProposedEvent{std::string(o.at("stream").as_string()),
                                         ExpectedVersion::exact(o.at("stream_version").to_number<std::uint64_t>() - 1),
                                         std::string(o.at("type").as_string()),
                                         o.at("schema_version").to_number<std::uint32_t>(),
                                         std::string(o.at("data").as_string())});
      auto r = tx->append(req);
      if (!r.ok()) return bad(r.error().message);
      if (r->first_position != o.at("position").to_number<std::uint64_t>()) return bad("position out of sequence");
      if (to_hex(tx->events().back().hash) != o.at("hash").as_string()) {
        return bad("hash mismatch at position " + std::to_string(r->first_position) + ": the export was altered");
      }
    } catch (const std::exception& e) {
      return bad(std::string("missing or malformed field (") + e.what() + ")");
    }
    if (++n % kEventsPerBatch == 0) {
      auto s = store->commit(*tx);
      if (!s.ok()) return fail(err, s.error().message);
      tx.reset();
      tx = store->begin();
      err << "import: " << n << " events\n";
    }
  }
  auto s = store->commit(*tx);
  if (!s.ok()) return fail(err, s.error().message);
  tx.reset();
  const std::string expected_head(header.as_object()["head_hash"].as_string());
  if (to_hex(store->head_hash()) != expected_head) {
    return fail(err, "the imported log ends with another hash than the export's header (" + expected_head + ")");
  }
  // The views catch up from the imported log.
  auto views = projections::ViewStore::open(*store, [&](const std::string& m) { err << "import: " << m << "\n"; });
  if (!views.ok()) return fail(err, views.error().message);
  out << boost::json::serialize(boost::json::object{{"events", n}, {"head_hash", to_hex(store->head_hash())}}) << "\n";
  return 0;
}

}  // namespace teamlog::ctl
