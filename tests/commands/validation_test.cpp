// Request decoding: DRF's field rules and messages for teams, tokens, invites and events.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "commands/input.hpp"
#include "commands/validation.hpp"

namespace {

using namespace teamlog;
using namespace teamlog::commands;
namespace json = boost::json;

Input body(std::string_view json_text) { return Input::from_json(json::parse(json_text)); }
Input form(FormPairs pairs) { return Input::from_form(std::move(pairs)); }

// This organizer's events.
const EventExists kEvents = [](std::string_view slug) {
  return slug == "dummy" || slug == "second" || slug == "5" || slug == "True";
};

// An error's fields as "field: message" lines joined by " | ", a bare message without the "field: ".
std::string describe(const Error& error) {
  std::string out;
  for (const FieldError& f : error.fields) {
    if (!out.empty()) out += " | ";
    if (!f.field.empty()) out += f.field + ": ";
    out += f.message;
  }
  return out;
}

template <class T>
std::string errors(const Result<T>& result) {
  if (result.ok()) return "<ok>";
  CHECK(result.error().code == ErrorCode::kInvalidArgument);
  return describe(result.error());
}

Result<TeamFields> create_team(std::string_view json_text) {
  return decode_team(body(json_text), WriteMode::kCreate, kEvents);
}

// The errors of a create of `{"name": "T", "limit_events": []}` with `member` added or replacing one of those.
std::string team_field_errors(std::string_view member) {
  json::object team = json::parse(R"({"name": "T", "limit_events": []})").as_object();
  const json::value extra = json::parse("{" + std::string(member) + "}");
  for (const auto& kv : extra.as_object()) team[kv.key()] = kv.value();
  return errors(decode_team(Input::from_json(team), WriteMode::kCreate, kEvents));
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

}  // namespace

// ---- Input ---------------------------------------------------------------------------------------------------------

TEST_CASE("json input reads members of a top-level object only", "[input]") {
  const Input in = body(R"({"name": "x", "n": null})");
  CHECK(in.kind() == Input::Kind::kJson);
  CHECK(in.contains("name"));
  CHECK(in.contains("n"));
  CHECK_FALSE(in.contains("other"));
  REQUIRE(in.json_member("name") != nullptr);
  CHECK(in.json_member("name")->as_string() == "x");
  CHECK(body(R"(["name"])").json_member("name") == nullptr);
  CHECK_FALSE(in.form_value("name").has_value());
}

TEST_CASE("form input reads the last value of a repeated key, and every value as a list", "[input]") {
  const Input in = form({{"limit_events", "a"}, {"name", "first"}, {"limit_events", "b"}, {"name", "last"}});
  CHECK(in.is_form());
  CHECK(in.form_value("name") == std::optional<std::string_view>("last"));
  CHECK(in.form_values("limit_events") == std::vector<std::string_view>{"a", "b"});
  CHECK(in.form_values("missing").empty());
  CHECK_FALSE(in.form_value("missing").has_value());
  CHECK(in.json_member("name") == nullptr);
}

// ---- Python views ------------------------------------------------------------------------------------------------

TEST_CASE("python type names of JSON values", "[python]") {
  CHECK(python_type_name(json::parse("null")) == "NoneType");
  CHECK(python_type_name(json::parse("true")) == "bool");
  CHECK(python_type_name(json::parse("1")) == "int");
  CHECK(python_type_name(json::parse("-1")) == "int");
  CHECK(python_type_name(json::parse("18446744073709551615")) == "int");
  CHECK(python_type_name(json::parse("1.0")) == "float");
  CHECK(python_type_name(json::parse("\"x\"")) == "str");
  CHECK(python_type_name(json::parse("[]")) == "list");
  CHECK(python_type_name(json::parse("{}")) == "dict");
}

TEST_CASE("python float repr uses the shortest digits and Python's exponent switch", "[python]") {
  CHECK(python_float_repr(1.5) == "1.5");
  CHECK(python_float_repr(1.0) == "1.0");
  CHECK(python_float_repr(100.0) == "100.0");
  CHECK(python_float_repr(0.1) == "0.1");
  CHECK(python_float_repr(-0.0) == "-0.0");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(1e15) == "1000000000000000.0");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(1e-05) == "1e-05");
  CHECK(python_float_repr(123456789012345678.0) == "1.2345678901234568e+17");
  CHECK(python_float_repr(2.5e-300) == "2.5e-300");
  CHECK(python_float_repr(5e-324) == "5e-324");
  CHECK(python_float_repr(1.7976931348623157e308) == "1.7976931348623157e+308");
}

