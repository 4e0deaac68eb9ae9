// Folds for the teams, members, invites and tokens views.
#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <vector>

#include "events/types.hpp"
#include "projections/json_text.hpp"
#include "projections/keys.hpp"
#include "projections/payload.hpp"
#include "projections/projections.hpp"
#include "projections/team_render.hpp"

namespace teamlog::projections {
namespace types = event_types;

std::string render_team(const KvReader& kv, ColumnId teams_column, std::string_view organizer, std::int64_t id,
                        const boost::json::object& fields) {
  std::vector<std::pair<std::string, std::string>> events;  // (order key, slug)
  if (auto* le = fields.if_contains("limit_events"); le && le->is_array()) {
    for (const auto& s : le->get_array()) {
      if (!s.is_string()) continue;
      std::string slug(s.get_string());
      auto order = kv.get(teams_column, keys::team_event(organizer, slug));
      events.emplace_back(order.value_or(slug), slug);
    }
  }
  std::sort(events.begin(), events.end());
  std::string out = "{\"id\":" + std::to_string(id) + ",\"name\":";
  append_json_string(out, str_of(fields, "name"));
  out += ",\"all_events\":";
  out += bool_of(fields, "all_events") ? "true" : "false";
  out += ",\"limit_events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, events[i].second);
  }
  out.push_back(']');
  for (auto name : kTeamFlagNames) {
    out += ",\"";
    out += name;
    out += "\":";
    out += bool_of(fields, name) ? "true" : "false";
  }
  out.push_back('}');
  return out;
}

namespace {

// Room on the stack for parsing a stored row (a team, a token's index row): its nodes are carved from here, not
// allocated one by one on the heap (this and the deep copy an object return made were a tenth of a rebuild).
struct Scratch {
  unsigned char bytes[4096];
  boost::json::monotonic_resource resource{bytes, sizeof bytes};
};

// A stored JSON object (a rendered team's fields, a token's index row), parsed onto `scratch`; an empty object if
// the text is not one.
boost::json::object parse_object(std::string_view text, Scratch& scratch) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec, &scratch.resource);
  if (ec || !v.is_object()) return boost::json::object(&scratch.resource);
  return std::move(v.get_object());  // same storage: a move, not a copy
}

// The limit_events array of a team row as render_team writes it ("[...]"), found without parsing the row: a raw
// '"' cannot occur inside a JSON string, so the key's first match is the key; the array ends at the first ']'
// outside a string. Empty if the row has none.
std::string_view rendered_limit_events(std::string_view row) {
  constexpr std::string_view kKey = "\"limit_events\":";
  const auto at = row.find(kKey);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + kKey.size();
  bool in_string = false;
  for (std::size_t i = begin; i < row.size(); ++i) {
    const char c = row[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ']') {
      return row.substr(begin, i + 1 - begin);
    }
  }
  return {};
}

void set_team_refs(KvWriter& kv, ColumnId column, std::string_view org, std::int64_t team,
                   const boost::json::value& limit_events, bool add) {
  if (!limit_events.is_array()) return;
  for (const auto& s : limit_events.get_array()) {
    if (!s.is_string()) continue;
    auto key = keys::team_ref(org, s.get_string(), team);
    if (add) {
      kv.put(column, key, "");
    } else {
      kv.del(column, key);
    }
  }
}

}  // namespace

