// Folds for the organizer, ticketed-event and user views.
#include <boost/json/parse.hpp>

#include "events/types.hpp"
#include "projections/json_text.hpp"
#include "projections/keys.hpp"
#include "projections/payload.hpp"
#include "projections/projections.hpp"

namespace teamlog::projections {
namespace types = event_types;

void apply_organizers(KvWriter& kv, ColumnId column, const EventView& ev) {
  if (ev.event.type != types::kOrganizerCreated) return;
  boost::json::object o;
  o["slug"] = str_of(ev.data, "slug");
  o["name"] = str_of(ev.data, "name");
  kv.put(column, keys::organizer(str_of(ev.data, "slug")), to_json(o));
}

void apply_events(KvWriter& kv, ColumnId column, const EventView& ev) {
  const auto& d = ev.data;
  if (ev.event.type == types::kEventCreated) {
    auto org = str_of(d, "organizer");
    auto slug = str_of(d, "slug");
    // The wire form, in pretix's EventSerializer order for the fields teamlog keeps.
    boost::json::object wire;
    wire["name"] = value_of(d, "name");
    wire["slug"] = slug;
    wire["date_from"] = str_of(d, "date_from");
    kv.put(column, keys::event(org, slug), to_json(wire));
    auto order = event_order_key(int_of(d, "date_from_us"), value_of(d, "name"), slug);
    kv.put(column, keys::event_sort_key(org, order), slug);
    kv.put(column, keys::event_sort_of(org, slug), order);
    kv.put(column, keys::event_id(org, slug), keys::be(int_of(d, "id")));
    kv.add_count(column, keys::event_count(org), 1);
    raise_seq(kv, column, int_of(d, "id"));
  } else if (ev.event.type == types::kEventDeleted) {
    auto org = str_of(d, "organizer");
    auto slug = str_of(d, "slug");
    if (auto order = kv.get(column, keys::event_sort_of(org, slug))) kv.del(column, keys::event_sort_key(org, *order));
    kv.del(column, keys::event_sort_of(org, slug));
    kv.del(column, keys::event(org, slug));
    kv.del(column, keys::event_id(org, slug));
    kv.add_count(column, keys::event_count(org), -1);
  }
}

void apply_users(KvWriter& kv, ColumnId column, const EventView& ev) {
  if (ev.event.type != types::kUserCreated) return;
  const auto& d = ev.data;
  boost::json::object wire;  // TeamMemberSerializer order
  wire["id"] = int_of(d, "id");
  wire["email"] = str_of(d, "email");
  wire["fullname"] = value_of(d, "fullname");
  wire["require_2fa"] = bool_of(d, "require_2fa");
  kv.put(column, keys::user(int_of(d, "id")), to_json(wire));
  kv.put(column, keys::user_email(str_of(d, "email")), keys::be(int_of(d, "id")));
  raise_seq(kv, column, int_of(d, "id"));
}

}  // namespace teamlog::projections
