// The teamlog side of the differential test (run.sh): answers drf_oracle.py's JSON-line cases with
// src/commands/validation.cpp. Built by run.sh only; not part of the CMake build.
#include <cstdlib>
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "commands/validation.hpp"

namespace {

using namespace teamlog::commands;
namespace json = boost::json;

// DRF's error body: {"field": [messages]} or a bare list.
json::value error_body(const teamlog::Error& error) {
  json::object fields;
  json::array bare;
  for (const teamlog::FieldError& f : error.fields) {
    if (f.field.empty()) {
      bare.emplace_back(json::string(f.message));
      continue;
    }
    if (!fields.contains(f.field)) fields[f.field] = json::array();
    fields[f.field].as_array().emplace_back(json::string(f.message));
  }
  if (!bare.empty()) return bare;
  return fields;
}

template <class T, class F>
json::value outcome(const teamlog::Result<T>& result, F&& to_json) {
  if (!result.ok()) return json::object{{"err", error_body(result.error())}};
  return json::object{{"ok", to_json(*result)}};
}

Input input_of(json::object& req) {
  if (!req.contains("form")) return Input::from_json(req["data"]);
  FormPairs pairs;
  for (const json::value& kv : req["form"].as_array()) {
    pairs.emplace_back(std::string(kv.as_array()[0].as_string()), std::string(kv.as_array()[1].as_string()));
  }
  return Input::from_form(std::move(pairs));
}

json::value answer(json::object& req) {
  const std::string op(req["op"].as_string());
  if (op == "email") return valid_email(std::string(req["s"].as_string()));
  if (op == "frepr") return json::string(python_float_repr(std::strtod(std::string(req["s"].as_string()).c_str(), nullptr)));
  if (op == "str") return json::string(python_str(req["v"]));
  if (op == "puny") {
    std::u32string label;
    for (const json::value& c : req["cps"].as_array()) label.push_back(static_cast<char32_t>(c.as_int64()));
    return json::string(punycode_encode(label));
  }
  if (op == "dt") {
    const auto us = parse_datetime_us(std::string(req["s"].as_string()));
    return us ? json::value(json::string(format_datetime_utc(*us))) : json::value(nullptr);
  }
  const Input in = input_of(req);
  if (op == "team") {
    const bool partial = req.contains("partial") && req["partial"].as_bool();
    const EventExists events = [](std::string_view s) { return s == "dummy" || s == "True" || s == "5"; };
    return outcome(decode_team(in, partial ? WriteMode::kPartial : WriteMode::kCreate, events),
                   [](const TeamFields& team) {
                     json::object o;
                     if (team.name) o["name"] = json::string(*team.name);
                     if (team.all_events) o["all_events"] = *team.all_events;
                     if (team.limit_events) {
                       json::array slugs;
                       for (const std::string& s : *team.limit_events) slugs.emplace_back(json::string(s));
                       o["limit_events"] = std::move(slugs);
                     }
                     for (TeamPerm p : kAllTeamPerms) {
                       if (team.perm(p)) o[team_perm_name(p)] = *team.perm(p);
                     }
                     return o;
                   });
  }
  if (op == "invite") {
    return outcome(decode_invite_email(in),
                   [](const std::string& email) { return json::object{{"email", json::string(email)}}; });
  }
  return outcome(decode_token_name(in),
                 [](const std::string& name) { return json::object{{"name", json::string(name)}}; });
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    json::value req = json::parse(line);
    std::cout << json::serialize(answer(req.as_object())) << "\n";
  }
}
