// decide() for every command: pretix's validation order and messages, then the events that record the change.
#include "commands/commands.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "commands/validation.hpp"
#include "events/crypto.hpp"
#include "events/types.hpp"
#include "projections/json_text.hpp"
#include "projections/queries.hpp"
#include "projections/team_render.hpp"

namespace teamlog::commands {
namespace {

namespace types = event_types;
using projections::Queries;
using projections::ViewId;

constexpr std::size_t kApiTokenLength = 64;
constexpr std::size_t kInviteTokenLength = 32;
constexpr std::size_t kNonceLength = 32;  // hex digits: 128 bits

Error not_found() { return Error::make(ErrorCode::kNotFound, kNotFound); }

Error bare(std::string message) { return validation_error({FieldError{"", std::move(message)}}); }

// A copy of `o` with its keys in bytewise order.
boost::json::object sorted_by_key(const boost::json::object& o) {
  std::vector<const boost::json::key_value_pair*> entries;
  entries.reserve(o.size());
  for (const auto& kv : o) entries.push_back(&kv);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
  boost::json::object out(entries.size());
  for (const auto* kv : entries) out.emplace(kv->key(), kv->value());
  return out;
}

std::string secret(const Context& ctx, std::size_t length) {
  return ctx.new_secret ? ctx.new_secret(length) : random_secret(length);
}

class Decider {
 public:
  Decider(const KvReader& state, const projections::ViewColumns& columns, const Context& ctx)
      : q_(state, columns), state_(state), columns_(columns), ctx_(ctx) {}

  Result<Decision> operator()(const InitOrganizer& c) {
    if (!valid_organizer_slug(c.slug)) {
      return Error::invalid("organizer", "\"" + c.slug + "\" is not a valid organizer slug (2-50 letters, digits, dots, dashes)");
    }
    if (q_.organizer(c.slug)) return Error::make(ErrorCode::kAlreadyExists, "organizer " + c.slug + " already exists");
    auto email = std::string(python_strip(c.admin_email));
    if (!valid_email(email)) return Error::invalid("admin_email", "\"" + c.admin_email + "\" is not a valid email address");
    const std::string lower = lowercase_email(email);
    const std::string name = c.name.empty() ? c.slug : c.name;

    Decision d;
    d.outcome = Outcome::kCreated;
    boost::json::object org{{"slug", c.slug}, {"name", name}};
    add(d, types::organizer_stream(c.slug), ExpectedVersion::no_stream(), types::kOrganizerCreated, org);

    std::int64_t user_id = 0;
    std::string user_wire;
    if (auto existing = q_.user_by_email(lower)) {
      user_id = existing->first;
      user_wire = existing->second;
    } else {
      std::tie(user_id, user_wire) = create_user(d, lower, c.admin_name);
    }

    const std::int64_t team = q_.last_id(ViewId::kTeams) + 1;
    boost::json::object fields{{"name", "Administrators"}, {"all_events", true}, {"limit_events", boost::json::array()}};
    for (auto flag : projections::kTeamFlagNames) fields[flag] = true;
    boost::json::object team_log = fields;
    team_log["id"] = team;
    add(d, types::team_stream(team), ExpectedVersion::no_stream(), types::kTeamCreated,
        team_payload(c.slug, team, {{"fields", fields}, {"log", sorted_by_key(team_log)}}));
    add(d, types::team_stream(team), ExpectedVersion::any(), types::kMemberAdded,
        team_payload(c.slug, team,
                     {{"user", user_id}, {"email", lower}, {"log", boost::json::object{{"email", lower}, {"user", user_id}}}}));
    const std::int64_t token = q_.last_id(ViewId::kTokens) + 1;
    const std::string token_secret = secret(ctx_, kApiTokenLength);
    const std::string token_name = "Administrators (teamlogctl init)";
    add(d, types::team_stream(team), ExpectedVersion::any(), types::kTokenCreated,
        team_payload(c.slug, team, {{"token", token}, {"name", token_name}, {"digest", to_hex(sha256(token_secret))},
                                    {"log", boost::json::object{{"id", token}, {"name", token_name}}}}));

    std::string body = "{\"organizer\":" + to_json(org) + ",\"team\":" +
                       projections::render_team(state_, columns_[ViewId::kTeams], c.slug, team, fields) +
                       ",\"user\":" + user_wire + ",\"token\":";
    append_json_string(body, token_secret);
    body += "}";
    d.body = std::move(body);
    return d;
  }