void apply_teams(KvWriter& kv, ColumnId column, const EventView& ev) {
  const auto& d = ev.data;
  const auto& type = ev.event.type;
  auto org = str_of(d, "organizer");
  if (type == types::kEventCreated) {
    kv.put(column, keys::team_event(org, str_of(d, "slug")),
           event_order_key(int_of(d, "date_from_us"), value_of(d, "name"), str_of(d, "slug")));
  } else if (type == types::kEventDeleted) {
    // pretix clears the M2M link: every team that named the event stops naming it.
    auto slug = str_of(d, "slug");
    std::vector<std::string> refs;
    for (auto c = kv.scan(column, keys::team_ref_prefix(org, slug)); c->valid(); c->next()) refs.emplace_back(c->key());
    for (const auto& ref : refs) {
      std::int64_t team = keys::from_be(std::string_view(ref).substr(ref.size() - 8));
      if (auto rendered = kv.get(column, keys::team(org, team))) {
        Scratch scratch;
        auto fields = parse_object(*rendered, scratch);
        boost::json::array kept;
        for (const auto& s : fields["limit_events"].as_array()) {
          if (s.is_string() && s.get_string() != slug) kept.push_back(s);
        }
        fields["limit_events"] = std::move(kept);
        kv.del(column, keys::team_event(org, slug));
        kv.put(column, keys::team(org, team), render_team(kv, column, org, team, fields));
      }
      kv.del(column, ref);
    }
    kv.del(column, keys::team_event(org, slug));
  } else if (type == types::kTeamCreated || type == types::kTeamChanged) {
    const std::int64_t team = int_of(d, "team");
    const auto& fields = value_of(d, "fields");
    if (!fields.is_object()) return;
    auto rendered = render_team(kv, column, org, team, fields.get_object());
    const auto key = keys::team(org, team);
    std::string copy;
    // A team's first event creates it: no row to look for. Valid until the refs change below.
    const auto old = ev.opens_stream() ? std::nullopt : kv.peek(column, key, copy);
    const bool unchanged = old && *old == rendered;
    if (!old) {
      kv.add_count(column, keys::team_count(org), 1);
      set_team_refs(kv, column, org, team, fields.get_object().at("limit_events"), true);
    } else if (rendered_limit_events(*old) != rendered_limit_events(rendered)) {
      // Most changes leave the events alone (rendered the same, in the same order): then so do the refs.
      Scratch scratch;
      auto old_fields = parse_object(*old, scratch);
      set_team_refs(kv, column, org, team, old_fields["limit_events"], false);
      set_team_refs(kv, column, org, team, fields.get_object().at("limit_events"), true);
    }
    if (!unchanged) kv.put(column, key, rendered);
    raise_seq(kv, column, team);
  } else if (type == types::kTeamDeleted) {
    const std::int64_t team = int_of(d, "team");
    if (auto old = kv.get(column, keys::team(org, team))) {
      Scratch scratch;
      set_team_refs(kv, column, org, team, parse_object(*old, scratch)["limit_events"], false);
      kv.del(column, keys::team(org, team));
      kv.add_count(column, keys::team_count(org), -1);
    }
  }
}

namespace {

// Deletes every key under `prefix` and, for each, what `also` names.
template <class Also>
void delete_prefix(KvWriter& kv, ColumnId column, std::string_view prefix, Also also) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto c = kv.scan(column, prefix); c->valid(); c->next()) rows.emplace_back(c->key(), c->value());
  for (const auto& [k, v] : rows) {
    also(k, v);
    kv.del(column, k);
  }
}

}  // namespace

void apply_members(KvWriter& kv, ColumnId column, const EventView& ev) {
  const auto& d = ev.data;
  const auto& type = ev.event.type;
  if (type == types::kUserCreated) {
    boost::json::object wire;
    wire["id"] = int_of(d, "id");
    wire["email"] = str_of(d, "email");
    wire["fullname"] = value_of(d, "fullname");
    wire["require_2fa"] = bool_of(d, "require_2fa");
    kv.put(column, keys::member_user(int_of(d, "id")), to_json(wire));
  } else if (type == types::kMemberAdded || type == types::kMemberJoined) {
    const std::int64_t team = int_of(d, "team"), user = int_of(d, "user");
    if (kv.get(column, keys::member_index(team, user))) return;
    auto wire = kv.get(column, keys::member_user(user)).value_or("{}");
    kv.put(column, keys::member(team, str_of(d, "email"), user), wire);
    kv.put(column, keys::member_index(team, user), str_of(d, "email"));
    kv.add_count(column, keys::member_count(team), 1);
  } else if (type == types::kMemberRemoved) {
    const std::int64_t team = int_of(d, "team"), user = int_of(d, "user");
    auto email = kv.get(column, keys::member_index(team, user));
    if (!email) return;
    kv.del(column, keys::member(team, *email, user));
    kv.del(column, keys::member_index(team, user));
    kv.add_count(column, keys::member_count(team), -1);
  } else if (type == types::kTeamDeleted) {
    const std::int64_t team = int_of(d, "team");
    delete_prefix(kv, column, keys::member_prefix(team), [](const std::string&, const std::string&) {});
    delete_prefix(kv, column, keys::member_index_prefix(team), [](const std::string&, const std::string&) {});
    kv.del(column, keys::member_count(team));
  }
}

