// Dictionary-style access to a JSON or form request body.
#include "commands/input.hpp"

#include <cassert>

#include <boost/json/object.hpp>

namespace teamlog::commands {

Input Input::from_json(boost::json::value body) { return Input(Kind::kJson, std::move(body), {}); }

Input Input::from_form(FormPairs pairs) { return Input(Kind::kForm, boost::json::value(), std::move(pairs)); }

const boost::json::value& Input::json_body() const {
  assert(kind_ == Kind::kJson);
  return json_;
}

const FormPairs& Input::form_pairs() const {
  assert(kind_ == Kind::kForm);
  return form_;
}

bool Input::contains(std::string_view key) const {
  if (kind_ == Kind::kJson) return json_member(key) != nullptr;
  return form_value(key).has_value();
}

const boost::json::value* Input::json_member(std::string_view key) const {
  if (kind_ != Kind::kJson) return nullptr;
  const boost::json::object* object = json_.if_object();
  if (object == nullptr) return nullptr;
  return object->if_contains(key);
}

std::optional<std::string_view> Input::form_value(std::string_view key) const {
  if (kind_ != Kind::kForm) return std::nullopt;
  std::optional<std::string_view> last;
  for (const auto& [k, v] : form_) {
    if (k == key) last = v;
  }
  return last;
}

std::vector<std::string_view> Input::form_values(std::string_view key) const {
  std::vector<std::string_view> out;
  if (kind_ != Kind::kForm) return out;
  for (const auto& [k, v] : form_) {
    if (k == key) out.emplace_back(v);
  }
  return out;
}

}  // namespace teamlog::commands