  Result<Decision> operator()(const CreateEvent& c) {
    auto fields = decode_event(c.body, [&](std::string_view slug) { return q_.event(c.organizer, slug).has_value(); });
    if (!fields.ok()) return std::move(fields).error();
    const std::int64_t id = q_.last_id(ViewId::kEvents) + 1;
    boost::json::object payload{{"organizer", c.organizer}, {"id", id},          {"slug", fields->slug},
                                {"name", fields->name},     {"date_from", fields->date_from},
                                {"date_from_us", fields->date_from_us}};
    Decision d;
    d.outcome = Outcome::kCreated;
    add(d, types::event_stream(id), ExpectedVersion::no_stream(), types::kEventCreated, payload);
    boost::json::object wire{{"name", fields->name}, {"slug", fields->slug}, {"date_from", fields->date_from}};
    d.body = to_json(wire);
    return d;
  }

  Result<Decision> operator()(const DeleteEvent& c) {
    auto id = q_.event_id(c.organizer, c.slug);
    if (!id) return not_found();
    Decision d;
    d.outcome = Outcome::kNoContent;
    add(d, types::event_stream(*id), ExpectedVersion::any(), types::kEventDeleted,
        boost::json::object{{"organizer", c.organizer}, {"id", *id}, {"slug", c.slug}});
    return d;
  }

  Result<Decision> operator()(const CreateTeam& c) {
    auto fields = decode_team(c.body, WriteMode::kCreate, event_exists(c.organizer));
    if (!fields.ok()) return std::move(fields).error();
    auto merged = merge(boost::json::object{}, *fields);
    if (auto s = rules(merged); !s.ok()) return std::move(s).error();
    const std::int64_t team = q_.last_id(ViewId::kTeams) + 1;
    auto log = log_data(c.body);
    log["id"] = team;
    Decision d;
    d.outcome = Outcome::kCreated;
    // Rendered first, so that the event's payload takes `merged` without a copy.
    d.body = projections::render_team(state_, columns_[ViewId::kTeams], c.organizer, team, merged);
    add(d, types::team_stream(team), ExpectedVersion::no_stream(), types::kTeamCreated,
        team_payload(c.organizer, team, {{"fields", std::move(merged)}, {"log", sorted_by_key(log)}}));
    return d;
  }

  Result<Decision> operator()(const UpdateTeam& c) {
    auto stored = q_.team(c.organizer, c.team);
    if (!stored) return not_found();
    auto fields = decode_team(c.body, c.partial ? WriteMode::kPartial : WriteMode::kReplace, event_exists(c.organizer));
    if (!fields.ok()) return std::move(fields).error();
    auto current = boost::json::parse(*stored).as_object();
    current.erase("id");
    auto merged = merge(std::move(current), *fields);
    if (auto s = rules(merged); !s.ok()) return std::move(s).error();
    Decision d;
    d.outcome = Outcome::kOk;
    d.body = projections::render_team(state_, columns_[ViewId::kTeams], c.organizer, c.team, merged);
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kTeamChanged,
        team_payload(c.organizer, c.team, {{"fields", std::move(merged)}, {"log", log_data(c.body)}}));
    return d;
  }

  Result<Decision> operator()(const DeleteTeam& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    Decision d;
    d.outcome = Outcome::kNoContent;
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kTeamDeleted,
        team_payload(c.organizer, c.team, {{"log", boost::json::object{}}}));
    return d;
  }