TEST_CASE("python str of JSON values, containers as their repr", "[python]") {
  CHECK(python_str(json::parse("\"text\"")) == "text");
  CHECK(python_str(json::parse("1")) == "1");
  CHECK(python_str(json::parse("-7")) == "-7");
  CHECK(python_str(json::parse("1.5")) == "1.5");
  CHECK(python_str(json::parse("true")) == "True");
  CHECK(python_str(json::parse("false")) == "False");
  CHECK(python_str(json::parse("null")) == "None");
  CHECK(python_str(json::parse(R"({"a": [1, 1.0, null, true, "it's", "x"]})")) ==
        R"({'a': [1, 1.0, None, True, "it's", 'x']})");
  CHECK(python_str(json::parse(R"(["tab\t", "both ' and \"", "\\", "\u0000"])")) ==
        R"(['tab\t', 'both \' and "', '\\', '\x00'])");
  CHECK(python_str(json::parse(R"(["\u00e9\u00a0"])")) == "['\xc3\xa9\\xa0']");
}

TEST_CASE("python strip removes Unicode whitespace at both ends only", "[python]") {
  CHECK(python_strip("  a b \t\n") == "a b");
  CHECK(python_strip("\xc2\xa0x\xe3\x80\x80") == "x");  // NO-BREAK SPACE, IDEOGRAPHIC SPACE
  CHECK(python_strip("\x1cx\x1f") == "x");              // Python counts the information separators as space
  CHECK(python_strip(" \xe2\x80\x8b ") == "\xe2\x80\x8b");  // ZERO WIDTH SPACE is not whitespace
  CHECK(python_strip("   ").empty());
  CHECK(python_strip("").empty());
}

TEST_CASE("code points are counted, not bytes", "[python]") {
  CHECK(code_point_count("abc") == 3);
  CHECK(code_point_count("\xc3\xbc") == 1);          // ü
  CHECK(code_point_count("\xe4\xbe\x8b") == 1);      // 例
  CHECK(code_point_count("\xf0\x9f\x98\x80") == 1);  // 😀
  CHECK(code_point_count("") == 0);
}

// ---- Teams ----------------------------------------------------------------------------------------------------------

TEST_CASE("team permission names follow the serializer order", "[teams]") {
  CHECK(kTeamPermNames.front() == "can_create_events");
  CHECK(kTeamPermNames.back() == "can_manage_customers");
  for (TeamPerm perm : kAllTeamPerms) {
    CHECK(team_perm_from_name(team_perm_name(perm)) == perm);
    CHECK(kTeamFieldOrder[4 + team_perm_index(perm)] == team_perm_name(perm));
  }
  CHECK(team_perm_name(TeamPerm::kCheckinOrders) == "can_checkin_orders");
  CHECK_FALSE(team_perm_from_name("can_manage_reusable_media").has_value());
  CHECK_FALSE(team_perm_from_name("all_events").has_value());
}

TEST_CASE("an empty team create reports name then limit_events as required", "[teams]") {
  CHECK(errors(create_team("{}")) == "name: This field is required. | limit_events: This field is required.");
  CHECK(errors(decode_team(body("{}"), WriteMode::kReplace, kEvents)) ==
        "name: This field is required. | limit_events: This field is required.");
}

TEST_CASE("a team create with name and limit_events decodes, leaving the flags unsubmitted", "[teams]") {
  const Result<TeamFields> team = create_team(R"({"name": "Foobar", "limit_events": ["dummy"]})");
  REQUIRE(team.ok());
  CHECK(team->name == "Foobar");
  CHECK(team->limit_events == std::vector<std::string>{"dummy"});
  CHECK_FALSE(team->all_events.has_value());
  for (TeamPerm perm : kAllTeamPerms) CHECK_FALSE(team->perm(perm).has_value());
}

TEST_CASE("a PATCH requires nothing and decodes only what was sent", "[teams]") {
  const Result<TeamFields> empty = decode_team(body("{}"), WriteMode::kPartial, kEvents);
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->name.has_value());
  CHECK_FALSE(empty->limit_events.has_value());
  const Result<TeamFields> one = decode_team(body(R"({"can_change_event_settings": true})"), WriteMode::kPartial,
                                             kEvents);
  REQUIRE(one.ok());
  CHECK(one->perm(TeamPerm::kChangeEventSettings) == true);
  CHECK_FALSE(one->perm(TeamPerm::kChangeTeams).has_value());
  CHECK_FALSE(one->name.has_value());
}

TEST_CASE("a PUT requires name and limit_events but leaves missing JSON flags unsubmitted", "[teams]") {
  CHECK(errors(decode_team(body(R"({"name": "x"})"), WriteMode::kReplace, kEvents)) ==
        "limit_events: This field is required.");
  CHECK(errors(decode_team(body(R"({"limit_events": []})"), WriteMode::kReplace, kEvents)) ==
        "name: This field is required.");
  const Result<TeamFields> put =
      decode_team(body(R"({"name": "x", "limit_events": [], "all_events": true})"), WriteMode::kReplace, kEvents);
  REQUIRE(put.ok());
  CHECK(put->all_events == true);
  CHECK_FALSE(put->perm(TeamPerm::kViewOrders).has_value());
}

TEST_CASE("a PATCH still validates the fields it sends, with the same messages", "[teams]") {
  CHECK(errors(decode_team(body(R"({"name": null, "limit_events": "dummy", "can_view_orders": "maybe"})"),
                           WriteMode::kPartial, kEvents)) ==
        "name: This field may not be null. | limit_events: Expected a list of items but got type \"str\". | "
        "can_view_orders: Must be a valid boolean.");
}

TEST_CASE("team name follows DRF's CharField rules", "[teams][charfield]") {
  const auto name_of = [](std::string_view value) {
    const Result<TeamFields> team =
        create_team(R"({"limit_events": [], "name": )" + std::string(value) + "}");
    return team.ok() ? *team->name : "<error: " + describe(team.error()) + ">";
  };
  CHECK(name_of(R"("Admins")") == "Admins");
  CHECK(name_of(R"("  padded  ")") == "padded");
  CHECK(name_of(R"("\u00a0nbsp\u3000")") == "nbsp");
  CHECK(name_of("1") == "1");
  CHECK(name_of("-3") == "-3");
  CHECK(name_of("1.5") == "1.5");
  CHECK(name_of("1.0") == "1.0");
  CHECK(name_of("1e16") == "1e+16");
  CHECK(name_of("0") == "0");

  CHECK(team_field_errors(R"("name": true)") == "name: Not a valid string.");
  CHECK(team_field_errors(R"("name": false)") == "name: Not a valid string.");
  CHECK(team_field_errors(R"("name": [])") == "name: Not a valid string.");
  CHECK(team_field_errors(R"("name": ["x"])") == "name: Not a valid string.");
  CHECK(team_field_errors(R"("name": {})") == "name: Not a valid string.");
  CHECK(team_field_errors(R"("name": null)") == "name: This field may not be null.");
  CHECK(team_field_errors(R"("name": "")") == "name: This field may not be blank.");
  CHECK(team_field_errors(R"("name": "   ")") == "name: This field may not be blank.");
  CHECK(team_field_errors(R"("name": "\t\n")") == "name: This field may not be blank.");
  CHECK(team_field_errors(R"("name": "a\u0000b")") == "name: Null characters are not allowed.");
}

TEST_CASE("team name length counts code points, at most 190", "[teams][charfield]") {
  CHECK(create_team(R"({"limit_events": [], "name": ")" + repeat("a", 190) + "\"}").ok());
  CHECK(create_team(R"({"limit_events": [], "name": ")" + repeat("\xc3\xbc", 190) + "\"}").ok());
  CHECK(create_team(R"({"limit_events": [], "name": ")" + repeat("\xf0\x9f\x98\x80", 190) + "\"}").ok());
  CHECK(create_team(R"({"limit_events": [], "name": "  )" + repeat("a", 190) + "  \"}").ok());  // trimmed first
  CHECK(errors(create_team(R"({"limit_events": [], "name": ")" + repeat("a", 191) + "\"}")) ==
        "name: Ensure this field has no more than 190 characters.");
  CHECK(errors(create_team(R"({"limit_events": [], "name": ")" + repeat("\xc3\xbc", 191) + "\"}")) ==
        "name: Ensure this field has no more than 190 characters.");
}

