// audit and replay: who changed what and when, and the state of the views as of any point.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <cstring>

#include "commands/validation.hpp"
#include "common.hpp"
#include "events/fold_kv.hpp"
#include "events/types.hpp"
#include "projections/audit_entry.hpp"
#include "projections/json_text.hpp"
#include "projections/keys.hpp"
#include "projections/queries.hpp"

namespace teamlog::ctl {
namespace {

namespace types = event_types;

// pretix's log display texts (control/logdisplay.py); others show their action type.
std::string display_text(const Event& e, const boost::json::object& data) {
  const boost::json::object* log = nullptr;
  if (auto* l = data.if_contains("log"); l && l->is_object()) log = &l->get_object();
  auto field = [&](const char* key) -> std::string {
    if (log == nullptr) return "";
    auto* v = log->if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : "";
  };
  if (e.type == types::kTeamCreated) return "The team has been created.";
  if (e.type == types::kTeamChanged) return "The team settings have been changed.";
  if (e.type == types::kTeamDeleted) return "The team has been deleted.";
  if (e.type == types::kMemberAdded) return field("email") + " has been added to the team.";
  if (e.type == types::kMemberRemoved) return field("email") + " has been removed from the team.";
  if (e.type == types::kInviteCreated) return field("email") + " has been invited to the team.";
  if (e.type == types::kInviteResent) return "Invite for " + field("email") + " has been resent.";
  if (e.type == types::kMemberJoined) {
    return field("email") + " has joined the team using the invite sent to " + field("invite_email") + ".";
  }
  if (e.type == types::kInviteDelivered) {
    return "The invitation email to " + field("email") + " has been delivered (" + field("via") + ").";
  }
  if (e.type == types::kInviteDeliveryFailed) {
    return "The invitation email to " + field("email") + " could not be delivered: " + field("error");
  }
  if (e.type == types::kTokenCreated) return "The token \"" + field("name") + "\" has been created.";
  if (e.type == types::kTokenDeleted) return "The token \"" + field("name") + "\" has been revoked.";
  return e.type;
}

std::optional<std::int64_t> time_option(const Args& args, const std::string& key, std::ostream& err) {
  auto us = commands::parse_datetime_us(args.get(key));
  if (!us) err << "teamlogctl: " << key << ": expected an RFC 3339 time such as 2026-11-03T12:00:00Z, got \""
               << args.get(key) << "\"\n";
  return us;
}

// The last position recorded at or before `us` (0 if none): times never decrease along positions.
std::uint64_t position_at(const Store& store, std::int64_t us) {
  std::uint64_t lo = 0, hi = store.head_position();
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo + 1) / 2;
    auto e = store.read_event(mid);
    if (e.ok() && e->recorded_at_us <= us) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace

int cmd_audit(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--organizer", "--team", "--after", "--since", "--limit", "--format"}, err)) return 2;
  std::optional<std::int64_t> team, since;
  std::uint64_t after = 0, limit = ~std::uint64_t{0};
  if (args.has("--team")) {
    auto t = number_option(args, "--team", err);
    if (!t) return 2;
    team = static_cast<std::int64_t>(*t);
  }
  if (args.has("--after")) {
    auto a = number_option(args, "--after", err);
    if (!a) return 2;
    after = *a;
  }
  if (args.has("--limit")) {
    auto l = number_option(args, "--limit", err);
    if (!l) return 2;
    limit = *l;
  }
  if (args.has("--since") && !(since = time_option(args, "--since", err))) return 2;
  const std::string format = args.has("--format") ? args.get("--format") : "json";
  if (format != "json" && format != "text") return fail(err, "--format: expected json or text, got \"" + format + "\"", 2);
  const std::string organizer = args.get("--organizer");

  auto store = ReadOnlyStore::open(data_dir(args));
  if (!store.ok()) return fail(err, store.error().message, 2);
  if (after > (*store)->head_position()) {
    return fail(err, "--after " + std::to_string(after) + " is past the head of the log (" +
                         std::to_string((*store)->head_position()) + ")", 2);
  }
  std::uint64_t printed = 0;
  for (auto c = (*store)->read_all(after + 1); c.valid() && printed < limit; c.next()) {
    if (!c.current().ok()) return fail(err, "position " + std::to_string(after + 1) + ": " + c.current().error().message);
    const Event& e = *c.current();
    if (since && e.recorded_at_us < *since) continue;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(e.data, ec);
    if (ec || !parsed.is_object()) return fail(err, "event " + std::to_string(e.position) + " has a malformed payload");
    const auto& data = parsed.get_object();
    const std::string org(projections::audit_organizer(e, data));
    if (!organizer.empty() && org != organizer) continue;
    if (team) {
      auto* t = data.if_contains("team");
      if (!e.type.starts_with("pretix.team.") || !t || !t->is_int64() || t->get_int64() != *team) continue;
    }
    if (format == "json") {
      out << projections::render_audit_entry(e, data) << "\n";
    } else {
      out << format_rfc3339_utc(e.recorded_at_us) << "  #" << e.position << "  " << (org.empty() ? "-" : org);
      if (auto* t = data.if_contains("team"); t && t->is_int64() && e.type.starts_with("pretix.team.")) {
        out << "  team " << t->get_int64();
      }
      out << "  by " << actor_type_name(e.actor.type) << (e.actor.name.empty() ? "" : " \"" + e.actor.name + "\"")
          << ": " << display_text(e, data) << "\n";
    }
    ++printed;
  }
  return 0;
}

int cmd_replay(const Args& args, std::ostream& out, std::ostream& err) {
  if (!check_options(args, {"--at", "--organizer"}, err)) return 2;
  if (!args.has("--at")) return fail(err, "replay needs --at POSITION or --at RFC3339-TIME", 2);
  auto store = ReadOnlyStore::open(data_dir(args));
  if (!store.ok()) return fail(err, store.error().message, 2);
  const std::string at = args.get("--at");
  std::uint64_t position = 0;
  if (!at.empty() && at.find_first_not_of("0123456789") == std::string::npos) {
    auto p = number_option(args, "--at", err);
    if (!p) return 2;
    position = *p;
    if (position > (*store)->head_position()) {
      return fail(err, "--at " + at + " is past the head of the log (" + std::to_string((*store)->head_position()) + ")", 2);
    }
  } else {
    auto us = time_option(args, "--at", err);
    if (!us) return 2;
    position = position_at(**store, *us);
  }
  const std::string organizer = args.get("--organizer");
  // Only the chosen organizer's events (and users, which belong to none) need folding: a cheap byte test keeps
  // the other organizers' events from being parsed at all.
  const std::string needle = "\"organizer\":" + [&] {
    std::string quoted;
    append_json_string(quoted, organizer);
    return quoted;
  }();
  FoldKv kv;
  projections::ViewColumns columns;
  for (const auto& def : projections::definitions()) {
    columns.ids[static_cast<std::size_t>(def.id)] = kv.ensure_column(def.name);
  }
  // Bytes that a kept event's record must contain: the organizer field, or the "teamlog." of the types that name
  // no organizer field (users, the organizer's own creation). Searching the raw record skips decoding the rest.
  static_assert(types::kUserCreated.starts_with("teamlog.") && types::kOrganizerCreated.starts_with("teamlog."));
  const std::array<std::string_view, 2> markers = {needle, "teamlog."};
  auto may_keep = [&](std::string_view raw) {
    for (const auto& m : markers) {
      if (memmem(raw.data(), raw.size(), m.data(), m.size()) != nullptr) return true;
    }
    return false;
  };
  for (auto c = (*store)->read_all(1); c.valid(); c.next()) {
    if (c.position() > position) break;
    if (!organizer.empty() && !may_keep(c.raw())) continue;
    if (!c.current().ok()) return fail(err, c.current().error().message);
    const Event& e = *c.current();
    if (e.position > position) break;
    if (!organizer.empty() && e.type != types::kUserCreated && e.data.find(needle) == std::string::npos &&
        !(e.type == types::kOrganizerCreated && e.stream == types::organizer_stream(organizer))) {
      continue;
    }
    auto s = projections::apply_event(kv, columns, e);
    if (!s.ok()) return fail(err, s.error().message);
  }
  std::int64_t recorded_at = 0;
  if (position > 0) {
    auto at_event = (*store)->read_event(position);
    if (!at_event.ok()) return fail(err, at_event.error().message);
    recorded_at = at_event->recorded_at_us;
  }

  projections::Queries q(kv, columns);
  auto parse = [](std::string_view s) { return boost::json::parse(s); };
  auto all = [](const projections::Page& p, auto&& f) {
    boost::json::array a;
    for (const auto& item : p.items) a.push_back(f(item));
    return a;
  };
  constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();
  boost::json::array organizers;
  for (const auto& [key, value] : kv.sorted_rows(columns[projections::ViewId::kOrganizers])) {
    auto org = parse(value).as_object();
    const std::string slug(org["slug"].as_string());
    if (!organizer.empty() && slug != organizer) continue;
    org["events"] = all(q.events(slug, 0, kAll), parse);
    boost::json::array teams;
    for (const auto& rendered : q.teams(slug, 0, kAll).items) {
      auto team = parse(rendered).as_object();
      const std::int64_t id = team["id"].as_int64();
      team["members"] = all(q.members(id, 0, kAll), parse);
      team["invites"] = all(q.invites(id, 0, kAll), parse);
      team["tokens"] = all(q.tokens(id, 0, kAll), parse);
      teams.push_back(std::move(team));
    }
    org["teams"] = std::move(teams);
    organizers.push_back(std::move(org));
  }
  if (!organizer.empty() && organizers.empty()) {
    return fail(err, "organizer " + organizer + " did not exist at position " + std::to_string(position), 1);
  }
  boost::json::object o;
  o["position"] = position;
  o["recorded_at"] = position == 0 ? boost::json::value(nullptr) : boost::json::value(format_rfc3339_utc(recorded_at));
  o["organizers"] = std::move(organizers);
  out << boost::json::serialize(o) << "\n";
  return 0;
}

}  // namespace teamlog::ctl
