// Form body parsing: urlencoded via the query-string decoder, multipart/form-data (RFC 7578) by hand.
#include "http/form.hpp"

#include <algorithm>

#include "http/ascii.hpp"
#include "events/utf8.hpp"

namespace teamlog::http {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) return {};
  const std::size_t e = s.find_last_not_of(kWhitespace);
  return s.substr(b, e - b + 1);
}

// Splits `; name=value; name="quoted \" value"` parameter lists (Content-Type, Content-Disposition) and returns the
// value of `name`, unquoted.
std::optional<std::string> header_param(std::string_view params, std::string_view name) {
  std::size_t i = 0;
  while (i < params.size()) {
    const std::size_t semi = params.find(';', i);
    if (semi == std::string_view::npos) return std::nullopt;
    i = semi + 1;
    const std::size_t eq = params.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    if (const std::size_t next = params.find(';', i); next < eq) continue;  // a parameter without a value
    const std::string_view key = trim(params.substr(i, eq - i));
    std::size_t j = eq + 1;
    while (j < params.size() && (params[j] == ' ' || params[j] == '\t')) ++j;
    std::string value;
    if (j < params.size() && params[j] == '"') {
      ++j;
      while (j < params.size() && params[j] != '"') {
        if (params[j] == '\\' && j + 1 < params.size()) ++j;
        value += params[j++];
      }
      i = j + 1;
    } else {
      const std::size_t end = std::min(params.find(';', j), params.size());
      value = std::string(trim(params.substr(j, end - j)));
      i = end;
    }
    if (ascii_iequals(key, name)) return value;
  }
  return std::nullopt;
}

Error multipart_error(std::string_view reason) {
  std::string message = "Multipart form parse error - ";
  message += reason;
  return Error::make(ErrorCode::kInvalidArgument, std::move(message));
}

Result<FormFields> parse_multipart(std::string_view content_type, std::string_view body) {
  const std::optional<std::string> boundary = content_type_param(content_type, "boundary");
  // RFC 2046: 1 to 70 characters. The message is Django's, "None" when the parameter is absent.
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return multipart_error("Invalid boundary in multipart: " + (boundary ? *boundary : std::string("None")));
  }
  const std::string delimiter = "--" + *boundary;
  const std::string inner_delimiter = "\r\n" + delimiter;

  // The first delimiter opens the body or follows a preamble line.
  std::size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    const std::size_t at = body.find(inner_delimiter);
    if (at == std::string_view::npos) return multipart_error("no opening boundary");
    pos = at + inner_delimiter.size();
  }

  FormFields fields;
  while (true) {
    // After a delimiter: "--" closes the body; otherwise optional transport padding and CRLF start a part.
    if (body.substr(pos, 2) == "--") return fields;
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return multipart_error("expected CRLF after boundary");
    pos += 2;

    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    // A part with no headers at all starts directly with the blank line.
    const bool no_headers = body.substr(pos, 2) == "\r\n";
    if (!no_headers && headers_end == std::string_view::npos) return multipart_error("unterminated part headers");
    const std::string_view headers = no_headers ? std::string_view() : body.substr(pos, headers_end - pos);
    pos = no_headers ? pos + 2 : headers_end + 4;

    const std::size_t content_end = body.find(inner_delimiter, pos);
    if (content_end == std::string_view::npos) return multipart_error("missing closing boundary");
    const std::string_view content = body.substr(pos, content_end - pos);
    pos = content_end + inner_delimiter.size();

    std::optional<std::string> name, filename;
    std::string_view rest = headers;
    while (!rest.empty()) {
      const std::size_t eol = rest.find("\r\n");
      const std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) return multipart_error("malformed part header");
      if (!ascii_iequals(trim(line.substr(0, colon)), "content-disposition")) continue;
      const std::string_view value = line.substr(colon + 1);
      const std::size_t semi = value.find(';');
      if (!ascii_iequals(trim(value.substr(0, semi)), "form-data")) continue;
      if (semi == std::string_view::npos) continue;
      name = header_param(value.substr(semi), "name");
      filename = header_param(value.substr(semi), "filename");
    }
    if (!name || name->empty() || filename) continue;
    fields.emplace_back(to_valid_utf8(std::move(*name)), to_valid_utf8(std::string(content)));
  }
}

}  // namespace

BodyKind classify_content_type(std::string_view content_type) {
  const std::string_view media_type = trim(content_type.substr(0, content_type.find(';')));
  if (media_type.empty()) return BodyKind::kNone;
  if (ascii_iequals(media_type, "application/json")) return BodyKind::kJson;
  if (ascii_iequals(media_type, "application/x-www-form-urlencoded")) return BodyKind::kForm;
  if (ascii_iequals(media_type, "multipart/form-data")) return BodyKind::kMultipart;
  return BodyKind::kOther;
}

std::optional<std::string> content_type_param(std::string_view content_type, std::string_view name) {
  const std::size_t semi = content_type.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  return header_param(content_type.substr(semi), name);
}

std::string unsupported_media_type_detail(std::string_view content_type) {
  std::string detail = "Unsupported media type \"";
  detail += content_type;
  detail += "\" in request.";
  return detail;
}

Result<FormFields> parse_form(std::string_view content_type, std::string_view body) {
  switch (classify_content_type(content_type)) {
    case BodyKind::kForm: return parse_query(body);
    case BodyKind::kMultipart: return parse_multipart(content_type, body);
    case BodyKind::kNone:
    case BodyKind::kJson:
    case BodyKind::kOther: break;
  }
  return Error::make(ErrorCode::kInvalidArgument, unsupported_media_type_detail(content_type));
}

}  // namespace teamlog::http