  Result<Decision> operator()(const RemoveMember& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    auto member = q_.member(c.team, c.user);
    if (!member) return not_found();
    auto email = std::string(boost::json::parse(*member).as_object().at("email").as_string());
    Decision d;
    d.outcome = Outcome::kNoContent;
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kMemberRemoved,
        team_payload(c.organizer, c.team,
                     {{"user", c.user}, {"email", email}, {"log", boost::json::object{{"email", email}, {"user", c.user}}}}));
    return d;
  }

  Result<Decision> operator()(const CreateInvite& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    auto email = decode_invite_email(c.body);
    if (!email.ok()) return std::move(email).error();
    const std::string lower = lowercase_email(*email);
    Decision d;
    d.outcome = Outcome::kCreated;
    // pretix looks for an account first: an existing user is added directly, with no invite and no mail.
    if (auto user = q_.user_by_email(lower)) {
      if (q_.is_member(c.team, user->first)) return bare("This user already has permissions for this team.");
      auto user_email = std::string(boost::json::parse(user->second).as_object().at("email").as_string());
      add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kMemberAdded,
          team_payload(c.organizer, c.team,
                       {{"user", user->first},
                        {"email", user_email},
                        {"log", boost::json::object{{"email", user_email}, {"user", user->first}}}}));
      std::string body = "{\"id\":null,\"email\":";
      append_json_string(body, user_email);
      d.body = body + "}";
      return d;
    }
    if (q_.invite_by_email(c.team, lower)) return bare("This user already has been invited for this team.");
    const std::int64_t id = q_.last_id(ViewId::kInvites) + 1;
    auto payload = team_payload(c.organizer, c.team, {{"invite", id}, {"email", *email}});
    add_invite_secret(payload, id);
    payload["log"] = boost::json::object{{"email", *email}};
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kInviteCreated, payload);
    d.body = to_json(boost::json::object{{"id", id}, {"email", *email}});
    return d;
  }

  Result<Decision> operator()(const DeleteInvite& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    auto row = q_.invite_row(c.team, c.invite);
    if (!row) return not_found();
    auto email = std::string(boost::json::parse(*row).as_object().at("email").as_string());
    Decision d;
    d.outcome = Outcome::kNoContent;
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kInviteDeleted,
        team_payload(c.organizer, c.team,
                     {{"invite", c.invite}, {"email", email}, {"log", boost::json::object{{"email", email}}}}));
    return d;
  }

  Result<Decision> operator()(const ResendInvite& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    auto row = q_.invite_row(c.team, c.invite);
    if (!row) return not_found();
    if (ctx_.invite_key == nullptr) {
      return Error::make(ErrorCode::kUnavailable, "invite mails cannot be sent: the server has no invite key");
    }
    auto email = std::string(boost::json::parse(*row).as_object().at("email").as_string());
    Decision d;
    d.outcome = Outcome::kOk;
    auto payload = team_payload(c.organizer, c.team, {{"invite", c.invite}, {"email", email}});
    add_invite_secret(payload, c.invite);
    payload["log"] = boost::json::object{{"email", email}};
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kInviteResent, payload);
    d.body = to_json(boost::json::object{{"id", c.invite}, {"email", email}});
    return d;
  }

  Result<Decision> operator()(const AcceptInvite& c) {
    auto ref = q_.invite_by_digest(c.digest);
    if (!ref) return Error::make(ErrorCode::kNotFound, kInviteNotFound);
    auto team_row = q_.team(ref->organizer, ref->team);
    auto organizer_row = q_.organizer(ref->organizer);
    if (!team_row || !organizer_row) return Error::make(ErrorCode::kNotFound, kInviteNotFound);
    auto fullname = decode_fullname(c.body);
    if (!fullname.ok()) return std::move(fullname).error();
    const auto team = boost::json::parse(*team_row).as_object();
    const std::string team_name(team.at("name").as_string());
    const std::string lower = lowercase_email(ref->email);

    Decision d;
    d.outcome = Outcome::kOk;
    std::int64_t user_id = 0;
    std::string user_wire;
    if (auto user = q_.user_by_email(lower)) {
      // pretix refuses and keeps the invite (control/views/auth.py).
      if (q_.is_member(ref->team, user->first)) {
        return Error::make(ErrorCode::kInvalidArgument, "You cannot accept the invitation for \"" + team_name +
                                                            "\" as you already are part of this team.");
      }
      user_id = user->first;
      user_wire = user->second;
    } else {
      std::tie(user_id, user_wire) = create_user(d, lower, *fullname);
    }
    const auto user_email = std::string(boost::json::parse(user_wire).as_object().at("email").as_string());
    add(d, types::team_stream(ref->team), ExpectedVersion::any(), types::kMemberJoined,
        team_payload(ref->organizer, ref->team,
                     {{"invite", ref->invite},
                      {"user", user_id},
                      {"email", user_email},
                      {"invite_email", ref->email},
                      {"log", boost::json::object{{"email", user_email}, {"invite_email", ref->email}, {"user", user_id}}}}));
    // The person acts for themselves, as in pretix, where the joining user is the log entry's user.
    d.append.actor = Actor{ActorType::kUser, user_id, user_email};
    d.body = "{\"organizer\":" + *organizer_row + ",\"team\":" +
             to_json(boost::json::object{{"id", ref->team}, {"name", team_name}}) + ",\"user\":" + user_wire + "}";
    return d;
  }

  Result<Decision> operator()(const RecordInviteMail& c) {
    Decision d;
    d.outcome = Outcome::kNoContent;
    boost::json::object payload = team_payload(c.organizer, c.team,
                                               {{"invite", c.invite},
                                                {"email", c.email},
                                                {"queued", c.queued},
                                                {"attempts", c.attempts}});
    if (c.error.empty()) {
      payload["via"] = c.via;
      payload["log"] = boost::json::object{{"email", c.email}, {"via", c.via}};
    } else {
      payload["error"] = c.error;
      payload["log"] = boost::json::object{{"email", c.email}, {"error", c.error}};
    }
    add(d, types::team_stream(c.team), ExpectedVersion::any(),
        c.error.empty() ? types::kInviteDelivered : types::kInviteDeliveryFailed, payload);
    return d;
  }

  Result<Decision> operator()(const CreateToken& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    auto name = decode_token_name(c.body);
    if (!name.ok()) return std::move(name).error();
    const std::int64_t id = q_.last_id(ViewId::kTokens) + 1;
    const std::string token_secret = secret(ctx_, kApiTokenLength);
    Decision d;
    d.outcome = Outcome::kCreated;
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kTokenCreated,
        team_payload(c.organizer, c.team,
                     {{"token", id},
                      {"name", *name},
                      {"digest", to_hex(sha256(token_secret))},
                      {"log", boost::json::object{{"id", id}, {"name", *name}}}}));
    std::string body = "{\"id\":" + std::to_string(id) + ",\"name\":";
    append_json_string(body, *name);
    body += ",\"active\":true,\"token\":";
    append_json_string(body, token_secret);
    d.body = body + "}";
    return d;
  }

  Result<Decision> operator()(const RevokeToken& c) {
    if (!q_.team(c.organizer, c.team)) return not_found();
    auto row = q_.token_row(c.team, c.token);
    if (!row) return not_found();
    auto name = std::string(boost::json::parse(*row).as_object().at("name").as_string());
    Decision d;
    d.outcome = Outcome::kOk;
    // Idempotent apart from the log, as pretix: revoking a revoked token answers 200 and logs again.
    add(d, types::team_stream(c.team), ExpectedVersion::any(), types::kTokenDeleted,
        team_payload(c.organizer, c.team, {{"token", c.token}, {"name", name}, {"log", boost::json::object{{"name", name}}}}));
    std::string body = "{\"id\":" + std::to_string(c.token) + ",\"name\":";
    append_json_string(body, name);
    d.body = body + ",\"active\":false}";
    return d;
  }

 private:
  EventExists event_exists(const std::string& organizer) const {
    return [this, organizer](std::string_view slug) { return q_.event(organizer, slug).has_value(); };
  }

  // A new user with this (lowercased) email: its id and member wire JSON.
  std::pair<std::int64_t, std::string> create_user(Decision& d, const std::string& lower,
                                                   const std::optional<std::string>& fullname) const {
    const std::int64_t id = q_.last_id(ViewId::kUsers) + 1;
    const boost::json::value name = fullname ? boost::json::value(*fullname) : boost::json::value(nullptr);
    boost::json::object user{{"id", id}, {"email", lower}, {"require_2fa", false}};
    user["fullname"] = name;
    add(d, types::user_stream(id), ExpectedVersion::no_stream(), types::kUserCreated, user);
    boost::json::object wire{{"id", id}, {"email", lower}};
    wire["fullname"] = name;
    wire["require_2fa"] = false;
    return {id, to_json(wire)};
  }

  // The digest of a new invite secret, and the nonce it was derived with when the server has an invite key.
  void add_invite_secret(boost::json::object& payload, std::int64_t invite) const {
    if (ctx_.invite_key == nullptr) {
      payload["digest"] = to_hex(sha256(secret(ctx_, kInviteTokenLength)));
      return;
    }
    const std::string nonce = ctx_.new_secret ? ctx_.new_secret(kNonceLength) : random_secret(kNonceLength, "0123456789abcdef");
    payload["digest"] = to_hex(sha256(ctx_.invite_key->secret(invite, nonce)));
    payload["nonce"] = nonce;
  }

  // The team after applying the submitted fields to `base` (the stored team, or {} for a new one: model defaults).
  static boost::json::object merge(boost::json::object base, const TeamFields& f) {
    boost::json::object out;
    out.reserve(3 + kTeamPermCount);
    out["name"] = f.name ? boost::json::value(*f.name) : base.contains("name") ? base["name"] : boost::json::value("");
    out["all_events"] = f.all_events ? *f.all_events : base.contains("all_events") && base["all_events"].as_bool();
    if (f.limit_events) {
      boost::json::array slugs;
      for (const auto& s : *f.limit_events) slugs.emplace_back(s);
      out["limit_events"] = std::move(slugs);
    } else {
      out["limit_events"] = base.contains("limit_events") ? base["limit_events"] : boost::json::array();
    }
    for (std::size_t i = 0; i < kTeamPermCount; ++i) {
      const auto name = kTeamPermNames[i];
      out[name] = f.perms[i] ? *f.perms[i] : base.contains(name) && base[name].as_bool();
    }
    return out;
  }

  static Status rules(const boost::json::object& merged) {
    return check_team_rules(merged.at("all_events").as_bool(), !merged.at("limit_events").as_array().empty());
  }

  static boost::json::object team_payload(const std::string& organizer, std::int64_t team, boost::json::object rest) {
    boost::json::object o(2 + rest.size());
    o.emplace("organizer", organizer);
    o.emplace("team", team);
    for (auto& kv : rest) o[kv.key()] = std::move(kv.value());
    return o;
  }

  void add(Decision& d, std::string stream, ExpectedVersion expected, std::string_view type,
           const boost::json::object& payload) const {
    d.append.actor = ctx_.actor;
    d.append.request_id = ctx_.request_id;
    d.append.events.push_back(ProposedEvent{std::move(stream), expected, std::string(type), 1, to_json(payload)});
  }

  Queries q_;
  const KvReader& state_;
  const projections::ViewColumns& columns_;
  const Context& ctx_;
};