namespace {

void delete_invite(KvWriter& kv, ColumnId column, std::int64_t team, std::int64_t id, std::string_view stored) {
  boost::system::error_code ec;
  auto v = boost::json::parse(stored, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.get_object();
  kv.del(column, keys::invite(team, str_of(o, "email"), id));
  kv.del(column, keys::invite_email(team, str_of(o, "lower")));
  kv.del(column, keys::invite_digest(str_of(o, "digest")));
  kv.del(column, keys::invite_index(team, id));
  kv.del(column, keys::outbox(id));
}

// A mail that is due for the invite of an index row: the created or resent event `ev` queues it. Invites
// without a nonce (created without an invite key) have no link to send.
void queue_mail(KvWriter& kv, ColumnId column, const EventView& ev, std::int64_t team, std::int64_t id,
                const boost::json::object& index) {
  if (str_of(index, "nonce").empty()) return;
  boost::json::object entry;
  entry["organizer"] = str_of(index, "organizer");
  entry["team"] = team;
  entry["invite"] = id;
  entry["email"] = str_of(index, "email");
  entry["nonce"] = str_of(index, "nonce");
  entry["digest"] = str_of(index, "digest");
  entry["queued"] = ev.event.position;
  entry["queued_at_us"] = ev.event.recorded_at_us;
  kv.put(column, keys::outbox(id), to_json(entry));
}

}  // namespace

void apply_invites(KvWriter& kv, ColumnId column, const EventView& ev) {
  const auto& d = ev.data;
  const auto& type = ev.event.type;
  const std::int64_t team = int_of(d, "team");
  if (type == types::kInviteCreated) {
    const std::int64_t id = int_of(d, "invite");
    auto email = str_of(d, "email");
    std::string lower(email);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    boost::json::object wire;
    wire["id"] = id;
    wire["email"] = email;
    kv.put(column, keys::invite(team, email, id), to_json(wire));
    boost::json::object index;
    index["email"] = email;
    index["lower"] = lower;
    index["digest"] = str_of(d, "digest");
    index["organizer"] = str_of(d, "organizer");
    index["nonce"] = str_of(d, "nonce");
    kv.put(column, keys::invite_index(team, id), to_json(index));
    kv.put(column, keys::invite_email(team, lower), keys::be(id));
    kv.put(column, keys::invite_digest(str_of(d, "digest")), keys::join(keys::be(team), keys::be(id)));
    kv.add_count(column, keys::invite_count(team), 1);
    raise_seq(kv, column, id);
    queue_mail(kv, column, ev, team, id, index);
  } else if (type == types::kInviteResent) {
    // A resend draws a new secret: the old link stops working, the new one is mailed.
    const std::int64_t id = int_of(d, "invite");
    auto stored = kv.get(column, keys::invite_index(team, id));
    if (!stored) return;
    auto index = boost::json::parse(*stored).as_object();
    kv.del(column, keys::invite_digest(str_of(index, "digest")));
    index["digest"] = str_of(d, "digest");
    index["nonce"] = str_of(d, "nonce");
    kv.put(column, keys::invite_index(team, id), to_json(index));
    kv.put(column, keys::invite_digest(str_of(d, "digest")), keys::join(keys::be(team), keys::be(id)));
    queue_mail(kv, column, ev, team, id, index);
  } else if (type == types::kInviteDeleted || type == types::kMemberJoined) {
    // Joining consumes the invite, as pretix deletes it.
    const std::int64_t id = int_of(d, "invite");
    if (auto stored = kv.get(column, keys::invite_index(team, id))) {
      delete_invite(kv, column, team, id, *stored);
      kv.add_count(column, keys::invite_count(team), -1);
    }
  } else if (type == types::kInviteDelivered || type == types::kInviteDeliveryFailed) {
    // Only the mail that was sent leaves the outbox: a resend queued meanwhile stays due.
    const std::int64_t id = int_of(d, "invite");
    auto entry = kv.get(column, keys::outbox(id));
    if (!entry) return;
    boost::system::error_code ec;
    auto v = boost::json::parse(*entry, ec);
    if (!ec && v.is_object() && int_of(v.get_object(), "queued") == int_of(d, "queued")) kv.del(column, keys::outbox(id));
  } else if (type == types::kTeamDeleted) {
    std::vector<std::pair<std::int64_t, std::string>> rows;
    auto prefix = keys::invite_index_prefix(team);
    for (auto c = kv.scan(column, prefix); c->valid(); c->next()) {
      rows.emplace_back(keys::from_be(c->key().substr(prefix.size())), std::string(c->value()));
    }
    for (const auto& [id, stored] : rows) delete_invite(kv, column, team, id, stored);
    kv.del(column, keys::invite_count(team));
  }
}

namespace {

std::string token_wire(std::int64_t id, std::string_view name, bool active) {
  std::string out = "{\"id\":" + std::to_string(id) + ",\"name\":";
  append_json_string(out, name);
  out += active ? ",\"active\":true}" : ",\"active\":false}";
  return out;
}

// A token's index row: {"name":...,"active":...,"digest":...}, the keys in this order.
std::string token_index_row(std::string_view name, bool active, std::string_view digest) {
  std::string out = "{\"name\":";
  append_json_string(out, name);
  out += active ? ",\"active\":true,\"digest\":" : ",\"active\":false,\"digest\":";
  append_json_string(out, digest);
  out.push_back('}');
  return out;
}

std::string team_flags(std::string_view org, const boost::json::object& fields) {
  std::string v(org);
  v.push_back('\0');
  for (auto name : kTeamFlagNames) v.push_back(bool_of(fields, name) ? '1' : '0');
  return v;
}

}  // namespace

void apply_tokens(KvWriter& kv, ColumnId column, const EventView& ev) {
  const auto& d = ev.data;
  const auto& type = ev.event.type;
  const std::int64_t team = int_of(d, "team");
  if (type == types::kTeamCreated || type == types::kTeamChanged) {
    const auto& fields = value_of(d, "fields");
    if (fields.is_object()) kv.put(column, keys::token_team(team), team_flags(str_of(d, "organizer"), fields.get_object()));
  } else if (type == types::kTokenCreated) {
    const std::int64_t id = int_of(d, "token");
    const auto name = str_of(d, "name");
    const auto digest = str_of(d, "digest");
    const auto row = keys::token(team, name, id), index = keys::token_index(team, id);
    const auto by_digest = keys::token_digest(digest), count = keys::token_count(team);
    for (const auto* key : {&row, &index, &by_digest, &count}) kv.prefetch(column, *key);
    kv.put(column, row, token_wire(id, name, true));
    kv.put(column, index, token_index_row(name, true, digest));
    kv.put(column, by_digest, keys::join(keys::be(team), keys::be(id), "1"));
    kv.add_count(column, count, 1);
    raise_seq(kv, column, id);
  } else if (type == types::kTokenDeleted) {
    const std::int64_t id = int_of(d, "token");
    std::string copy;
    const auto stored = kv.peek(column, keys::token_index(team, id), copy);
    if (!stored) return;
    // Revoking a revoked token (pretix answers it again, and logs it) changes no row. The marker cannot occur
    // inside the name: a raw '"' never does in a JSON string.
    if (stored->find(",\"active\":false,\"digest\":") != std::string::npos) return;
    Scratch scratch;
    const auto index = parse_object(*stored, scratch);
    const auto name = str_of(index, "name");
    const auto digest = str_of(index, "digest");
    kv.put(column, keys::token(team, name, id), token_wire(id, name, false));
    kv.put(column, keys::token_digest(digest), keys::join(keys::be(team), keys::be(id), "0"));
    kv.put(column, keys::token_index(team, id), token_index_row(name, false, digest));
  } else if (type == types::kTeamDeleted) {
    // The team's tokens go with it (pretix's cascade): they no longer authenticate at all.
    std::vector<std::pair<std::int64_t, std::string>> rows;
    auto prefix = keys::token_index_prefix(team);
    for (auto c = kv.scan(column, prefix); c->valid(); c->next()) {
      rows.emplace_back(keys::from_be(c->key().substr(prefix.size())), std::string(c->value()));
    }
    for (const auto& [id, stored] : rows) {
      Scratch scratch;
      const auto index = parse_object(stored, scratch);
      kv.del(column, keys::token(team, str_of(index, "name"), id));
      kv.del(column, keys::token_digest(str_of(index, "digest")));
      kv.del(column, keys::token_index(team, id));
    }
    kv.del(column, keys::token_team(team));
    kv.del(column, keys::token_count(team));
  }
}

}  // namespace teamlog::projections