TEST_CASE("a field lists every validator that fails, in validator order", "[teams][charfield]") {
  CHECK(errors(create_team(R"({"limit_events": [], "name": ")" + repeat("a", 191) + "\\u0000\"}")) ==
        "name: Ensure this field has no more than 190 characters. | name: Null characters are not allowed.");
}

TEST_CASE("boolean fields take DRF's true and false spellings", "[teams][boolean]") {
  const auto flag = [](std::string_view value) -> std::optional<bool> {
    const Result<TeamFields> team =
        create_team(R"({"name": "T", "limit_events": [], "can_view_orders": )" + std::string(value) + "}");
    if (!team.ok()) return std::nullopt;
    return team->perm(TeamPerm::kViewOrders);
  };
  for (std::string_view yes : {"true", "1", "1.0", R"("t")", R"("T")", R"("y")", R"("Y")", R"("yes")", R"("Yes")",
                               R"("YES")", R"("true")", R"("True")", R"("TRUE")", R"("on")", R"("On")", R"("ON")",
                               R"("1")"}) {
    INFO(yes);
    CHECK(flag(yes) == true);
  }
  for (std::string_view no : {"false", "0", "0.0", "-0.0", R"("f")", R"("F")", R"("n")", R"("N")", R"("no")",
                              R"("No")", R"("NO")", R"("false")", R"("False")", R"("FALSE")", R"("off")",
                              R"("Off")", R"("OFF")", R"("0")"}) {
    INFO(no);
    CHECK(flag(no) == false);
  }
}

TEST_CASE("boolean fields refuse other values and null", "[teams][boolean]") {
  for (std::string_view bad : {"2", "-1", "1.5", R"("")", R"(" true")", R"("tRUE")", R"("null")", R"("maybe")",
                               "[]", "[true]", "{}"}) {
    INFO(bad);
    CHECK(team_field_errors(R"("all_events": )" + std::string(bad)) == "all_events: Must be a valid boolean.");
  }
  CHECK(team_field_errors(R"("all_events": null)") == "all_events: This field may not be null.");
  CHECK(team_field_errors(R"("can_checkin_orders": null)") == "can_checkin_orders: This field may not be null.");
}

TEST_CASE("limit_events must be a list, other types name their Python type", "[teams][limit_events]") {
  CHECK(team_field_errors(R"("limit_events": "dummy")") ==
        "limit_events: Expected a list of items but got type \"str\".");
  CHECK(team_field_errors(R"("limit_events": 5)") == "limit_events: Expected a list of items but got type \"int\".");
  CHECK(team_field_errors(R"("limit_events": 1.5)") ==
        "limit_events: Expected a list of items but got type \"float\".");
  CHECK(team_field_errors(R"("limit_events": true)") ==
        "limit_events: Expected a list of items but got type \"bool\".");
  CHECK(team_field_errors(R"("limit_events": null)") == "limit_events: This field may not be null.");
}

TEST_CASE("limit_events resolves slugs against this organizer's events", "[teams][limit_events]") {
  const auto slugs = [](std::string_view value) {
    const Result<TeamFields> team = create_team(R"({"name": "T", "limit_events": )" + std::string(value) + "}");
    REQUIRE(team.ok());
    return *team->limit_events;
  };
  CHECK(slugs("[]").empty());
  CHECK(slugs(R"(["dummy"])") == std::vector<std::string>{"dummy"});
  CHECK(slugs(R"(["second", "dummy", "second"])") == std::vector<std::string>{"second", "dummy"});  // deduplicated
  CHECK(slugs("[5]") == std::vector<std::string>{"5"});                   // str(5)
  CHECK(slugs(R"([5, "5"])") == std::vector<std::string>{"5"});
  CHECK(slugs("[true]") == std::vector<std::string>{"True"});             // str(True)
  CHECK(slugs("{}").empty());                                             // a dict iterates its keys
  CHECK(slugs(R"({"dummy": 1})") == std::vector<std::string>{"dummy"});
}

