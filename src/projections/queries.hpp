// Read-side queries over the views: what the HTTP handlers serve and what commands decide against. Values come
// back already rendered as pretix's wire JSON, so that serving a read is a lookup and a copy.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event_reader.hpp"
#include "events/kv.hpp"
#include "projections/projections.hpp"
#include "projections/team_render.hpp"

namespace teamlog::projections {

struct Page {
  std::int64_t count = 0;              // all matching rows, not only this page
  std::vector<std::string> items;      // rendered JSON, in the view's order
};

// What authentication learns from a token digest.
struct TokenGrant {
  std::int64_t team = 0;
  std::int64_t token = 0;
  bool active = false;
  std::string organizer;
  std::array<bool, kTeamFlagCount> flags{};
  bool has(std::string_view flag) const;
};

// An invite found by the digest of its secret.
struct InviteRef {
  std::string organizer;
  std::int64_t team = 0;
  std::int64_t invite = 0;
  std::string email;  // as invited
};

// A mail in the outbox (keys.hpp, q/): due since `queued_at_us`.
struct OutboxEntry {
  std::string organizer;
  std::int64_t team = 0;
  std::int64_t invite = 0;
  std::string email;
  std::string nonce;
  std::string digest;
  std::uint64_t queued = 0;
  std::int64_t queued_at_us = 0;
};

struct AuditFilter {
  std::optional<std::int64_t> team;
  std::optional<std::string> action_type;
  std::uint64_t after = 0;            // positions greater than this
  std::optional<std::int64_t> since_us;  // recorded at or after
};

class Queries {
 public:
  // `log` renders the audit entries (the audit view indexes the log); only audit() needs it.
  Queries(const KvReader& kv, const ViewColumns& columns, const EventReader* log = nullptr)
      : kv_(kv), c_(columns), log_(log) {}

  std::optional<std::string> organizer(std::string_view slug) const;

  std::optional<std::string> event(std::string_view org, std::string_view slug) const;
  std::optional<std::int64_t> event_id(std::string_view org, std::string_view slug) const;
  Page events(std::string_view org, std::int64_t offset, std::int64_t limit) const;

  std::optional<std::string> team(std::string_view org, std::int64_t id) const;
  Page teams(std::string_view org, std::int64_t offset, std::int64_t limit) const;

  std::optional<std::string> member(std::int64_t team, std::int64_t user) const;
  Page members(std::int64_t team, std::int64_t offset, std::int64_t limit) const;
  bool is_member(std::int64_t team, std::int64_t user) const;

  std::optional<std::string> invite(std::int64_t team, std::int64_t id) const;
  Page invites(std::int64_t team, std::int64_t offset, std::int64_t limit) const;
  // The stored invite row {"email","lower","digest"} of an id, and the id of an invite by lowercased email.
  std::optional<std::string> invite_row(std::int64_t team, std::int64_t id) const;
  std::optional<std::int64_t> invite_by_email(std::int64_t team, std::string_view lower_email) const;
  // The invite whose secret has this hex SHA-256 digest.
  std::optional<InviteRef> invite_by_digest(std::string_view hex_digest) const;
  // Up to `limit` mails of the outbox, by invite id from `from_invite` on.
  std::vector<OutboxEntry> outbox(std::int64_t from_invite, std::size_t limit) const;
  std::optional<OutboxEntry> outbox_entry(std::int64_t invite) const;

  std::optional<std::string> token(std::int64_t team, std::int64_t id) const;
  Page tokens(std::int64_t team, std::int64_t offset, std::int64_t limit) const;
  // The stored token row {"name","active","digest"}.
  std::optional<std::string> token_row(std::int64_t team, std::int64_t id) const;
  // The grant of the token whose secret has this hex SHA-256 digest. `before_read`, if given, is told each row's
  // column and key just before the row is read (a cache of the grant watches those rows' changes).
  using BeforeRead = std::function<void(ColumnId column, std::string_view key)>;
  std::optional<TokenGrant> token_by_digest(std::string_view hex_digest, const BeforeRead& before_read = {}) const;

  // The user with this (lowercased) email: id and member wire JSON.
  std::optional<std::pair<std::int64_t, std::string>> user_by_email(std::string_view lower_email) const;
  std::optional<std::string> user(std::int64_t id) const;

  // The organizer's audit entries (audit_entry.hpp), rendered from the log's events. Throws std::logic_error
  // without a log and std::runtime_error when an indexed event cannot be read (a damaged log).
  Page audit(std::string_view org, const AuditFilter& filter, std::int64_t offset, std::int64_t limit) const;

  // The last id allocated of each kind (the next is one more): ids are never reused.
  std::int64_t last_id(ViewId view) const;

 private:
  Page page(ColumnId column, std::string_view prefix, std::string_view count_key, std::int64_t offset,
            std::int64_t limit) const;
  const KvReader& kv_;
  const ViewColumns& c_;
  const EventReader* log_;
};

}  // namespace teamlog::projections
