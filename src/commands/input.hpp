// A request body as Django REST Framework sees it: a parsed JSON document, or HTML form data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace teamlog::commands {

// urlencoded or multipart fields in the order they came, repeated keys kept (`limit_events=a&limit_events=b`).
// Values are text: the HTTP layer decodes them as UTF-8, replacing invalid bytes with U+FFFD as Django does.
using FormPairs = std::vector<std::pair<std::string, std::string>>;

// DRF validates the two kinds differently (fields.py `html.is_html_input`): in form data a field that is left out
// of a non-partial write takes the field's `default_empty_html` (False for booleans, [] for many-related fields),
// an empty value counts as "not given" for optional fields, and a repeated key reads as its last value except
// for many-related fields, which read every value.
//
// Which kind to build (DRF's Request._parse):
// - `application/json`: from_json(parsed body); an empty body is from_json(boost::json::object{}).
// - `application/x-www-form-urlencoded`, `multipart/form-data`: from_form(pairs), an empty body too.
// - no Content-Type and an empty body: from_json(boost::json::object{}) (DRF hands the serializer a plain {}).
class Input {
 public:
  enum class Kind { kJson, kForm };

  static Input from_json(boost::json::value body);
  static Input from_form(FormPairs pairs);

  Kind kind() const { return kind_; }
  bool is_form() const { return kind_ == Kind::kForm; }

  // The whole body. json_body() only for kJson, form_pairs() only for kForm.
  const boost::json::value& json_body() const;
  const FormPairs& form_pairs() const;

  // Field access as a dictionary, which is how a serializer reads the body. For JSON these look into a top-level
  // object and find nothing when the body is not an object.
  bool contains(std::string_view key) const;
  // The JSON member `key`, or nullptr when the key is absent (kJson only; nullptr for form input).
  const boost::json::value* json_member(std::string_view key) const;
  // The last value given for `key` (QueryDict.__getitem__), or nullopt when absent (kForm only).
  std::optional<std::string_view> form_value(std::string_view key) const;
  // Every value given for `key`, in order (QueryDict.getlist); empty when absent (kForm only).
  std::vector<std::string_view> form_values(std::string_view key) const;

 private:
  Input(Kind kind, boost::json::value json, FormPairs form)
      : kind_(kind), json_(std::move(json)), form_(std::move(form)) {}

  Kind kind_;
  boost::json::value json_;
  FormPairs form_;
};

}  // namespace teamlog::commands