TEST_CASE("the first unknown slug decides the limit_events message", "[teams][limit_events]") {
  CHECK(team_field_errors(R"("limit_events": ["nope"])") == "limit_events: Object with slug=nope does not exist.");
  CHECK(team_field_errors(R"("limit_events": ["dummy", "nope", "other"])") ==
        "limit_events: Object with slug=nope does not exist.");
  CHECK(team_field_errors(R"("limit_events": ["Dummy"])") == "limit_events: Object with slug=Dummy does not exist.");
  CHECK(team_field_errors(R"("limit_events": [" dummy"])") ==
        "limit_events: Object with slug= dummy does not exist.");
  CHECK(team_field_errors(R"("limit_events": [""])") == "limit_events: Object with slug= does not exist.");
  CHECK(team_field_errors(R"("limit_events": [7])") == "limit_events: Object with slug=7 does not exist.");
  CHECK(team_field_errors(R"("limit_events": [1.0])") == "limit_events: Object with slug=1.0 does not exist.");
  CHECK(team_field_errors(R"("limit_events": [false])") == "limit_events: Object with slug=False does not exist.");
  CHECK(team_field_errors(R"("limit_events": [null])") == "limit_events: Object with slug=None does not exist.");
}

TEST_CASE("limit_events items that are lists or dicts are looked up as their Python repr", "[teams][limit_events]") {
  // Django's CharField lookup compares str(item); DRF 3.14 + Django answer exactly this (checked with
  // tests/commands/oracle/drf_oracle.py).
  CHECK(team_field_errors(R"("limit_events": [{"a": 1}])") ==
        "limit_events: Object with slug={'a': 1} does not exist.");
  CHECK(team_field_errors(R"("limit_events": [["dummy"]])") ==
        "limit_events: Object with slug=['dummy'] does not exist.");
}

TEST_CASE("a slug holding a NUL character is an invalid value, as PostgreSQL refuses it", "[teams][limit_events]") {
  CHECK(team_field_errors(R"("limit_events": ["a\u0000"])") == "limit_events: Invalid value.");
  CHECK(team_field_errors(R"("limit_events": ["dummy", "x\u0000", "nope"])") == "limit_events: Invalid value.");
}

TEST_CASE("several failing team fields come back together in serializer order", "[teams]") {
  CHECK(errors(create_team(R"({"can_manage_customers": 2, "can_create_events": [], "limit_events": "dummy",
                               "all_events": "x", "name": ""})")) ==
        "name: This field may not be blank. | all_events: Must be a valid boolean. | "
        "limit_events: Expected a list of items but got type \"str\". | "
        "can_create_events: Must be a valid boolean. | can_manage_customers: Must be a valid boolean.");
  CHECK(errors(create_team(R"({"can_checkin_orders": "x", "can_view_orders": "x", "can_change_teams": "x"})")) ==
        "name: This field is required. | limit_events: This field is required. | "
        "can_change_teams: Must be a valid boolean. | can_view_orders: Must be a valid boolean. | "
        "can_checkin_orders: Must be a valid boolean.");
}

TEST_CASE("team id and unknown keys are ignored", "[teams]") {
  const Result<TeamFields> team =
      create_team(R"({"id": "not a number", "name": "T", "limit_events": [], "colour": [1], "active": false})");
  REQUIRE(team.ok());
  CHECK(team->name == "T");
}

TEST_CASE("a body that is not a JSON object is a non_field_errors error naming its Python type", "[teams]") {
  CHECK(errors(create_team("[]")) == "non_field_errors: Invalid data. Expected a dictionary, but got list.");
  CHECK(errors(create_team(R"(["name"])")) == "non_field_errors: Invalid data. Expected a dictionary, but got list.");
  CHECK(errors(create_team(R"("text")")) == "non_field_errors: Invalid data. Expected a dictionary, but got str.");
  CHECK(errors(create_team("1")) == "non_field_errors: Invalid data. Expected a dictionary, but got int.");
  CHECK(errors(create_team("1.5")) == "non_field_errors: Invalid data. Expected a dictionary, but got float.");
  CHECK(errors(create_team("true")) == "non_field_errors: Invalid data. Expected a dictionary, but got bool.");
  // DRF's Serializer.errors special case: a null body is "No data provided", whatever the mode.
  CHECK(errors(create_team("null")) == "non_field_errors: No data provided");
  CHECK(errors(decode_team(body("null"), WriteMode::kPartial, kEvents)) == "non_field_errors: No data provided");
  CHECK(errors(decode_token_name(body("[1]"))) ==
        "non_field_errors: Invalid data. Expected a dictionary, but got list.");
  CHECK(errors(decode_invite_email(body("\"a@b.cd\""))) ==
        "non_field_errors: Invalid data. Expected a dictionary, but got str.");
  CHECK(errors(decode_event(body("null"))) == "non_field_errors: No data provided");
}

TEST_CASE("form input fills in false flags and an empty limit_events on create and PUT", "[teams][form]") {
  for (WriteMode mode : {WriteMode::kCreate, WriteMode::kReplace}) {
    const Result<TeamFields> team = decode_team(form({{"name", "Form team"}}), mode, kEvents);
    REQUIRE(team.ok());
    CHECK(team->name == "Form team");
    CHECK(team->all_events == false);
    CHECK(team->limit_events == std::vector<std::string>{});
    for (TeamPerm perm : kAllTeamPerms) CHECK(team->perm(perm) == false);
  }
  CHECK(errors(decode_team(form({}), WriteMode::kCreate, kEvents)) == "name: This field is required.");
}

TEST_CASE("form input on PATCH leaves what is missing unsubmitted", "[teams][form]") {
  const Result<TeamFields> team = decode_team(form({{"can_view_orders", "on"}}), WriteMode::kPartial, kEvents);
  REQUIRE(team.ok());
  CHECK(team->perm(TeamPerm::kViewOrders) == true);
  CHECK_FALSE(team->all_events.has_value());
  CHECK_FALSE(team->limit_events.has_value());
  CHECK_FALSE(team->name.has_value());
}

