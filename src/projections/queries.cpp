// Lookups and pages over the view columns.
#include "projections/queries.hpp"

#include <stdexcept>

#include <boost/json/parse.hpp>

#include "projections/audit_entry.hpp"
#include "projections/keys.hpp"
#include "projections/payload.hpp"

namespace teamlog::projections {

bool TokenGrant::has(std::string_view flag) const {
  for (std::size_t i = 0; i < kTeamFlagCount; ++i) {
    if (kTeamFlagNames[i] == flag) return flags[i];
  }
  return false;
}

Page Queries::page(ColumnId column, std::string_view prefix, std::string_view count_key, std::int64_t offset,
                   std::int64_t limit) const {
  Page p;
  p.count = read_count(kv_, column, count_key);
  if (offset >= p.count) return p;
  auto c = kv_.scan(column, prefix);
  for (std::int64_t i = 0; i < offset && c->valid(); ++i) c->next();
  for (; c->valid() && static_cast<std::int64_t>(p.items.size()) < limit; c->next()) p.items.emplace_back(c->value());
  return p;
}

std::optional<std::string> Queries::organizer(std::string_view slug) const {
  return kv_.get(c_[ViewId::kOrganizers], keys::organizer(slug));
}

std::optional<std::string> Queries::event(std::string_view org, std::string_view slug) const {
  return kv_.get(c_[ViewId::kEvents], keys::event(org, slug));
}

std::optional<std::int64_t> Queries::event_id(std::string_view org, std::string_view slug) const {
  auto v = kv_.get(c_[ViewId::kEvents], keys::event_id(org, slug));
  if (!v || v->size() != 8) return std::nullopt;
  return keys::from_be(*v);
}

Page Queries::events(std::string_view org, std::int64_t offset, std::int64_t limit) const {
  // The order index holds slugs; each row is then read from the event key.
  Page slugs = page(c_[ViewId::kEvents], keys::event_sort_prefix(org), keys::event_count(org), offset, limit);
  Page out;
  out.count = slugs.count;
  for (const auto& slug : slugs.items) {
    if (auto e = event(org, slug)) out.items.push_back(std::move(*e));
  }
  return out;
}

std::optional<std::string> Queries::team(std::string_view org, std::int64_t id) const {
  return kv_.get(c_[ViewId::kTeams], keys::team(org, id));
}

Page Queries::teams(std::string_view org, std::int64_t offset, std::int64_t limit) const {
  return page(c_[ViewId::kTeams], keys::team_prefix(org), keys::team_count(org), offset, limit);
}

std::optional<std::string> Queries::member(std::int64_t team, std::int64_t user) const {
  auto email = kv_.get(c_[ViewId::kMembers], keys::member_index(team, user));
  if (!email) return std::nullopt;
  return kv_.get(c_[ViewId::kMembers], keys::member(team, *email, user));
}

bool Queries::is_member(std::int64_t team, std::int64_t user) const {
  return kv_.get(c_[ViewId::kMembers], keys::member_index(team, user)).has_value();
}

Page Queries::members(std::int64_t team, std::int64_t offset, std::int64_t limit) const {
  return page(c_[ViewId::kMembers], keys::member_prefix(team), keys::member_count(team), offset, limit);
}

std::optional<std::string> Queries::invite_row(std::int64_t team, std::int64_t id) const {
  return kv_.get(c_[ViewId::kInvites], keys::invite_index(team, id));
}

std::optional<std::string> Queries::invite(std::int64_t team, std::int64_t id) const {
  // The index row names the email the wire row is keyed by.
  auto row = invite_row(team, id);
  if (!row) return std::nullopt;
  auto email = boost::json::parse(*row).as_object().at("email").as_string();
  return kv_.get(c_[ViewId::kInvites], keys::invite(team, std::string_view(email), id));
}

std::optional<std::int64_t> Queries::invite_by_email(std::int64_t team, std::string_view lower_email) const {
  auto v = kv_.get(c_[ViewId::kInvites], keys::invite_email(team, lower_email));
  if (!v || v->size() != 8) return std::nullopt;
  return keys::from_be(*v);
}

std::optional<InviteRef> Queries::invite_by_digest(std::string_view hex_digest) const {
  auto v = kv_.get(c_[ViewId::kInvites], keys::invite_digest(hex_digest));
  if (!v || v->size() != 16) return std::nullopt;
  InviteRef ref;
  ref.team = keys::from_be(std::string_view(*v).substr(0, 8));
  ref.invite = keys::from_be(std::string_view(*v).substr(8, 8));
  auto row = invite_row(ref.team, ref.invite);
  if (!row) return std::nullopt;
  const auto parsed = boost::json::parse(*row).as_object();
  ref.organizer = std::string(str_of(parsed, "organizer"));
  ref.email = std::string(str_of(parsed, "email"));
  return ref;
}

namespace {

std::optional<OutboxEntry> parse_outbox_entry(std::string_view stored) {
  boost::system::error_code ec;
  auto v = boost::json::parse(stored, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  OutboxEntry e;
  e.organizer = std::string(str_of(o, "organizer"));
  e.team = int_of(o, "team");
  e.invite = int_of(o, "invite");
  e.email = std::string(str_of(o, "email"));
  e.nonce = std::string(str_of(o, "nonce"));
  e.digest = std::string(str_of(o, "digest"));
  e.queued = static_cast<std::uint64_t>(int_of(o, "queued"));
  e.queued_at_us = int_of(o, "queued_at_us");
  return e;
}

}  // namespace

std::vector<OutboxEntry> Queries::outbox(std::int64_t from_invite, std::size_t limit) const {
  std::vector<OutboxEntry> out;
  const ColumnId column = c_[ViewId::kInvites];
  for (auto c = kv_.scan(column, keys::kOutboxPrefix, keys::outbox(from_invite)); c->valid() && out.size() < limit;
       c->next()) {
    if (auto e = parse_outbox_entry(c->value())) out.push_back(std::move(*e));
  }
  return out;
}

std::optional<OutboxEntry> Queries::outbox_entry(std::int64_t invite) const {
  auto stored = kv_.get(c_[ViewId::kInvites], keys::outbox(invite));
  if (!stored) return std::nullopt;
  return parse_outbox_entry(*stored);
}

Page Queries::invites(std::int64_t team, std::int64_t offset, std::int64_t limit) const {
  return page(c_[ViewId::kInvites], keys::invite_prefix(team), keys::invite_count(team), offset, limit);
}

std::optional<std::string> Queries::token_row(std::int64_t team, std::int64_t id) const {
  return kv_.get(c_[ViewId::kTokens], keys::token_index(team, id));
}

std::optional<std::string> Queries::token(std::int64_t team, std::int64_t id) const {
  // The index row names the token name the wire row is keyed by.
  auto row = token_row(team, id);
  if (!row) return std::nullopt;
  auto name = boost::json::parse(*row).as_object().at("name").as_string();
  return kv_.get(c_[ViewId::kTokens], keys::token(team, std::string_view(name), id));
}

Page Queries::tokens(std::int64_t team, std::int64_t offset, std::int64_t limit) const {
  return page(c_[ViewId::kTokens], keys::token_prefix(team), keys::token_count(team), offset, limit);
}

std::optional<TokenGrant> Queries::token_by_digest(std::string_view hex_digest, const BeforeRead& before_read) const {
  const ColumnId column = c_[ViewId::kTokens];
  const auto digest_key = keys::token_digest(hex_digest);
  if (before_read) before_read(column, digest_key);
  auto v = kv_.get(column, digest_key);
  if (!v || v->size() != 17) return std::nullopt;
  TokenGrant g;
  g.team = keys::from_be(std::string_view(*v).substr(0, 8));
  g.token = keys::from_be(std::string_view(*v).substr(8, 8));
  g.active = (*v)[16] == '1';
  const auto team_key = keys::token_team(g.team);
  if (before_read) before_read(column, team_key);
  auto team = kv_.get(column, team_key);
  if (!team) return std::nullopt;
  auto nul = team->find('\0');
  if (nul == std::string::npos || team->size() != nul + 1 + kTeamFlagCount) return std::nullopt;
  g.organizer = team->substr(0, nul);
  for (std::size_t i = 0; i < kTeamFlagCount; ++i) g.flags[i] = (*team)[nul + 1 + i] == '1';
  return g;
}

std::optional<std::pair<std::int64_t, std::string>> Queries::user_by_email(std::string_view lower_email) const {
  auto id = kv_.get(c_[ViewId::kUsers], keys::user_email(lower_email));
  if (!id || id->size() != 8) return std::nullopt;
  auto wire = user(keys::from_be(*id));
  if (!wire) return std::nullopt;
  return std::make_pair(keys::from_be(*id), std::move(*wire));
}

std::optional<std::string> Queries::user(std::int64_t id) const { return kv_.get(c_[ViewId::kUsers], keys::user(id)); }

Page Queries::audit(std::string_view org, const AuditFilter& filter, std::int64_t offset, std::int64_t limit) const {
  if (!log_) throw std::logic_error("Queries::audit needs the log to render entries");
  const ColumnId col = c_[ViewId::kAudit];
  Page p;
  const bool simple = !filter.action_type && filter.after == 0 && !filter.since_us;
  if (simple) {
    p.count = filter.team ? read_count(kv_, col, keys::audit_team_count(org, *filter.team))
                          : read_count(kv_, col, keys::audit_count(org));
  }
  std::vector<std::uint64_t> positions;  // of the page's entries
  std::int64_t seen = 0;
  auto take = [&](std::string_view stored, std::uint64_t position) {
    if (stored.size() < 8) return;
    const auto recorded_us = static_cast<std::int64_t>(decode_be64(stored));
    const std::string_view type = stored.substr(8);
    if (position <= filter.after || (filter.since_us && recorded_us < *filter.since_us) ||
        (filter.action_type && type != *filter.action_type)) {
      return;
    }
    if (seen >= offset && static_cast<std::int64_t>(positions.size()) < limit) positions.push_back(position);
    ++seen;
  };
  // Walk the organizer's (or the team's) entries in position order, starting after `after`.
  if (filter.team) {
    auto prefix = keys::audit_team_prefix(org, *filter.team);
    for (auto c = kv_.scan(col, prefix); c->valid() && !(simple && seen >= offset + limit); c->next()) {
      const std::string_view block = c->value();  // positions, increasing
      if (block.size() < 8 || decode_be64(block.substr(block.size() - 8)) <= filter.after) continue;
      for (std::size_t at = 0; at + 8 <= block.size(); at += 8) {
        const std::uint64_t position = decode_be64(block.substr(at));
        if (position <= filter.after) continue;
        if (simple && seen >= offset + limit) break;
        auto entry = kv_.get(col, keys::audit(org, position));
        if (!entry) continue;
        take(*entry, position);
      }
    }
  } else {
    auto prefix = keys::audit_prefix(org);
    for (auto c = kv_.scan(col, prefix, keys::join(prefix, encode_be64(filter.after + 1))); c->valid(); c->next()) {
      if (simple && seen >= offset + limit) break;
      take(c->value(), decode_be64(c->key().substr(prefix.size())));
    }
  }
  if (!simple) p.count = seen;
  for (std::uint64_t position : positions) {
    auto event = log_->read_event(position);
    if (!event.ok()) {
      throw std::runtime_error("the audit entry at position " + std::to_string(position) +
                               " cannot be read: " + event.error().message);
    }
    boost::json::value data = boost::json::parse(event->data);
    if (!data.is_object()) {
      throw std::runtime_error("the event at position " + std::to_string(position) + " has no JSON object payload");
    }
    p.items.push_back(render_audit_entry(*event, data.get_object()));
  }
  return p;
}

std::int64_t Queries::last_id(ViewId view) const { return read_seq(kv_, c_[view]); }

}  // namespace teamlog::projections
