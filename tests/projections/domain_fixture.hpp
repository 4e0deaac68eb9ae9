// A pure in-memory domain for GIVEN/WHEN/THEN tests: views in a MemKv, commands decided against them, and the
// resulting events folded back in, exactly as the writer does but without RocksDB.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "events/mem_kv.hpp"
#include "projections/projections.hpp"
#include "projections/queries.hpp"

namespace teamlog::testing {

class Domain : public EventReader {
 public:
  Domain() {
    for (const auto& def : projections::definitions()) {
      columns.ids[static_cast<std::size_t>(def.id)] = kv.ensure_column(def.name);
    }
    context.actor = Actor{ActorType::kToken, 1, "Foo"};
    context.request_id = "test";
    context.new_secret = [this](std::size_t n) {
      std::string s = "secret" + std::to_string(++secrets);
      s.resize(n, 'x');
      return s;
    };
  }

  // Decides and, on success, records and folds the events. Returns the decision or the error.
  Result<commands::Decision> run(commands::Command command) {
    auto d = commands::decide(kv, columns, command, context);
    if (d.ok()) record(d->append);
    return d;
  }

  // Like run(), but the command must succeed; returns its body.
  std::string ok(commands::Command command) {
    auto d = run(std::move(command));
    if (!d.ok()) throw std::runtime_error("command failed: " + d.error().to_string());
    return d->body;
  }

  void record(const AppendRequest& request) {
    for (const auto& p : request.events) {
      Event e;
      e.position = ++position;
      e.stream = p.stream;
      e.type = p.type;
      e.schema_version = p.schema_version;
      e.recorded_at_us = 1700000000000000 + static_cast<std::int64_t>(position);
      e.actor = request.actor;
      e.request_id = request.request_id;
      e.data = p.data;
      log.push_back(e);
      auto s = projections::apply_event(kv, columns, e);
      if (!s.ok()) throw std::runtime_error(s.error().to_string());
    }
  }

  projections::Queries queries() const { return projections::Queries(kv, columns, this); }
  Result<Event> read_event(std::uint64_t at) const override {
    if (at == 0 || at > log.size()) return Error::make(ErrorCode::kNotFound, "no event at position " + std::to_string(at));
    return log[at - 1];
  }

  static commands::Input json(const std::string& text) { return commands::Input::from_json(boost::json::parse(text)); }
  static commands::Input form(commands::FormPairs pairs) { return commands::Input::from_form(std::move(pairs)); }

  MemKv kv;
  projections::ViewColumns columns;
  commands::Context context;
  std::vector<Event> log;
  std::uint64_t position = 0;
  int secrets = 0;
};

// The pretix test fixtures (behaviour reference, section 6): organizer dummy, event dummy, team Test-Team with
// the token Foo, a second team "User team" limited to the event, user dummy@dummy.dummy (not a member).
struct PretixFixture : Domain {
  std::int64_t team = 0, second_team = 0, user = 0;
  PretixFixture();
};

}  // namespace teamlog::testing
