// Form bodies (urlencoded and multipart) and Content-Type classification for DRF's parser selection.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/result.hpp"
#include "http/request.hpp"

namespace teamlog::http {

enum class BodyKind {
  kNone,       // no Content-Type header (or an empty one)
  kJson,       // application/json
  kForm,       // application/x-www-form-urlencoded
  kMultipart,  // multipart/form-data
  kOther,      // anything else: DRF answers 415
};

// Classifies by media type (case-insensitive, parameters ignored), as DRF picks a parser.
BodyKind classify_content_type(std::string_view content_type);

// A parameter of a Content-Type value, e.g. boundary or charset; quoted strings are unquoted.
std::optional<std::string> content_type_param(std::string_view content_type, std::string_view name);

// DRF's 415 detail: `Unsupported media type "<the Content-Type header as sent>" in request.`
std::string unsupported_media_type_detail(std::string_view content_type);

using FormFields = HeaderList;

// Parses a body of the given Content-Type. Classify first: for a type that is neither kForm nor kMultipart the
// error's message is the 415 detail (unsupported_media_type_detail), not a 400. Multipart parts that carry
// a filename are file uploads and are skipped (Django puts them in request.FILES, not request.data); parts without
// a name are skipped as Django does. Errors are kInvalidArgument with DRF's message,
// `Multipart form parse error - <reason>`. Values are valid UTF-8 (invalid bytes become U+FFFD).
Result<FormFields> parse_form(std::string_view content_type, std::string_view body);

}  // namespace teamlog::http