TEST_CASE("an empty form value of a flag counts as not given", "[teams][form]") {
  const Result<TeamFields> team =
      decode_team(form({{"name", "x"}, {"all_events", ""}, {"can_view_orders", "true"}}), WriteMode::kCreate,
                  kEvents);
  REQUIRE(team.ok());
  CHECK_FALSE(team->all_events.has_value());
  CHECK(team->perm(TeamPerm::kViewOrders) == true);
  CHECK(team->perm(TeamPerm::kChangeTeams) == false);
}

TEST_CASE("form input reads repeated limit_events keys and the last of a repeated name", "[teams][form]") {
  const Result<TeamFields> team = decode_team(
      form({{"name", "a"}, {"limit_events", "dummy"}, {"limit_events", "second"}, {"name", "b"}}),
      WriteMode::kCreate, kEvents);
  REQUIRE(team.ok());
  CHECK(team->name == "b");
  CHECK(team->limit_events == std::vector<std::string>{"dummy", "second"});
  CHECK(errors(decode_team(form({{"name", "a"}, {"limit_events", ""}}), WriteMode::kCreate, kEvents)) ==
        "limit_events: Object with slug= does not exist.");
  CHECK(errors(decode_team(form({{"name", ""}, {"all_events", "null"}}), WriteMode::kCreate, kEvents)) ==
        "name: This field may not be blank. | all_events: Must be a valid boolean.");
}

TEST_CASE("limit_events together with all_events is refused on the merged state", "[teams][rules]") {
  CHECK(check_team_rules(false, false).ok());
  CHECK(check_team_rules(true, false).ok());
  CHECK(check_team_rules(false, true).ok());
  const Status both = check_team_rules(true, true);
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().code == ErrorCode::kInvalidArgument);
  CHECK(describe(both.error()) == "non_field_errors: Do not set both limit_events and all_events.");
}

// ---- Tokens -----------------------------------------------------------------------------------------------------

TEST_CASE("a token needs a name of at most 190 characters", "[tokens]") {
  CHECK(decode_token_name(body(R"({"name": "New token"})")).value() == "New token");
  CHECK(decode_token_name(form({{"name", " New token "}})).value() == "New token");
  CHECK(decode_token_name(body(R"({"name": "x", "active": false, "token": "y"})")).value() == "x");
  CHECK(decode_token_name(body(R"({"name": 12})")).value() == "12");
  CHECK(errors(decode_token_name(body("{}"))) == "name: This field is required.");
  CHECK(errors(decode_token_name(form({}))) == "name: This field is required.");
  CHECK(errors(decode_token_name(form({{"name", ""}}))) == "name: This field may not be blank.");
  CHECK(errors(decode_token_name(body(R"({"name": " "})"))) == "name: This field may not be blank.");
  CHECK(errors(decode_token_name(body(R"({"name": null})"))) == "name: This field may not be null.");
  CHECK(errors(decode_token_name(body(R"({"name": false})"))) == "name: Not a valid string.");
  CHECK(errors(decode_token_name(body(R"({"name": ")" + repeat("x", 191) + "\"}"))) ==
        "name: Ensure this field has no more than 190 characters.");
}

// ---- Invites ----------------------------------------------------------------------------------------------------

TEST_CASE("an invite email is returned trimmed, in the case it was sent", "[invites]") {
  CHECK(decode_invite_email(body(R"({"email": "newmail@dummy.dummy"})")).value() == "newmail@dummy.dummy");
  CHECK(decode_invite_email(body(R"({"email": "  Mixed.Case@Example.COM \n"})")).value() ==
        "Mixed.Case@Example.COM");
  CHECK(decode_invite_email(form({{"email", "dummy@dummy.dummy"}})).value() == "dummy@dummy.dummy");
  CHECK(decode_invite_email(body(R"({"email": "a@b.cd", "id": 5})")).value() == "a@b.cd");
}

TEST_CASE("an invite without an email key is the bare list 'No email address given.'", "[invites]") {
  for (const Input& in : {body("{}"), body(R"({"mail": "a@b.cd"})"), form({}), form({{"other", "x"}})}) {
    const Result<std::string> result = decode_invite_email(in);
    REQUIRE_FALSE(result.ok());
    REQUIRE(result.error().fields.size() == 1);
    CHECK(result.error().fields[0].field.empty());
    CHECK(result.error().fields[0].message == "No email address given.");
  }
}

TEST_CASE("an empty or null invite email is a field error (teamlog, unlike pretix)", "[invites]") {
  CHECK(errors(decode_invite_email(body(R"({"email": ""})"))) == "email: This field may not be blank.");
  CHECK(errors(decode_invite_email(body(R"({"email": "   "})"))) == "email: This field may not be blank.");
  CHECK(errors(decode_invite_email(form({{"email", ""}}))) == "email: This field may not be blank.");
  CHECK(errors(decode_invite_email(body(R"({"email": null})"))) == "email: This field may not be null.");
}

TEST_CASE("an invalid invite email is 'Enter a valid email address.', also for other JSON types", "[invites]") {
  CHECK(errors(decode_invite_email(body(R"({"email": "not an email"})"))) == "email: Enter a valid email address.");
  CHECK(errors(decode_invite_email(form({{"email", "a@b"}}))) == "email: Enter a valid email address.");
  // EmailField overrides CharField's 'invalid' message, so a bool or a list gets the email message too.
  CHECK(errors(decode_invite_email(body(R"({"email": true})"))) == "email: Enter a valid email address.");
  CHECK(errors(decode_invite_email(body(R"({"email": ["a@b.cd"]})"))) == "email: Enter a valid email address.");
  CHECK(errors(decode_invite_email(body(R"({"email": {}})"))) == "email: Enter a valid email address.");
  CHECK(errors(decode_invite_email(body(R"({"email": 5})"))) == "email: Enter a valid email address.");
}

