// Request decoding with pretix's (Django REST Framework's) field rules and exact messages; pure and HTTP-free.
//
// Every decode_* function reads an Input the way DRF's Serializer.is_valid() does and returns either the typed
// fields or an Error{kInvalidArgument} whose `fields` are the DRF error body, in order:
// - FieldError{"name", msg}: one message of `{"name": [...]}`. A field can carry several messages (DRF runs all of
//   a field's validators and lists every failure, e.g. an email that is too long and malformed); they come one
//   FieldError each, adjacent, in DRF's order. Render consecutive entries with the same field as one list.
// - Fields come in serializer field order; every field is checked, so several can fail at once.
// - FieldError{"non_field_errors", msg}: DRF's cross-field key (a body that is not an object, validate()).
// - FieldError{"", msg}: a bare-list body, `["msg"]`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "commands/input.hpp"
#include "events/result.hpp"
#include "projections/json_text.hpp"

namespace teamlog::commands {

// The messages, byte for byte as DRF, Django and pretix write them.
namespace messages {
inline constexpr std::string_view kRequired = "This field is required.";
inline constexpr std::string_view kNull = "This field may not be null.";
inline constexpr std::string_view kBlank = "This field may not be blank.";
inline constexpr std::string_view kNotAString = "Not a valid string.";
inline constexpr std::string_view kNullCharacters = "Null characters are not allowed.";
inline constexpr std::string_view kInvalidBoolean = "Must be a valid boolean.";
inline constexpr std::string_view kInvalidRelated = "Invalid value.";
inline constexpr std::string_view kInvalidEmail = "Enter a valid email address.";
inline constexpr std::string_view kNoData = "No data provided";  // sic, no full stop (a JSON `null` body)
inline constexpr std::string_view kNoEmailGiven = "No email address given.";
inline constexpr std::string_view kLimitAndAllEvents = "Do not set both limit_events and all_events.";
inline constexpr std::string_view kEventSlugChars = "The slug may only contain letters, numbers, dots and dashes.";
inline constexpr std::string_view kEventSlugTaken = "This slug has already been used for a different event.";
inline constexpr std::string_view kInvalidI18nType = "Invalid data type.";
inline constexpr std::string_view kInvalidLanguages = "Invalid languages included.";
inline constexpr std::string_view kInvalidDatetime =
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

std::string max_length(std::size_t limit);       // "Ensure this field has no more than 190 characters."
std::string min_length(std::size_t limit);       // "Ensure this field has at least 2 characters."
std::string not_a_list(std::string_view type);   // "Expected a list of items but got type \"str\"."
std::string not_a_mapping(std::string_view type);  // "Invalid data. Expected a dictionary, but got list."
std::string slug_does_not_exist(std::string_view value);  // "Object with slug=<value> does not exist."
std::string surrogates(char32_t code_point);     // "Surrogate characters are not allowed: U+D800."
std::string banned_value(std::string_view value);  // "This field has an invalid value: api."
}  // namespace messages

inline constexpr std::string_view kNonFieldErrors = "non_field_errors";

// An Error{kInvalidArgument} carrying `fields` (and a one-line summary as its message).
Error validation_error(std::vector<FieldError> fields);

// ---- Teams -------------------------------------------------------------------------------------------------

// The team permission flags, in TeamSerializer field order (the doc-era field set: customers, no reusable media).
enum class TeamPerm : std::uint8_t {
  kCreateEvents,
  kChangeTeams,
  kChangeOrganizerSettings,
  kManageGiftCards,
  kChangeEventSettings,
  kChangeItems,
  kViewOrders,
  kChangeOrders,
  kViewVouchers,
  kChangeVouchers,
  kCheckinOrders,
  kManageCustomers,
};
inline constexpr std::size_t kTeamPermCount = 12;
inline constexpr std::array<TeamPerm, kTeamPermCount> kAllTeamPerms = {
    TeamPerm::kCreateEvents,   TeamPerm::kChangeTeams,     TeamPerm::kChangeOrganizerSettings,
    TeamPerm::kManageGiftCards, TeamPerm::kChangeEventSettings, TeamPerm::kChangeItems,
    TeamPerm::kViewOrders,     TeamPerm::kChangeOrders,    TeamPerm::kViewVouchers,
    TeamPerm::kChangeVouchers, TeamPerm::kCheckinOrders,   TeamPerm::kManageCustomers,
};
// Wire names, indexed by TeamPerm.
inline constexpr std::array<std::string_view, kTeamPermCount> kTeamPermNames = {
    "can_create_events",   "can_change_teams",   "can_change_organizer_settings", "can_manage_gift_cards",
    "can_change_event_settings", "can_change_items", "can_view_orders",         "can_change_orders",
    "can_view_vouchers",   "can_change_vouchers", "can_checkin_orders",         "can_manage_customers",
};
// Every TeamSerializer field in order: the key order of team responses and of team error bodies.
inline constexpr std::array<std::string_view, 4 + kTeamPermCount> kTeamFieldOrder = {
    "id", "name", "all_events", "limit_events",
    "can_create_events",   "can_change_teams",   "can_change_organizer_settings", "can_manage_gift_cards",
    "can_change_event_settings", "can_change_items", "can_view_orders",         "can_change_orders",
    "can_view_vouchers",   "can_change_vouchers", "can_checkin_orders",         "can_manage_customers",
};

constexpr std::size_t team_perm_index(TeamPerm perm) { return static_cast<std::size_t>(perm); }
constexpr std::string_view team_perm_name(TeamPerm perm) { return kTeamPermNames[team_perm_index(perm)]; }
std::optional<TeamPerm> team_perm_from_name(std::string_view name);

// What the client submitted, validated. std::nullopt: not submitted (keep the stored value; on create, the model
// default: False for the booleans). Form input fills in what DRF fills in (see decode_team).
struct TeamFields {
  std::optional<std::string> name;
  std::optional<bool> all_events;
  std::optional<std::vector<std::string>> limit_events;  // slugs as given, duplicates removed, first-seen order
  std::array<std::optional<bool>, kTeamPermCount> perms;

