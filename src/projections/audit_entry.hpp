// The audit entry shape shared by the audit view, the auditlog endpoint and `teamlogctl audit`.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "events/event.hpp"

namespace teamlog::projections {

// {"position","datetime","action_type","team","actor":{"type","id","name"},"data"}; data is what pretix logs.
std::string render_audit_entry(const Event& event, const boost::json::object& data);
// The organizer an event belongs to ("" for none, e.g. a user); a view of `data`.
std::string_view audit_organizer(const Event& event, const boost::json::object& data);

}  // namespace teamlog::projections
