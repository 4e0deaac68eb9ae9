// Fuzz target: the JSON command decoders (teams, tokens, invites, an acceptance's full name, events). A request body goes through the body parser (limits, UTF-8) and, when it
// parses, through every command decoder and the team rules, as the API would run them. Any outcome but a crash, a
// sanitizer report or an exception is fine: bad input must become a validation error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/input.hpp"
#include "commands/validation.hpp"
#include "http/json_body.hpp"

using namespace teamlog;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = http::parse_json_body(body, {.max_depth = 64, .max_bytes = 1u << 20});
  if (!parsed.ok()) return 0;
  const auto input = commands::Input::from_json(std::move(parsed).value());
  const auto exists = [](std::string_view slug) { return slug == "dummy" || slug == "event-1"; };
  for (auto mode : {commands::WriteMode::kCreate, commands::WriteMode::kReplace, commands::WriteMode::kPartial}) {
    auto team = commands::decode_team(input, mode, exists);
    if (team.ok()) {
      (void)commands::check_team_rules(team->all_events.value_or(false),
                                       team->limit_events && !team->limit_events->empty());
    }
  }
  (void)commands::decode_token_name(input);
  (void)commands::decode_invite_email(input);
  (void)commands::decode_fullname(input);
  (void)commands::decode_event(input, exists);
  return 0;
}