  std::optional<bool>& perm(TeamPerm p) { return perms[team_perm_index(p)]; }
  const std::optional<bool>& perm(TeamPerm p) const { return perms[team_perm_index(p)]; }
};

enum class WriteMode {
  kCreate,   // POST: non-partial
  kReplace,  // PUT: non-partial
  kPartial,  // PATCH: nothing is required, only what was sent is validated
};

// Whether this organizer has an event with exactly this slug (case-sensitive, as PostgreSQL's `slug=` lookup).
using EventExists = std::function<bool(std::string_view slug)>;

// TeamSerializer.is_valid() without validate() (see check_team_rules):
// - name: required unless kPartial; CharField(max_length=190).
// - all_events and the can_* flags: optional BooleanField. Left out of JSON: not submitted, also on PUT.
//   Left out of non-partial form input: false (DRF's default_empty_html). Given empty in form input: not submitted.
// - limit_events: required unless kPartial; a list of this organizer's event slugs, [] allowed. Left out of
//   non-partial form input: []. Form input gives it as a repeated key.
// - id and unknown keys are ignored.
Result<TeamFields> decode_team(const Input& body, WriteMode mode, const EventExists& event_exists);

// TeamSerializer.validate() on the merged state (the stored team overlaid with the submitted fields; on create,
// the submitted fields over the defaults). Call it only after decode_team succeeded, as DRF does.
// Error: {"non_field_errors": ["Do not set both limit_events and all_events."]}.
Status check_team_rules(bool merged_all_events, bool merged_limit_events_nonempty);

// TeamAPITokenSerializer: `name` is required, CharField(max_length=190). `active` and unknown keys are ignored.
Result<std::string> decode_token_name(const Input& body);

// TeamInviteSerializer's email: EmailField(max_length=254), trimmed, Django's EmailValidator. Returns the address
// as sent (trimmed, case kept). A missing `email` is the bare list ["No email address given."] (pretix's
// create()). Deliberately unlike pretix (DESIGN.md), "" or whitespace gives {"email": ["This field may not be
// blank."]} and null {"email": ["This field may not be null."]}.
Result<std::string> decode_invite_email(const Input& body);

// The `fullname` of an invite acceptance: optional, CharField(max_length=255), trimmed; null, blank or left out
// give no name (nullopt).
Result<std::optional<std::string>> decode_fullname(const Input& body);

// ---- Events (the ticketed events limit_events names; teamlog's subset of pretix's EventSerializer) ---------

struct EventFields {
  std::string slug;
  boost::json::value name;  // a string, or an object of language code -> string
  std::string date_from;    // UTC, Python isoformat with Z: "2017-12-27T10:00:00Z" (".ffffff" when non-zero)
  std::int64_t date_from_us = 0;  // microseconds since the Unix epoch
};

// Whether this organizer already has an event with this slug (pretix's Event.clean_slug); empty: never.
using SlugTaken = std::function<bool(std::string_view slug)>;

// Fields in EventSerializer order (name, slug, date_from), all required:
// - name: pretix's I18nField: a string or an object whose keys are language codes ("Invalid languages
//   included.") and whose values are strings; anything else "Invalid data type.". teamlog also requires a
//   non-blank name ("This field may not be blank.").
// - slug: CharField(max_length=50, min_length=2) with pretix's event slug regex and banlist, then uniqueness.
// - date_from: DRF DateTimeField (ISO 8601); a time without offset is UTC.
Result<EventFields> decode_event(const Input& body, const SlugTaken& slug_taken = {});

// ---- Single-value rules --------------------------------------------------------------------------------------

// pretix's Organizer.slug: 2..50 characters, ^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$, not on the banlist.
bool valid_organizer_slug(std::string_view slug);
// pretix's Event.slug: 2..50 characters, ^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$, not on the banlist.
bool valid_event_slug(std::string_view slug);

// Django's EmailValidator on exactly this string (no trimming; DRF trims before it runs). An IDN domain is
// checked as Django does, after Python's str.encode("idna") (IDNA 2003: nameprep, then punycode, labels of at
// most 63 characters). Nameprep is modelled as far as it decides validity, with Python's stringprep tables:
// characters mapped to nothing, case folding of ASCII, prohibited characters, the bidi rule, and characters whose
// compatibility form is ASCII ("ｅ" is "e", U+2474 "⑴" is "(1)", which no host name may hold). Other characters
// are not normalised before punycode, so a label at the 63-character limit can come out differently.
bool valid_email(std::string_view email);
// Python's str.lower() for the ASCII letters; other bytes are left as they are. pretix's User.save() lowercases
// with Unicode rules and its iexact lookups compare with PostgreSQL's UPPER(), so for an address with non-ASCII
// letters (only possible in an IDN domain: Django refuses non-ASCII local parts) "MÜLLER" and "müller" stay
// different here where pretix would fold them.
std::string lowercase_email(std::string_view email);

// RFC 3492 punycode of one label (Python's "punycode" codec), without the "xn--" prefix.
std::string punycode_encode(std::u32string_view label);

// ---- Python views of JSON values, as DRF's messages and coercions print them --------------------------------

// type(value).__name__: NoneType, bool, int, float, str, list, dict.
std::string python_type_name(const boost::json::value& value);
// str(value): a string as is, 1 -> "1", 1.5 -> "1.5", 1e16 -> "1e+16", true -> "True", null -> "None",
// ["a"] -> "['a']", {"a": 1} -> "{'a': 1}".
std::string python_str(const boost::json::value& value);
// repr(float): the shortest round-trip digits, Python's fixed/exponent switch.
std::string python_float_repr(double value);
// str.strip(): removes leading and trailing Unicode whitespace (str.isspace()).
std::string_view python_strip(std::string_view text);
// len(str): Unicode code points in UTF-8 text.
std::size_t code_point_count(std::string_view text);

// DRF DateTimeField input (Django's parse_datetime): microseconds since the epoch, UTC; nullopt when invalid.
std::optional<std::int64_t> parse_datetime_us(std::string_view text);
// Python's isoformat() of a UTC datetime, "+00:00" written as "Z" (DRF's output).
inline std::string format_datetime_utc(std::int64_t us) { return format_rfc3339_utc(us); }

}  // namespace teamlog::commands
