// The team resource as pretix's TeamSerializer writes it, shared by the teams fold and the commands' responses.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "events/kv.hpp"

namespace teamlog::projections {

inline constexpr std::size_t kTeamFlagCount = 12;
// The can_* flags in serializer order (the doc-era field set: customers, no reusable media).
inline constexpr std::array<std::string_view, kTeamFlagCount> kTeamFlagNames = {
    "can_create_events",         "can_change_teams", "can_change_organizer_settings", "can_manage_gift_cards",
    "can_change_event_settings", "can_change_items", "can_view_orders",               "can_change_orders",
    "can_view_vouchers",         "can_change_vouchers", "can_checkin_orders",         "can_manage_customers",
};

// Renders {"id",...} from a payload's "fields" object; limit_events come out in event order (date_from, name,
// slug) as this organizer's events stand in the teams view `teams_column`.
std::string render_team(const KvReader& kv, ColumnId teams_column, std::string_view organizer, std::int64_t id,
                        const boost::json::object& fields);

}  // namespace teamlog::projections