TEST_CASE("an invite email longer than 254 reports the length first, and validity too when both fail",
          "[invites]") {
  const std::string long_valid = repeat("a", 250) + "@b.com";  // the local part has no length limit in Django
  CHECK(valid_email(long_valid));
  CHECK(errors(decode_invite_email(body(R"({"email": ")" + long_valid + "\"}"))) ==
        "email: Ensure this field has no more than 254 characters.");
  const std::string long_invalid = repeat("a", 250) + "@" + repeat("b", 70) + ".com";  // a 70-character label
  CHECK(errors(decode_invite_email(body(R"({"email": ")" + long_invalid + "\"}"))) ==
        "email: Ensure this field has no more than 254 characters. | email: Enter a valid email address.");
  const std::string exactly = repeat("a", 248) + "@b.com";
  CHECK(decode_invite_email(body(R"({"email": ")" + exactly + "\"}")).ok());
  CHECK(errors(decode_invite_email(body(R"({"email": "a\u0000@b.com"})"))) ==
        "email: Null characters are not allowed. | email: Enter a valid email address.");
}

// ---- Django's EmailValidator ------------------------------------------------------------------------------------

TEST_CASE("emails Django's validator accepts", "[email]") {
  const std::vector<std::string> valid = {
      "email@here.com",
      "weirder-email@here.and.there.com",
      "email@[127.0.0.1]",
      "email@[2001:dB8::1]",
      "email@[2001:dB8:0:0:0:0:0:1]",
      "email@[::fffF:127.0.0.1]",
      "example@valid-----hyphens.com",
      "example@valid-with-hyphens.com",
      "test@domain.with.idn.tld.\xe0\xa4\x89\xe0\xa4\xa6\xe0\xa4\xbe\xe0\xa4\xb9\xe0\xa4\xb0\xe0\xa4\xa3."
      "\xe0\xa4\xaa\xe0\xa4\xb0\xe0\xa5\x80\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7\xe0\xa4\xbe",  // उदाहरण.परीक्षा
      "email@localhost",
      "\"test@test\"@example.com",
      "example@atm." + repeat("a", 63),
      "example@" + repeat("a", 63) + ".atm",
      "example@" + repeat("a", 63) + "." + repeat("b", 10) + ".atm",
      "\"\\\011\"@here.com",
      "a@" + repeat("a", 63) + ".us",
      "email@[::1]",
      "email@[1::]",
      "email@[1:2:3:4:5:6:7::]",
      "email@[::ffff:1.2.3.4]",
      "\"\"@x.com",
      "\"a\\\"b\"@x.com",
      "a.b@x.com",
      "a!#$%&'*+/=?^_`{}|~@x.com",
      "a@B.COM",
      "a@b.-c",  // a TLD may start with a hyphen
      "a@b.12",
      "user@m\xc3\xbcller.de",                 // müller.de
      "user@stra\xc3\x9f" "e.de",              // straße.de
      "user@\xf0\x9f\x98\x80.com",             // 😀.com: Python's nameprep does not refuse unassigned code points
      "user@\xd9\x85\xd8\xab\xd8\xa7\xd9\x84.com",  // مثال.com, all right-to-left
      "user@a\xe3\x80\x82" "com",              // IDEOGRAPHIC FULL STOP separates labels
      "user@\xef\xbd\x85\xef\xbd\x98.com",     // ｅｘ.com: fullwidth letters fold to ASCII
      "user@a\xc2\xad" "b.com",                // SOFT HYPHEN is mapped to nothing
      "\xc4\xb1@example.com",                  // ı: Python's IGNORECASE [A-Z] matches it
      "user@example\xc5\xbf.com",              // ſ
      "\xe2\x84\xaa@x.co",                     // KELVIN SIGN
  };
  for (const std::string& email : valid) {
    INFO(email);
    CHECK(valid_email(email));
  }
}

TEST_CASE("emails Django's validator refuses", "[email]") {
  const std::vector<std::string> invalid = {
      "",
      "abc",
      "abc@",
      "abc@bar",
      "a @x.cz",
      "abc@.com",
      "something@@somewhere.com",
      "email@127.0.0.1",
      "email@[127.0.0.256]",
      "email@[2001:db8::12345]",
      "email@[2001:db8:0:0:0:0:1]",
      "email@[::ffff:127.0.0.256]",
      "email@[2001:dg8::1]",
      "email@[2001:dG8:0:0:0:0:0:1]",
      "email@[::fTzF:127.0.0.1]",
      "example@invalid-.com",
      "example@-invalid.com",
      "example@invalid.com-",
      "example@inv-.alid-.com",
      "example@inv-.-alid.com",
      "test@example.com\n\n<script src=\"x.js\">",
      "\"\\\012\"@here.com",
      "trailingdot@shouldfail.com.",
      "a@b.com\n",
      "a\n@b.com",
      "\"test@test\"\n@example.com",
      "a@[127.0.0.1]\n",
      "example@atm." + repeat("a", 64),
      "example@" + repeat("b", 64) + ".atm." + repeat("a", 63),
      "example@" + repeat("a", 64) + "." + repeat("b", 64) + ".atm",
      "a@" + repeat("a", 64) + ".us",
      "email@[1.2.3.04]",                                 // Python's ipaddress refuses leading zeros
      "email@[1:2:3:4:5:6:7:8:9]",
      "email@[0000:0000:0000:0000:0000:ffff:255.255.255.255]",  // over Django's 39-character IPv6 limit
      "email@[IPv6:::1]",
      "\"a\"b\"@x.com",
      "\"@x.com",
      ".a@x.com",
      "a.@x.com",
      "a..b@x.com",
      "a@b.c",
      "a@b.c-",
      "a@x_y.com",
      "\xc3\xbcser@example.com",                          // non-ASCII local part
      "user@\xd9\x85\xd8\xab\xd8\xa7\xd9\x84" "1.com",    // bidi: a right-to-left label must end right-to-left
      "user@\xd7\x90" "a\xd7\x91.com",                    // bidi: no left-to-right letters beside Hebrew
      "user@\xe2\x91\xb4.com",                            // ⑴ is "(1)"
      "user@a\xc2\xa0" "b.com",                           // NO-BREAK SPACE is prohibited
      "user@a.\xef\xbd\x85",                              // ｅ folds to the one-letter TLD "e"
      "user@a\xef\xb9\xa3.com",                           // SMALL HYPHEN-MINUS: "a-" ends with a hyphen
      "user@\xc2\xad.com",                                // a label of nothing but SOFT HYPHEN is empty
      "user@XN--\xc3\xbc.com",                            // a non-ASCII label may not start with "xn--"
      "user@" + repeat("\xc3\xbc", 60) + ".com",          // its punycode is over 63 characters
      "user@\xc3\xbc.",
      "user@\xc3\xbc..com",
      "x@" + repeat("a", 310) + ".com",                   // over 320 characters
  };
  for (const std::string& email : invalid) {
    INFO(email);
    CHECK_FALSE(valid_email(email));
  }
}