bool masked_key(std::string_view key) {
  return key.find("password") != std::string_view::npos || key.find("secret") != std::string_view::npos ||
         key.find("api_key") != std::string_view::npos;
}

bool truthy(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return false;
    case boost::json::kind::bool_: return v.get_bool();
    case boost::json::kind::int64: return v.get_int64() != 0;
    case boost::json::kind::uint64: return v.get_uint64() != 0;
    case boost::json::kind::double_: return v.get_double() != 0;
    case boost::json::kind::string: return !v.get_string().empty();
    case boost::json::kind::array: return !v.get_array().empty();
    case boost::json::kind::object: return !v.get_object().empty();
  }
  return false;
}

}  // namespace

const char* command_name(const Command& command) {
  static constexpr const char* kNames[] = {"init_organizer", "create_event",  "delete_event",  "create_team",
                                           "update_team",    "delete_team",   "remove_member", "create_invite",
                                           "delete_invite",  "create_token",  "revoke_token",  "resend_invite",
                                           "accept_invite",  "record_invite_mail"};
  return kNames[command.index()];
}

boost::json::object log_data(const Input& body) {
  boost::json::object out;
  if (body.is_form()) {
    std::map<std::string, boost::json::value> m;  // a repeated field: the last one, as Django's QueryDict.dict()
    for (const auto& [k, v] : body.form_pairs()) m[k] = boost::json::string(v);
    out.reserve(m.size());
    for (auto& [k, v] : m) out.emplace(k, std::move(v));
  } else if (body.json_body().is_object()) {
    out = sorted_by_key(body.json_body().get_object());
  }
  for (auto& kv : out) {
    if (masked_key(kv.key()) && truthy(kv.value())) kv.value() = "********";
  }
  return out;
}

Result<Decision> decide(const KvReader& state, const projections::ViewColumns& columns, const Command& command,
                        const Context& context) {
  Decider decider(state, columns, context);
  return std::visit(decider, command);
}

}  // namespace teamlog::commands
