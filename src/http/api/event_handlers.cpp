// Ticketed events (the ones limit_events names) and the audit log: DESIGN.md's additions to the teams API.
#include <algorithm>
#include <vector>

#include "commands/validation.hpp"
#include "http/api/handlers.hpp"
#include "http/api/python_int.hpp"

namespace teamlog::http::api {
namespace {

// The audit filters as a django-filter FilterSet reads them: an empty value is no filter, and every field is
// checked so that all bad ones are reported together, in declaration order.
Result<projections::AuditFilter> audit_filter(std::string_view query) {
  projections::AuditFilter filter;
  std::vector<FieldError> errors;
  if (auto team = query_param(query, "team"); team && !team->empty()) {
    if (auto id = parse_python_int(*team)) {
      filter.team = *id;
    } else {
      errors.push_back({"team", "Enter a number."});
    }
  }
  if (auto action_type = query_param(query, "action_type"); action_type && !action_type->empty()) {
    filter.action_type = std::move(*action_type);
  }
  if (auto after = query_param(query, "after"); after && !after->empty()) {
    if (auto position = parse_python_int(*after)) {
      filter.after = static_cast<std::uint64_t>(std::max<std::int64_t>(*position, 0));
    } else {
      errors.push_back({"after", "Enter a number."});
    }
  }
  if (auto since = query_param(query, "since"); since && !since->empty()) {
    if (auto us = commands::parse_datetime_us(*since)) {
      filter.since_us = *us;
    } else {
      errors.push_back({"since", "Enter a valid date/time."});
    }
  }
  if (!errors.empty()) return commands::validation_error(std::move(errors));
  return filter;
}

}  // namespace

void serve_events(Call& call) {
  if (call.is_read()) {
    return call.send_page([&](std::int64_t offset, std::int64_t limit) {
      return call.queries().events(call.organizer(), offset, limit);
    });
  }
  auto body = call.read_body();
  if (!body) return;
  call.write(commands::CreateEvent{std::string(call.organizer()), std::move(*body)});
}

void serve_event(Call& call) {
  if (call.is_read()) return call.send_found(call.queries().event(call.organizer(), call.param("slug")));
  call.write(commands::DeleteEvent{std::string(call.organizer()), std::string(call.param("slug"))});
}

void serve_audit_log(Call& call) {
  auto filter = audit_filter(call.request().query);
  if (!filter.ok()) return call.fail(filter.error());
  call.send_page([&](std::int64_t offset, std::int64_t limit) {
    return call.queries().audit(call.organizer(), *filter, offset, limit);
  });
}

}  // namespace teamlog::http::api