TEST_CASE("punycode encodes labels as RFC 3492 and Python do", "[email][punycode]") {
  CHECK(punycode_encode(U"b\u00fccher") == "bcher-kva");
  CHECK(punycode_encode(U"m\u00fcnchen") == "mnchen-3ya");
  CHECK(punycode_encode(U"\u00fc") == "tda");
  CHECK(punycode_encode(U"a\u00fc") == "a-eha");
  CHECK(punycode_encode(U"B\u00fccher-") == "Bcher--3ya");
  CHECK(punycode_encode(U"\u4f8b\u3048") == "r8jz45g");
  CHECK(punycode_encode(U"\U0001F600") == "e28h");
  CHECK(punycode_encode(U"\u0644\u064a\u0647\u0645\u0627\u0628\u062a\u0643\u0644\u0645\u0648\u0634\u0639\u0631"
                        U"\u0628\u064a\u061f") == "egbpdaj6bu4bxfgehfvwxn");  // RFC 3492 7.1 (A)
  CHECK(punycode_encode(U"\u4ed6\u4eec\u4e3a\u4ec0\u4e48\u4e0d\u8bf4\u4e2d\u6587") ==
        "ihqwcrb4cv8a8dqg056pqjye");  // RFC 3492 7.1 (B)
  CHECK(punycode_encode(U"abc") == "abc-");
  CHECK(punycode_encode(U"").empty());
}

TEST_CASE("stored emails are lowercased on ASCII letters only", "[email]") {
  CHECK(lowercase_email("Dummy@Dummy.DUMMY") == "dummy@dummy.dummy");
  CHECK(lowercase_email("user@M\xc3\x9c" "LLER.de") == "user@m\xc3\x9cller.de");  // Ü stays as sent
}

// ---- Slugs ------------------------------------------------------------------------------------------------------

TEST_CASE("organizer slugs follow pretix's pattern, length and banlist", "[slugs]") {
  CHECK(valid_organizer_slug("dummy"));
  CHECK(valid_organizer_slug("a1"));
  CHECK(valid_organizer_slug("big.events-2024"));
  CHECK(valid_organizer_slug(repeat("a", 50)));
  CHECK_FALSE(valid_organizer_slug(repeat("a", 51)));
  CHECK_FALSE(valid_organizer_slug("a"));
  CHECK_FALSE(valid_organizer_slug(""));
  CHECK_FALSE(valid_organizer_slug("-ab"));
  CHECK_FALSE(valid_organizer_slug("ab."));
  CHECK_FALSE(valid_organizer_slug("a_b"));
  CHECK_FALSE(valid_organizer_slug("a b"));
  CHECK_FALSE(valid_organizer_slug("m\xc3\xbc" "ller"));
  CHECK_FALSE(valid_organizer_slug("api"));
  CHECK_FALSE(valid_organizer_slug("about"));
  CHECK(valid_organizer_slug("events"));  // banned for events only
  CHECK_FALSE(valid_event_slug("events"));
  CHECK(valid_event_slug("about"));
  CHECK(valid_event_slug("dummy"));
  CHECK_FALSE(valid_event_slug("d"));
}

// ---- Datetimes --------------------------------------------------------------------------------------------------

TEST_CASE("datetimes parse as DRF's DateTimeField does and print as UTC isoformat", "[datetime]") {
  const auto utc = [](std::string_view text) -> std::string {
    const std::optional<std::int64_t> us = parse_datetime_us(text);
    return us ? format_datetime_utc(*us) : "<invalid>";
  };
  CHECK(utc("2017-12-27T10:00:00Z") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T10:00Z") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T10:00") == "2017-12-27T10:00:00Z");  // naive: UTC
  CHECK(utc("2017-12-27 10:00") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T11:00:00+01:00") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T04:30:00-0530") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T12:00:00+02") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T10:00:00.5Z") == "2017-12-27T10:00:00.500000Z");
  CHECK(utc("2017-12-27T10:00:00,123456Z") == "2017-12-27T10:00:00.123456Z");
  CHECK(utc("2017-12-27T10:00:00.1234567Z") == "2017-12-27T10:00:00.123456Z");  // truncated
  CHECK(utc("2017-1-2T3:4") == "2017-01-02T03:04:00Z");
  CHECK(utc("2017-12-27") == "2017-12-27T00:00:00Z");
  CHECK(utc("2017-12-27T10") == "2017-12-27T10:00:00Z");
  CHECK(utc("2017-12-27T10:00 Z") == "2017-12-27T10:00:00Z");
  CHECK(utc("2018-01-01T00:30:00+01:00") == "2017-12-31T23:30:00Z");
  CHECK(utc("2016-02-29T10:00") == "2016-02-29T10:00:00Z");
  CHECK(utc("1969-12-31T23:59:59.5Z") == "1969-12-31T23:59:59.500000Z");
  CHECK(parse_datetime_us("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_datetime_us("2017-12-27T10:00:00Z") == 1514368800LL * 1000000);

  for (std::string_view bad : {"", "foo", "27.12.2017", "2017-02-29T10:00", "2017-13-01T10:00", "2017-12-27T24:00",
                               "2017-12-27T10:60", "2017-12-27T10:00:60", "2017-12-27T10:00:00+24:00",
                               "2017-12-27T10:00:00Zx", "2017-12-27T10:00:00+01:0", "0000-01-01T00:00",
                               "0001-01-01T00:00:00+01:00", "2017-1-2", "20171227"}) {
    INFO(bad);
    CHECK_FALSE(parse_datetime_us(bad).has_value());
  }
}

// ---- Events -----------------------------------------------------------------------------------------------------

TEST_CASE("an event needs name, slug and date_from, reported in that order", "[events]") {
  CHECK(errors(decode_event(body("{}"))) ==
        "name: This field is required. | slug: This field is required. | date_from: This field is required.");
  CHECK(errors(decode_event(body(R"({"name": null, "slug": null, "date_from": null})"))) ==
        "name: This field may not be null. | slug: This field may not be null. | "
        "date_from: This field may not be null.");
}

TEST_CASE("a valid event decodes with a normalised UTC start", "[events]") {
  const Result<EventFields> event =
      decode_event(body(R"({"name": {"en": "Dummy", "de-informal": "Dummy"}, "slug": "dummy",
                           "date_from": "2017-12-27T11:00:00+01:00"})"));
  REQUIRE(event.ok());
  CHECK(event->slug == "dummy");
  CHECK(json::serialize(event->name) == R"({"en":"Dummy","de-informal":"Dummy"})");
  CHECK(event->date_from == "2017-12-27T10:00:00Z");
  CHECK(event->date_from_us == 1514368800LL * 1000000);
  const Result<EventFields> plain =
      decode_event(form({{"name", "Dummy"}, {"slug", " dummy "}, {"date_from", "2017-12-27T10:00Z"}}));
  REQUIRE(plain.ok());
  CHECK(plain->name.as_string() == "Dummy");
  CHECK(plain->slug == "dummy");
}

TEST_CASE("event names are strings or language maps of strings, not blank", "[events]") {
  const auto name_errors = [](std::string_view name) {
    return errors(decode_event(body(R"({"slug": "ok", "date_from": "2017-12-27", "name": )" + std::string(name) + "}")));
  };
  CHECK(name_errors(R"("")") == "name: This field may not be blank.");
  CHECK(name_errors(R"("  ")") == "name: This field may not be blank.");
  CHECK(name_errors("{}") == "name: This field may not be blank.");
  CHECK(name_errors(R"({"en": ""})") == "name: This field may not be blank.");
  CHECK(name_errors(R"({"EN": "x"})") == "name: Invalid languages included.");
  CHECK(name_errors(R"({"english": "x"})") == "name: Invalid languages included.");
  CHECK(name_errors(R"({"en": 5})") == "name: Invalid data type.");
  CHECK(name_errors("5") == "name: Invalid data type.");
  CHECK(name_errors("[\"x\"]") == "name: Invalid data type.");
  CHECK(name_errors(R"({"en": "", "de": "x"})") == "<ok>");
}

TEST_CASE("event slugs report pattern, banlist and length messages together", "[events]") {
  const auto slug_errors = [](std::string_view slug) {
    return errors(decode_event(body(R"({"name": "E", "date_from": "2017-12-27", "slug": )" + std::string(slug) + "}")));
  };
  CHECK(slug_errors(R"("")") == "slug: This field may not be blank.");
  CHECK(slug_errors(R"("a")") ==
        "slug: The slug may only contain letters, numbers, dots and dashes. | "
        "slug: Ensure this field has at least 2 characters.");
  CHECK(slug_errors(R"("a_b")") == "slug: The slug may only contain letters, numbers, dots and dashes.");
  CHECK(slug_errors(R"("-ab")") == "slug: The slug may only contain letters, numbers, dots and dashes.");
  CHECK(slug_errors(R"("api")") == "slug: This field has an invalid value: api.");
  CHECK(slug_errors(R"("csp_report")") ==
        "slug: The slug may only contain letters, numbers, dots and dashes. | "
        "slug: This field has an invalid value: csp_report.");
  CHECK(slug_errors("\"" + repeat("a", 51) + "\"") == "slug: Ensure this field has no more than 50 characters.");
  CHECK(slug_errors("true") == "slug: Not a valid string.");
  CHECK(slug_errors("42") == "<ok>");
}

TEST_CASE("an event slug already used by the organizer is refused after the field's own checks", "[events]") {
  const SlugTaken taken = [](std::string_view slug) { return slug == "dummy"; };
  CHECK(errors(decode_event(body(R"({"name": "E", "slug": "dummy", "date_from": "2017-12-27"})"), taken)) ==
        "slug: This slug has already been used for a different event.");
  CHECK(errors(decode_event(body(R"({"name": "E", "slug": "new", "date_from": "x"})"), taken)) ==
        "date_from: Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].");
}

TEST_CASE("an event start in the wrong format names the accepted formats", "[events]") {
  for (std::string_view date : {R"("27.12.2017")", R"("")", "1514368800", "true", R"(["2017-12-27"])"}) {
    INFO(date);
    CHECK(errors(decode_event(body(R"({"name": "E", "slug": "ok", "date_from": )" + std::string(date) + "}"))) ==
          "date_from: Datetime has wrong format. Use one of these formats instead: "
          "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].");
  }
}
