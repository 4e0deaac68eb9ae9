// Request decoding with pretix's (Django REST Framework's) field rules and exact messages.
//
// The code follows DRF 3.12-3.15 (fields.py, relations.py, serializers.py) and Django 4.2's EmailValidator; the
// behaviour was checked against DRF 3.14 + Django 3.2 (Debian 12) with tests/commands/oracle/drf_oracle.py.
#include "commands/validation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <system_error>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "events/utf8.hpp"

namespace teamlog::commands {

namespace json = boost::json;

// ---- Messages ---------------------------------------------------------------------------------------------------

namespace messages {

std::string max_length(std::size_t limit) {
  return "Ensure this field has no more than " + std::to_string(limit) + " characters.";
}

std::string min_length(std::size_t limit) {
  return "Ensure this field has at least " + std::to_string(limit) + " characters.";
}

std::string not_a_list(std::string_view type) {
  return "Expected a list of items but got type \"" + std::string(type) + "\".";
}

std::string not_a_mapping(std::string_view type) {
  return "Invalid data. Expected a dictionary, but got " + std::string(type) + ".";
}

std::string slug_does_not_exist(std::string_view value) {
  return "Object with slug=" + std::string(value) + " does not exist.";
}

std::string surrogates(char32_t code_point) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%X", static_cast<unsigned>(code_point));
  return "Surrogate characters are not allowed: U+" + std::string(buf) + ".";
}

std::string banned_value(std::string_view value) {
  return "This field has an invalid value: " + std::string(value) + ".";
}

}  // namespace messages

Error validation_error(std::vector<FieldError> fields) {
  std::string summary;
  for (const FieldError& f : fields) {
    if (!summary.empty()) summary += "; ";
    if (!f.field.empty()) summary += f.field + ": ";
    summary += f.message;
  }
  return Error{ErrorCode::kInvalidArgument, std::move(summary), std::move(fields)};
}

namespace {

// ---- UTF-8 ------------------------------------------------------------------------------------------------------

constexpr char32_t kReplacement = 0xFFFD;

// One code point from `text` at `pos`, advancing `pos`. Malformed bytes read as U+FFFD, one byte each. Encoded
// surrogates (ED A0..BF xx, as WTF-8 writes Python's lone surrogates) read as themselves, so that DRF's
// surrogate check can see them.
char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const char32_t cp = teamlog::decode_utf8(text, pos, /*surrogates=*/true);
  return cp == kInvalidCodePoint ? kReplacement : cp;
}

std::u32string decode_code_points(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) out.push_back(next_code_point(text, pos));
  return out;
}

// Python's str.isspace().
bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_ascii_alpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_alnum(char32_t c) { return is_ascii_digit(c) || is_ascii_alpha(c); }

// ---- Python's str(), repr() and type names -----------------------------------------------------------------------

// str.isprintable() for a non-ASCII code point, approximated: the separators, format characters, C1 controls,
// surrogates and private-use planes are not printable; unassigned code points are taken as printable.
bool python_printable(char32_t c) {
  if (c <= 0xA0 || c == 0xAD || c == 0x061C || c == 0x1680 || c == 0x180E) return false;
  if (c >= 0x2000 && c <= 0x200F) return false;
  if (c >= 0x2028 && c <= 0x202F) return false;
  if (c >= 0x205F && c <= 0x206F) return false;
  if (c == 0x3000 || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB)) return false;
  if (c >= 0xD800 && c <= 0xF8FF) return false;  // surrogates, private use
  if (c >= 0xF0000) return false;                 // private use planes
  return true;
}

void append_python_repr_string(std::string& out, std::string_view text) {
  const std::u32string cps = decode_code_points(text);
  const bool has_single = cps.find(U'\'') != std::u32string::npos;
  const bool has_double = cps.find(U'"') != std::u32string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  char buf[16];
  out.push_back(quote);
  for (char32_t c : cps) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c < 0x7F || python_printable(c)) {
      append_utf8(out, c);
    } else if (c <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  out.push_back(quote);
}

void append_python_repr(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      append_python_repr_string(out, value.get_string());
      return;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ", ";
        first = false;
        append_python_repr(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ", ";
        first = false;
        append_python_repr_string(out, member.key());
        out += ": ";
        append_python_repr(out, member.value());
      }
      out.push_back('}');
      return;
    }
    default:
      out += python_str(value);
      return;
  }
}

}  // namespace

std::string python_type_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "NoneType";
    case json::kind::bool_: return "bool";
    case json::kind::int64:
    case json::kind::uint64: return "int";
    case json::kind::double_: return "float";
    case json::kind::string: return "str";
    case json::kind::array: return "list";
    case json::kind::object: return "dict";
  }
  return "object";
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // Shortest round-trip digits in scientific form, e.g. "-1.2345e-05"; Python's repr picks the same digits.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  std::size_t i = 0;
  if (sci[i] == '-') {
    out.push_back('-');
    ++i;
  }
  std::string digits;
  for (; i < sci.size() && sci[i] != 'e'; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  int exponent = 0;
  std::from_chars(sci.data() + i + 1 + (sci[i + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exponent);
  const int decpt = exponent + 1;  // position of the decimal point relative to the digits
  const int ndigits = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (ndigits > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
    out += ebuf;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decpt));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(decpt));
  }
  return out;
}

std::string python_str(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "None";
    case json::kind::bool_: return value.get_bool() ? "True" : "False";
    case json::kind::int64: return std::to_string(value.get_int64());
    case json::kind::uint64: return std::to_string(value.get_uint64());
    case json::kind::double_: return python_float_repr(value.get_double());
    case json::kind::string: return std::string(value.get_string());
    case json::kind::array:
    case json::kind::object: {
      std::string out;
      append_python_repr(out, value);
      return out;
    }
  }
  return {};
}

std::string_view python_strip(std::string_view text) {
  std::size_t begin = text.size();
  std::size_t end = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const char32_t c = next_code_point(text, pos);
    if (!is_python_space(c)) {
      if (begin == text.size()) begin = start;
      end = pos;
    }
  }
  if (begin == text.size()) return text.substr(0, 0);
  return text.substr(begin, end - begin);
}

std::size_t code_point_count(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) next_code_point(text, pos);
  return count;
}

std::string lowercase_email(std::string_view email) {
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ---- Django's EmailValidator -------------------------------------------------------------------------------------

namespace {

struct CodeRange {
  char32_t lo;
  char32_t hi;
};

struct AsciiMapping {
  char32_t lo;
  char32_t hi;
  std::uint8_t length;  // of the ASCII that nameprep maps each of these code points to
};

// IDNA 2003 nameprep tables from Python's stringprep module (Unicode 3.2) and unicodedata, for code points from
// U+0080 on. Generated by tests/commands/oracle/gen_idna_tables.py.
// B.1: removed before anything else (8 ranges).
constexpr CodeRange kMappedToNothing[] = {
    {0xAD, 0xAD}, {0x34F, 0x34F}, {0x1806, 0x1806}, {0x180B, 0x180D}, {0x200B, 0x200D}, {0x2060, 0x2060},
    {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
};
// C.1.2, C.2.2, C.3-C.9: a label holding one cannot be encoded (33 ranges).
constexpr CodeRange kProhibited[] = {
    {0x80, 0xA0}, {0x340, 0x341}, {0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x1680, 0x1680}, {0x180E, 0x180E},
    {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x2063}, {0x206A, 0x206F}, {0x2FF0, 0x2FFB}, {0x3000, 0x3000},
    {0xD800, 0xF8FF}, {0xFDD0, 0xFDEF}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFF}, {0x1D173, 0x1D17A}, {0x1FFFE, 0x1FFFF},
    {0x2FFFE, 0x2FFFF}, {0x3FFFE, 0x3FFFF}, {0x4FFFE, 0x4FFFF}, {0x5FFFE, 0x5FFFF}, {0x6FFFE, 0x6FFFF},
    {0x7FFFE, 0x7FFFF}, {0x8FFFE, 0x8FFFF}, {0x9FFFE, 0x9FFFF}, {0xAFFFE, 0xAFFFF}, {0xBFFFE, 0xBFFFF},
    {0xCFFFE, 0xCFFFF}, {0xDFFFE, 0xDFFFF}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xEFFFE, 0x10FFFF},
};
// D.1: right-to-left characters (bidi R or AL) (34 ranges).
constexpr CodeRange kRandAL[] = {
    {0x5BE, 0x5BE}, {0x5C0, 0x5C0}, {0x5C3, 0x5C3}, {0x5D0, 0x5EA}, {0x5F0, 0x5F4}, {0x61B, 0x61B}, {0x61F, 0x61F},
    {0x621, 0x63A}, {0x640, 0x64A}, {0x66D, 0x66F}, {0x671, 0x6D5}, {0x6DD, 0x6DD}, {0x6E5, 0x6E6}, {0x6FA, 0x6FE},
    {0x700, 0x70D}, {0x710, 0x710}, {0x712, 0x72C}, {0x780, 0x7A5}, {0x7B1, 0x7B1}, {0x200F, 0x200F},
    {0xFB1D, 0xFB1D}, {0xFB1F, 0xFB28}, {0xFB2A, 0xFB36}, {0xFB38, 0xFB3C}, {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41},
    {0xFB43, 0xFB44}, {0xFB46, 0xFBB1}, {0xFBD3, 0xFD3D}, {0xFD50, 0xFD8F}, {0xFD92, 0xFDC7}, {0xFDF0, 0xFDFC},
    {0xFE70, 0xFE74}, {0xFE76, 0xFEFC},
};
// D.2: left-to-right characters (bidi L) (358 ranges).
constexpr CodeRange kLeftToRight[] = {
    {0xAA, 0xAA}, {0xB5, 0xB5}, {0xBA, 0xBA}, {0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x220}, {0x222, 0x233},
    {0x250, 0x2AD}, {0x2B0, 0x2B8}, {0x2BB, 0x2C1}, {0x2D0, 0x2D1}, {0x2E0, 0x2E4}, {0x2EE, 0x2EE}, {0x37A, 0x37A},
    {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3CE}, {0x3D0, 0x3F5}, {0x400, 0x482},
    {0x48A, 0x4CE}, {0x4D0, 0x4F5}, {0x4F8, 0x4F9}, {0x500, 0x50F}, {0x531, 0x556}, {0x559, 0x55F}, {0x561, 0x587},
    {0x589, 0x589}, {0x903, 0x903}, {0x905, 0x939}, {0x93D, 0x940}, {0x949, 0x94C}, {0x950, 0x950}, {0x958, 0x961},
    {0x964, 0x970}, {0x982, 0x983}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8}, {0x9AA, 0x9B0}, {0x9B2, 0x9B2},
    {0x9B6, 0x9B9}, {0x9BE, 0x9C0}, {0x9C7, 0x9C8}, {0x9CB, 0x9CC}, {0x9D7, 0x9D7}, {0x9DC, 0x9DD}, {0x9DF, 0x9E1},
    {0x9E6, 0x9F1}, {0x9F4, 0x9FA}, {0xA05, 0xA0A}, {0xA0F, 0xA10}, {0xA13, 0xA28}, {0xA2A, 0xA30}, {0xA32, 0xA33},
    {0xA35, 0xA36}, {0xA38, 0xA39}, {0xA3E, 0xA40}, {0xA59, 0xA5C}, {0xA5E, 0xA5E}, {0xA66, 0xA6F}, {0xA72, 0xA74},
    {0xA83, 0xA83}, {0xA85, 0xA8B}, {0xA8D, 0xA8D}, {0xA8F, 0xA91}, {0xA93, 0xAA8}, {0xAAA, 0xAB0}, {0xAB2, 0xAB3},
    {0xAB5, 0xAB9}, {0xABD, 0xAC0}, {0xAC9, 0xAC9}, {0xACB, 0xACC}, {0xAD0, 0xAD0}, {0xAE0, 0xAE0}, {0xAE6, 0xAEF},
    {0xB02, 0xB03}, {0xB05, 0xB0C}, {0xB0F, 0xB10}, {0xB13, 0xB28}, {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB36, 0xB39},
    {0xB3D, 0xB3E}, {0xB40, 0xB40}, {0xB47, 0xB48}, {0xB4B, 0xB4C}, {0xB57, 0xB57}, {0xB5C, 0xB5D}, {0xB5F, 0xB61},
    {0xB66, 0xB70}, {0xB83, 0xB83}, {0xB85, 0xB8A}, {0xB8E, 0xB90}, {0xB92, 0xB95}, {0xB99, 0xB9A}, {0xB9C, 0xB9C},
    {0xB9E, 0xB9F}, {0xBA3, 0xBA4}, {0xBA8, 0xBAA}, {0xBAE, 0xBB5}, {0xBB7, 0xBB9}, {0xBBE, 0xBBF}, {0xBC1, 0xBC2},
    {0xBC6, 0xBC8}, {0xBCA, 0xBCC}, {0xBD7, 0xBD7}, {0xBE7, 0xBF2}, {0xC01, 0xC03}, {0xC05, 0xC0C}, {0xC0E, 0xC10},
    {0xC12, 0xC28}, {0xC2A, 0xC33}, {0xC35, 0xC39}, {0xC41, 0xC44}, {0xC60, 0xC61}, {0xC66, 0xC6F}, {0xC82, 0xC83},
    {0xC85, 0xC8C}, {0xC8E, 0xC90}, {0xC92, 0xCA8}, {0xCAA, 0xCB3}, {0xCB5, 0xCB9}, {0xCBE, 0xCBE}, {0xCC0, 0xCC4},
    {0xCC7, 0xCC8}, {0xCCA, 0xCCB}, {0xCD5, 0xCD6}, {0xCDE, 0xCDE}, {0xCE0, 0xCE1}, {0xCE6, 0xCEF}, {0xD02, 0xD03},
    {0xD05, 0xD0C}, {0xD0E, 0xD10}, {0xD12, 0xD28}, {0xD2A, 0xD39}, {0xD3E, 0xD40}, {0xD46, 0xD48}, {0xD4A, 0xD4C},
    {0xD57, 0xD57}, {0xD60, 0xD61}, {0xD66, 0xD6F}, {0xD82, 0xD83}, {0xD85, 0xD96}, {0xD9A, 0xDB1}, {0xDB3, 0xDBB},
    {0xDBD, 0xDBD}, {0xDC0, 0xDC6}, {0xDCF, 0xDD1}, {0xDD8, 0xDDF}, {0xDF2, 0xDF4}, {0xE01, 0xE30}, {0xE32, 0xE33},
    {0xE40, 0xE46}, {0xE4F, 0xE5B}, {0xE81, 0xE82}, {0xE84, 0xE84}, {0xE87, 0xE88}, {0xE8A, 0xE8A}, {0xE8D, 0xE8D},
    {0xE94, 0xE97}, {0xE99, 0xE9F}, {0xEA1, 0xEA3}, {0xEA5, 0xEA5}, {0xEA7, 0xEA7}, {0xEAA, 0xEAB}, {0xEAD, 0xEB0},
    {0xEB2, 0xEB3}, {0xEBD, 0xEBD}, {0xEC0, 0xEC4}, {0xEC6, 0xEC6}, {0xED0, 0xED9}, {0xEDC, 0xEDD}, {0xF00, 0xF17},
    {0xF1A, 0xF34}, {0xF36, 0xF36}, {0xF38, 0xF38}, {0xF3E, 0xF47}, {0xF49, 0xF6A}, {0xF7F, 0xF7F}, {0xF85, 0xF85},
    {0xF88, 0xF8B}, {0xFBE, 0xFC5}, {0xFC7, 0xFCC}, {0xFCF, 0xFCF}, {0x1000, 0x1021}, {0x1023, 0x1027},
    {0x1029, 0x102A}, {0x102C, 0x102C}, {0x1031, 0x1031}, {0x1038, 0x1038}, {0x1040, 0x1057}, {0x10A0, 0x10C5},
    {0x10D0, 0x10F8}, {0x10FB, 0x10FB}, {0x1100, 0x1159}, {0x115F, 0x11A2}, {0x11A8, 0x11F9}, {0x1200, 0x1206},
    {0x1208, 0x1246}, {0x1248, 0x1248}, {0x124A, 0x124D}, {0x1250, 0x1256}, {0x1258, 0x1258}, {0x125A, 0x125D},
    {0x1260, 0x1286}, {0x1288, 0x1288}, {0x128A, 0x128D}, {0x1290, 0x12AE}, {0x12B0, 0x12B0}, {0x12B2, 0x12B5},
    {0x12B8, 0x12BE}, {0x12C0, 0x12C0}, {0x12C2, 0x12C5}, {0x12C8, 0x12CE}, {0x12D0, 0x12D6}, {0x12D8, 0x12EE},
    {0x12F0, 0x130E}, {0x1310, 0x1310}, {0x1312, 0x1315}, {0x1318, 0x131E}, {0x1320, 0x1346}, {0x1348, 0x135A},
    {0x1361, 0x137C}, {0x13A0, 0x13F4}, {0x1401, 0x1676}, {0x1681, 0x169A}, {0x16A0, 0x16F0}, {0x1700, 0x170C},
    {0x170E, 0x1711}, {0x1720, 0x1731}, {0x1735, 0x1736}, {0x1740, 0x1751}, {0x1760, 0x176C}, {0x176E, 0x1770},
    {0x1780, 0x17B6}, {0x17BE, 0x17C5}, {0x17C7, 0x17C8}, {0x17D4, 0x17DA}, {0x17DC, 0x17DC}, {0x17E0, 0x17E9},
    {0x1810, 0x1819}, {0x1820, 0x1877}, {0x1880, 0x18A8}, {0x1E00, 0x1E9B}, {0x1EA0, 0x1EF9}, {0x1F00, 0x1F15},
    {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4},
    {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC},
    {0x200E, 0x200E}, {0x2071, 0x2071}, {0x207F, 0x207F}, {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113},
    {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128}, {0x212A, 0x212D},
    {0x212F, 0x2131}, {0x2133, 0x2139}, {0x213D, 0x213F}, {0x2145, 0x2149}, {0x2160, 0x2183}, {0x2336, 0x237A},
    {0x2395, 0x2395}, {0x249C, 0x24E9}, {0x3005, 0x3007}, {0x3021, 0x3029}, {0x3031, 0x3035}, {0x3038, 0x303C},
    {0x3041, 0x3096}, {0x309D, 0x309F}, {0x30A1, 0x30FA}, {0x30FC, 0x30FF}, {0x3105, 0x312C}, {0x3131, 0x318E},
    {0x3190, 0x31B7}, {0x31F0, 0x321C}, {0x3220, 0x3243}, {0x3260, 0x327B}, {0x327F, 0x32B0}, {0x32C0, 0x32CB},
    {0x32D0, 0x32FE}, {0x3300, 0x3376}, {0x337B, 0x33DD}, {0x33E0, 0x33FE}, {0x3400, 0x4DB5}, {0x4E00, 0x9FA5},
    {0xA000, 0xA48C}, {0xAC00, 0xD7A3}, {0xD800, 0xFA2D}, {0xFA30, 0xFA6A}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17},
    {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0xFF66, 0xFFBE}, {0xFFC2, 0xFFC7}, {0xFFCA, 0xFFCF}, {0xFFD2, 0xFFD7},
    {0xFFDA, 0xFFDC}, {0x10300, 0x1031E}, {0x10320, 0x10323}, {0x10330, 0x1034A}, {0x10400, 0x10425},
    {0x10428, 0x1044D}, {0x1D000, 0x1D0F5}, {0x1D100, 0x1D126}, {0x1D12A, 0x1D166}, {0x1D16A, 0x1D172},
    {0x1D183, 0x1D184}, {0x1D18C, 0x1D1A9}, {0x1D1AE, 0x1D1DD}, {0x1D400, 0x1D454}, {0x1D456, 0x1D49C},
    {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9},
    {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C0}, {0x1D4C2, 0x1D4C3}, {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A},
    {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544},
    {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A3}, {0x1D6A8, 0x1D7C9}, {0x20000, 0x2A6D6},
    {0x2F800, 0x2FA1D}, {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
};
// NFKC(B.2(c)) holds ASCII other than letters, digits and '-' (69 ranges).
constexpr CodeRange kMapsToNonHostAscii[] = {
    {0xA0, 0xA0}, {0xA8, 0xA8}, {0xAF, 0xAF}, {0xB4, 0xB4}, {0xB8, 0xB8}, {0x2D8, 0x2DD}, {0x37A, 0x37A},
    {0x37E, 0x37E}, {0x384, 0x385}, {0x1FBD, 0x1FBD}, {0x1FBF, 0x1FC1}, {0x1FCD, 0x1FCF}, {0x1FDD, 0x1FDF},
    {0x1FED, 0x1FEF}, {0x1FFD, 0x1FFE}, {0x2000, 0x200A}, {0x2017, 0x2017}, {0x2024, 0x2026}, {0x202F, 0x202F},
    {0x203C, 0x203C}, {0x203E, 0x203E}, {0x2047, 0x2049}, {0x205F, 0x205F}, {0x207A, 0x207A}, {0x207C, 0x207E},
    {0x208A, 0x208A}, {0x208C, 0x208E}, {0x2100, 0x2101}, {0x2105, 0x2106}, {0x2474, 0x24B5}, {0x2A74, 0x2A76},
    {0x3000, 0x3000}, {0x309B, 0x309C}, {0x3200, 0x321E}, {0x3220, 0x3243}, {0x33C2, 0x33C2}, {0x33C7, 0x33C7},
    {0x33D8, 0x33D8}, {0xFB29, 0xFB29}, {0xFC5E, 0xFC63}, {0xFDFA, 0xFDFB}, {0xFE10, 0xFE10}, {0xFE13, 0xFE16},
    {0xFE19, 0xFE19}, {0xFE30, 0xFE30}, {0xFE33, 0xFE38}, {0xFE47, 0xFE50}, {0xFE52, 0xFE52}, {0xFE54, 0xFE57},
    {0xFE59, 0xFE5C}, {0xFE5F, 0xFE62}, {0xFE64, 0xFE66}, {0xFE68, 0xFE6B}, {0xFE70, 0xFE70}, {0xFE72, 0xFE72},
    {0xFE74, 0xFE74}, {0xFE76, 0xFE76}, {0xFE78, 0xFE78}, {0xFE7A, 0xFE7A}, {0xFE7C, 0xFE7C}, {0xFE7E, 0xFE7E},
    {0xFF01, 0xFF0C}, {0xFF0E, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF5E}, {0xFFE3, 0xFFE3},
    {0x1F100, 0x1F10A}, {0x1F110, 0x1F129},
};
// NFKC(B.2(c)) is nothing but ASCII letters, digits and '-': the code points and that ASCII's length (163 ranges).
constexpr AsciiMapping kMapsToHostAscii[] = {
    {0xAA, 0xAA, 1}, {0xB2, 0xB3, 1}, {0xB9, 0xBA, 1}, {0xDF, 0xDF, 2}, {0x132, 0x133, 2}, {0x17F, 0x17F, 1},
    {0x1C7, 0x1CC, 2}, {0x1F1, 0x1F3, 2}, {0x2B0, 0x2B0, 1}, {0x2B2, 0x2B3, 1}, {0x2B7, 0x2B8, 1}, {0x2E1, 0x2E3, 1},
    {0x1D2C, 0x1D2C, 1}, {0x1D2E, 0x1D2E, 1}, {0x1D30, 0x1D31, 1}, {0x1D33, 0x1D3A, 1}, {0x1D3C, 0x1D3C, 1},
    {0x1D3E, 0x1D43, 1}, {0x1D47, 0x1D49, 1}, {0x1D4D, 0x1D4D, 1}, {0x1D4F, 0x1D50, 1}, {0x1D52, 0x1D52, 1},
    {0x1D56, 0x1D58, 1}, {0x1D5B, 0x1D5B, 1}, {0x1D62, 0x1D65, 1}, {0x1D9C, 0x1D9C, 1}, {0x1DA0, 0x1DA0, 1},
    {0x1DBB, 0x1DBB, 1}, {0x1E9E, 0x1E9E, 2}, {0x2070, 0x2071, 1}, {0x2074, 0x2079, 1}, {0x207F, 0x2089, 1},
    {0x2090, 0x2093, 1}, {0x2095, 0x209C, 1}, {0x20A8, 0x20A8, 2}, {0x2102, 0x2102, 1}, {0x210A, 0x210E, 1},
    {0x2110, 0x2113, 1}, {0x2115, 0x2115, 1}, {0x2116, 0x2116, 2}, {0x2119, 0x211D, 1}, {0x2120, 0x2120, 2},
    {0x2121, 0x2121, 3}, {0x2122, 0x2122, 2}, {0x2124, 0x2124, 1}, {0x2128, 0x2128, 1}, {0x212A, 0x212A, 1},
    {0x212C, 0x212D, 1}, {0x212F, 0x2131, 1}, {0x2133, 0x2134, 1}, {0x2139, 0x2139, 1}, {0x213B, 0x213B, 3},
    {0x2145, 0x2149, 1}, {0x2160, 0x2160, 1}, {0x2161, 0x2161, 2}, {0x2162, 0x2162, 3}, {0x2163, 0x2163, 2},
    {0x2164, 0x2164, 1}, {0x2165, 0x2165, 2}, {0x2166, 0x2166, 3}, {0x2167, 0x2167, 4}, {0x2168, 0x2168, 2},
    {0x2169, 0x2169, 1}, {0x216A, 0x216A, 2}, {0x216B, 0x216B, 3}, {0x216C, 0x2170, 1}, {0x2171, 0x2171, 2},
    {0x2172, 0x2172, 3}, {0x2173, 0x2173, 2}, {0x2174, 0x2174, 1}, {0x2175, 0x2175, 2}, {0x2176, 0x2176, 3},
    {0x2177, 0x2177, 4}, {0x2178, 0x2178, 2}, {0x2179, 0x2179, 1}, {0x217A, 0x217A, 2}, {0x217B, 0x217B, 3},
    {0x217C, 0x217F, 1}, {0x2460, 0x2468, 1}, {0x2469, 0x2473, 2}, {0x24B6, 0x24EA, 1}, {0x2C7C, 0x2C7D, 1},
    {0x3250, 0x3250, 3}, {0x3251, 0x325F, 2}, {0x32B1, 0x32BF, 2}, {0x32CC, 0x32CC, 2}, {0x32CD, 0x32CD, 3},
    {0x32CE, 0x32CE, 2}, {0x32CF, 0x32CF, 3}, {0x3371, 0x3371, 3}, {0x3372, 0x3373, 2}, {0x3374, 0x3374, 3},
    {0x3375, 0x3377, 2}, {0x3378, 0x3379, 3}, {0x337A, 0x337A, 2}, {0x3380, 0x3381, 2}, {0x3383, 0x3387, 2},
    {0x3388, 0x3388, 3}, {0x3389, 0x3389, 4}, {0x338A, 0x338B, 2}, {0x338E, 0x3390, 2}, {0x3391, 0x3394, 3},
    {0x3396, 0x339A, 2}, {0x339C, 0x339E, 2}, {0x339F, 0x33A0, 3}, {0x33A1, 0x33A1, 2}, {0x33A2, 0x33A4, 3},
    {0x33A5, 0x33A5, 2}, {0x33A6, 0x33A6, 3}, {0x33A9, 0x33A9, 2}, {0x33AA, 0x33AD, 3}, {0x33B0, 0x33B1, 2},
    {0x33B3, 0x33B5, 2}, {0x33B7, 0x33BB, 2}, {0x33BD, 0x33BF, 2}, {0x33C3, 0x33C5, 2}, {0x33C8, 0x33D1, 2},
    {0x33D2, 0x33D2, 3}, {0x33D3, 0x33D4, 2}, {0x33D5, 0x33D6, 3}, {0x33D7, 0x33D7, 2}, {0x33D9, 0x33D9, 3},
    {0x33DA, 0x33DD, 2}, {0x33FF, 0x33FF, 3}, {0xA7F2, 0xA7F4, 1}, {0xFB00, 0xFB02, 2}, {0xFB03, 0xFB04, 3},
    {0xFB05, 0xFB06, 2}, {0xFE63, 0xFE63, 1}, {0xFF0D, 0xFF0D, 1}, {0xFF10, 0xFF19, 1}, {0xFF21, 0xFF3A, 1},
    {0xFF41, 0xFF5A, 1}, {0x107A5, 0x107A5, 1}, {0x1D400, 0x1D454, 1}, {0x1D456, 0x1D49C, 1}, {0x1D49E, 0x1D49F, 1},
    {0x1D4A2, 0x1D4A2, 1}, {0x1D4A5, 0x1D4A6, 1}, {0x1D4A9, 0x1D4AC, 1}, {0x1D4AE, 0x1D4B9, 1}, {0x1D4BB, 0x1D4BB, 1},
    {0x1D4BD, 0x1D4C3, 1}, {0x1D4C5, 0x1D505, 1}, {0x1D507, 0x1D50A, 1}, {0x1D50D, 0x1D514, 1}, {0x1D516, 0x1D51C, 1},
    {0x1D51E, 0x1D539, 1}, {0x1D53B, 0x1D53E, 1}, {0x1D540, 0x1D544, 1}, {0x1D546, 0x1D546, 1}, {0x1D54A, 0x1D550, 1},
    {0x1D552, 0x1D6A3, 1}, {0x1D7CE, 0x1D7FF, 1}, {0x1F12B, 0x1F12C, 1}, {0x1F12D, 0x1F12E, 2}, {0x1F130, 0x1F149, 1},
    {0x1F14A, 0x1F14D, 2}, {0x1F14E, 0x1F14E, 3}, {0x1F14F, 0x1F14F, 2}, {0x1F16A, 0x1F16C, 2}, {0x1F190, 0x1F190, 2},
    {0x1FBF0, 0x1FBF9, 1},
};

// The range holding `c`, or nullptr.
template <class Range, std::size_t N>
const Range* find_range(const Range (&table)[N], char32_t c) {
  const Range* it = std::upper_bound(std::begin(table), std::end(table), c,
                                     [](char32_t value, const Range& r) { return value < r.lo; });
  if (it == std::begin(table) || c > std::prev(it)->hi) return nullptr;
  return std::prev(it);
}

template <class Range, std::size_t N>
bool in_table(const Range (&table)[N], char32_t c) {
  return find_range(table, c) != nullptr;
}

// Python's re with IGNORECASE matches these four non-ASCII letters against ASCII letter ranges ([A-Z] matches
// "ı" (U+0131), "İ" (U+0130), "ſ" (U+017F) and the Kelvin sign (U+212A)), so Django's patterns accept them.
bool is_ignorecase_letter(char32_t c) { return c == 0x130 || c == 0x131 || c == 0x17F || c == 0x212A; }

// [-!#$%&'*+/=?^_`{}|~0-9A-Z] with IGNORECASE.
bool is_atext(char32_t c) {
  static constexpr std::u32string_view kSpecials = U"-!#$%&'*+/=?^_`{}|~";
  return is_ascii_alnum(c) || kSpecials.find(c) != std::u32string_view::npos || is_ignorecase_letter(c);
}

// [\001-\010\013\014\016-\037!#-\[\]-\177] with IGNORECASE.
bool is_qtext(char32_t c) {
  return (c >= 0x01 && c <= 0x08) || c == 0x0B || c == 0x0C || (c >= 0x0E && c <= 0x1F) || c == 0x21 ||
         (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7F) || is_ignorecase_letter(c);
}

// [\001-\011\013\014\016-\177] with IGNORECASE (the character after a backslash).
bool is_quoted_pair_char(char32_t c) {
  return (c >= 0x01 && c <= 0x09) || c == 0x0B || c == 0x0C || (c >= 0x0E && c <= 0x7F) || is_ignorecase_letter(c);
}

bool is_host_alnum(char32_t c) { return is_ascii_alnum(c) || is_ignorecase_letter(c); }

// user_regex: dot-atom, or a quoted string.
bool valid_user_part(std::u32string_view user) {
  if (!user.empty() && user.front() == U'"') {
    if (user.size() < 2 || user.back() != U'"') return false;
    for (std::size_t i = 1; i + 1 < user.size(); ++i) {
      if (user[i] == U'\\') {
        if (i + 2 >= user.size() || !is_quoted_pair_char(user[i + 1])) return false;
        ++i;
      } else if (!is_qtext(user[i])) {
        return false;
      }
    }
    return true;
  }
  if (user.empty() || user.front() == U'.' || user.back() == U'.') return false;
  for (std::size_t i = 0; i < user.size(); ++i) {
    if (user[i] == U'.') {
      if (user[i + 1] == U'.') return false;
    } else if (!is_atext(user[i])) {
      return false;
    }
  }
  return true;
}

// domain_regex: ((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z
bool matches_domain_regex(std::u32string_view domain) {
  const std::size_t last_dot = domain.rfind(U'.');
  if (last_dot == std::u32string_view::npos) return false;
  const std::u32string_view tld = domain.substr(last_dot + 1);
  if (tld.size() < 2 || tld.size() > 63 || tld.back() == U'-') return false;
  for (char32_t c : tld) {
    if (!is_host_alnum(c) && c != U'-') return false;
  }
  std::size_t start = 0;
  while (start <= last_dot) {
    const std::size_t dot = domain.find(U'.', start);
    const std::u32string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (!is_host_alnum(label.front()) || !is_host_alnum(label.back())) return false;
    for (char32_t c : label) {
      if (!is_host_alnum(c) && c != U'-') return false;
    }
    start = dot + 1;
  }
  return true;
}

// Python's ipaddress.IPv4Address (3.9.5+: no leading zeros).
bool valid_ipv4(std::u32string_view text) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find(U'.', start);
    const std::u32string_view octet = text.substr(start, dot == std::u32string_view::npos ? dot : dot - start);
    if (octet.empty() || octet.size() > 3) return false;
    if (octet.size() > 1 && octet.front() == U'0') return false;
    unsigned value = 0;
    for (char32_t c : octet) {
      if (!is_ascii_digit(c)) return false;
      value = value * 10 + static_cast<unsigned>(c - U'0');
    }
    if (value > 255) return false;
    ++parts;
    if (dot == std::u32string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

bool is_hex_digit(char32_t c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Django's is_valid_ipv6_address: at most 39 characters, then Python's ipaddress.IPv6Address.
bool valid_ipv6(std::u32string_view text) {
  if (text.size() > 39 || text.empty()) return false;
  std::vector<std::u32string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(U':', start);
    parts.push_back(text.substr(start, colon == std::u32string_view::npos ? colon : colon - start));
    if (colon == std::u32string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 3) return false;
  if (parts.back().find(U'.') != std::u32string_view::npos) {
    if (!valid_ipv4(parts.back())) return false;
    parts.back() = U"0";  // stands for two hextets
    parts.push_back(U"0");
  }
  constexpr std::size_t kHextets = 8;
  if (parts.size() > kHextets + 1) return false;
  std::optional<std::size_t> skip;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (parts[i].empty()) {
      if (skip) return false;  // more than one "::"
      skip = i;
    }
  }
  std::size_t first = 0;
  std::size_t last = parts.size();  // hextets to parse: [first, last) minus the skip
  if (skip) {
    std::size_t parts_hi = *skip;
    std::size_t parts_lo = parts.size() - *skip - 1;
    if (parts.front().empty()) {
      if (--parts_hi != 0) return false;  // a leading ":" needs "::"
      first = 1;
    }
    if (parts.back().empty()) {
      if (--parts_lo != 0) return false;  // a trailing ":" needs "::"
      last = parts.size() - 1;
    }
    if (parts_hi + parts_lo >= kHextets) return false;  // "::" must stand for at least one hextet
  } else {
    if (parts.size() != kHextets) return false;
  }
  for (std::size_t i = first; i < last; ++i) {
    if (skip && i == *skip) continue;
    const std::u32string_view hextet = parts[i];
    if (hextet.empty() || hextet.size() > 4) return false;
    for (char32_t c : hextet) {
      if (!is_hex_digit(c)) return false;
    }
  }
  return true;
}

// [A-f0-9:.] with IGNORECASE, the literal's character class.
bool is_literal_char(char32_t c) {
  return is_ascii_alnum(c) || c == U':' || c == U'.' || (c >= U'[' && c <= U'`') || is_ignorecase_letter(c);
}

// EmailValidator.validate_domain_part: the host name pattern, or an address literal "[IPv4]" / "[IPv6]".
bool valid_domain_part(std::u32string_view domain) {
  if (matches_domain_regex(domain)) return true;
  if (domain.size() < 3 || domain.front() != U'[' || domain.back() != U']') return false;
  const std::u32string_view address = domain.substr(1, domain.size() - 2);
  if (!std::all_of(address.begin(), address.end(), is_literal_char)) return false;
  return valid_ipv4(address) || valid_ipv6(address);
}

bool is_ascii(std::u32string_view text) {
  return std::all_of(text.begin(), text.end(), [](char32_t c) { return c < 0x80; });
}

// encodings.idna.ToASCII for one label, with the nameprep approximation described in validation.hpp.
std::optional<std::u32string> label_to_ascii(std::u32string_view label) {
  const auto size_ok = [](std::size_t n) { return n > 0 && n < 64; };
  if (is_ascii(label)) {
    if (!size_ok(label.size())) return std::nullopt;
    return std::u32string(label);
  }
  std::u32string prepped;
  for (char32_t c : label) {
    if (c >= 0x80 && in_table(kMappedToNothing, c)) continue;
    if (c >= 'A' && c <= 'Z') c = c - U'A' + U'a';
    if (c >= 0x80 && (in_table(kMapsToNonHostAscii, c) || in_table(kProhibited, c))) return std::nullopt;
    prepped.push_back(c);
  }
  const auto rand_al = [](char32_t c) { return c >= 0x80 && in_table(kRandAL, c); };
  if (std::any_of(prepped.begin(), prepped.end(), rand_al)) {
    const auto left_to_right = [](char32_t c) {
      return c < 0x80 ? is_ascii_alpha(c) : in_table(kLeftToRight, c);
    };
    if (std::any_of(prepped.begin(), prepped.end(), left_to_right)) return std::nullopt;
    if (!rand_al(prepped.front()) || !rand_al(prepped.back())) return std::nullopt;
  }
  // A label that nameprep turns into ASCII is used as it is, no punycode. Stand-ins keep what the host name
  // pattern looks at: letters and digits ("a"), hyphens, and the length.
  std::u32string ascii;
  bool all_ascii = true;
  for (char32_t c : prepped) {
    if (c < 0x80) {
      ascii.push_back(c);
    } else if (c == 0xFE63 || c == 0xFF0D) {  // small and fullwidth hyphen-minus
      ascii.push_back(U'-');
    } else if (const AsciiMapping* m = find_range(kMapsToHostAscii, c)) {
      ascii.append(m->length, U'a');
    } else {
      all_ascii = false;
      break;
    }
  }
  if (all_ascii) {
    if (!size_ok(ascii.size())) return std::nullopt;
    return ascii;
  }
  if (prepped.rfind(U"xn--", 0) == 0) return std::nullopt;
  const std::string encoded = "xn--" + punycode_encode(prepped);
  if (!size_ok(encoded.size())) return std::nullopt;
  return std::u32string(encoded.begin(), encoded.end());
}

bool is_idna_dot(char32_t c) { return c == U'.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61; }

// Python's str.encode("idna").
std::optional<std::u32string> idna_encode(std::u32string_view domain) {
  if (domain.empty()) return std::u32string();
  if (is_ascii(domain)) {
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = domain.find(U'.', start);
      const std::size_t len = (dot == std::u32string_view::npos ? domain.size() : dot) - start;
      if (dot == std::u32string_view::npos) {
        if (len >= 64) return std::nullopt;
        break;
      }
      if (len == 0 || len >= 64) return std::nullopt;
      start = dot + 1;
    }
    return std::u32string(domain);
  }
  std::vector<std::u32string_view> labels;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || is_idna_dot(domain[i])) {
      labels.push_back(domain.substr(start, i - start));
      start = i + 1;
    }
  }
  bool trailing_dot = false;
  if (!labels.empty() && labels.back().empty()) {
    trailing_dot = true;
    labels.pop_back();
  }
  std::u32string out;
  for (std::u32string_view label : labels) {
    std::optional<std::u32string> ascii = label_to_ascii(label);
    if (!ascii) return std::nullopt;
    if (!out.empty()) out.push_back(U'.');
    out += *ascii;
  }
  if (trailing_dot) out.push_back(U'.');
  return out;
}

}  // namespace

std::string punycode_encode(std::u32string_view label) {
  constexpr std::uint64_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
  constexpr std::uint64_t kInitialBias = 72, kInitialN = 128;
  const auto digit = [](std::uint64_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  const auto adapt = [&](std::uint64_t delta, std::uint64_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint64_t k = 0;
    while (delta > ((kBase - kTMin) * kTMax) / 2) {
      delta /= kBase - kTMin;
      k += kBase;
    }
    return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
  };

  std::string out;
  for (char32_t c : label) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
  }
  const std::uint64_t basic = out.size();
  std::uint64_t handled = basic;
  if (basic > 0) out.push_back('-');
  std::uint64_t n = kInitialN;
  std::uint64_t delta = 0;
  std::uint64_t bias = kInitialBias;
  while (handled < label.size()) {
    std::uint64_t m = std::numeric_limits<std::uint64_t>::max();
    for (char32_t c : label) {
      if (c >= n && c < m) m = c;
    }
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : label) {
      if (c < n) ++delta;
      if (c == n) {
        std::uint64_t q = delta;
        for (std::uint64_t k = kBase;; k += kBase) {
          const std::uint64_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
          if (q < t) break;
          out.push_back(digit(t + (q - t) % (kBase - t)));
          q = (q - t) / (kBase - t);
        }
        out.push_back(digit(q));
        bias = adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  return out;
}

bool valid_email(std::string_view email) {
  const std::u32string value = decode_code_points(email);
  // "The maximum length of an email is 320 characters per RFC 3696 section 3."
  if (value.empty() || value.size() > 320) return false;
  const std::size_t at = value.rfind(U'@');
  if (at == std::u32string::npos) return false;
  const std::u32string_view user = std::u32string_view(value).substr(0, at);
  const std::u32string_view domain = std::u32string_view(value).substr(at + 1);
  if (!valid_user_part(user)) return false;
  if (domain == U"localhost" || valid_domain_part(domain)) return true;
  // "Try for possible IDN domain-part"
  const std::optional<std::u32string> ace = idna_encode(domain);
  return ace && valid_domain_part(*ace);
}

// ---- DRF's field machinery ---------------------------------------------------------------------------------------

namespace {

using Messages = std::vector<std::string>;

// A field's declaration, as far as DRF's generic handling of missing, empty and null input is concerned.
struct FieldSpec {
  std::string_view name;
  bool required = false;
  bool allow_null = false;
  bool allow_blank = false;
  // default_empty_html: what a non-partial form body means by leaving the field out.
  enum class HtmlDefault { kEmpty, kFalse, kList } html_default = HtmlDefault::kEmpty;
};

// DRF's `empty` (nothing was given) is std::nullopt.
using RawValue = std::optional<json::value>;

// Field.get_value / ManyRelatedField.get_value.
RawValue get_value(const Input& body, const FieldSpec& spec, bool partial) {
  if (!body.is_form()) {
    const json::value* member = body.json_member(spec.name);
    if (member == nullptr) return std::nullopt;
    return *member;
  }
  if (spec.html_default == FieldSpec::HtmlDefault::kList) {
    if (partial && !body.contains(spec.name)) return std::nullopt;
    json::array items;
    for (std::string_view v : body.form_values(spec.name)) items.emplace_back(json::string(v));
    return json::value(std::move(items));
  }
  const std::optional<std::string_view> given = body.form_value(spec.name);
  if (!given) {
    if (partial) return std::nullopt;
    if (spec.html_default == FieldSpec::HtmlDefault::kFalse) return json::value(false);
    return std::nullopt;
  }
  if (given->empty() && spec.allow_null) return spec.allow_blank ? json::value("") : json::value(nullptr);
  if (given->empty() && !spec.required) {
    if (spec.allow_blank) return json::value("");
    return std::nullopt;
  }
  return json::value(json::string(*given));
}

enum class Outcome {
  kSkipped,  // not given (and not required): the field is left out of the validated data
  kNull,     // null, and the field allows it
  kFailed,   // messages were added
  kValue,    // a value to convert and validate
};

// Field.validate_empty_values (our serializers declare no defaults).
Outcome validate_empty_values(const RawValue& raw, const FieldSpec& spec, bool partial, Messages& msgs) {
  if (!raw) {
    if (partial || !spec.required) return Outcome::kSkipped;
    msgs.emplace_back(messages::kRequired);
    return Outcome::kFailed;
  }
  if (raw->is_null()) {
    if (spec.allow_null) return Outcome::kNull;
    msgs.emplace_back(messages::kNull);
    return Outcome::kFailed;
  }
  return Outcome::kValue;
}

// CharField.run_validation up to the validators: blank check, empty values, to_internal_value (numbers become
// their Python str(), then the value is trimmed). `invalid` is the field's 'invalid' message (EmailField
// overrides CharField's "Not a valid string.").
Outcome run_char_field(const RawValue& raw, const FieldSpec& spec, bool partial, std::string_view invalid,
                       std::string& value, Messages& msgs) {
  if (raw && raw->is_string() && python_strip(raw->get_string()).empty()) {
    if (!spec.allow_blank) {
      msgs.emplace_back(messages::kBlank);
      return Outcome::kFailed;
    }
    value.clear();
    return Outcome::kValue;
  }
  const Outcome outcome = validate_empty_values(raw, spec, partial, msgs);
  if (outcome != Outcome::kValue) return outcome;
  switch (raw->kind()) {
    case json::kind::string:
      value = std::string(python_strip(raw->get_string()));
      return Outcome::kValue;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      value = python_str(*raw);
      return Outcome::kValue;
    default:
      msgs.emplace_back(invalid);
      return Outcome::kFailed;
  }
}

// The validators DRF's CharField appends after the ones a model field brings: MaxLengthValidator,
// MinLengthValidator, ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator. DRF runs them all
// and reports every failure.
void run_char_validators(std::string_view value, std::size_t max, std::size_t min, Messages& msgs) {
  const std::size_t length = code_point_count(value);
  if (max != 0 && length > max) msgs.push_back(messages::max_length(max));
  if (min != 0 && length < min) msgs.push_back(messages::min_length(min));
  if (value.find('\0') != std::string_view::npos) msgs.emplace_back(messages::kNullCharacters);
  for (std::size_t pos = 0; pos < value.size();) {
    const char32_t c = next_code_point(value, pos);
    if (c >= 0xD800 && c <= 0xDFFF) {
      msgs.push_back(messages::surrogates(c));
      break;
    }
  }
}

// BooleanField.to_internal_value: `data in TRUE_VALUES` (1 == 1.0 == True in Python).
std::optional<bool> python_bool(const json::value& data) {
  static constexpr std::string_view kTrue[] = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true",
                                               "True", "TRUE", "on", "On", "ON", "1"};
  static constexpr std::string_view kFalse[] = {"f", "F", "n", "N", "no", "No", "NO", "false",
                                                "False", "FALSE", "off", "Off", "OFF", "0"};
  switch (data.kind()) {
    case json::kind::bool_: return data.get_bool();
    case json::kind::int64:
      if (data.get_int64() == 1) return true;
      if (data.get_int64() == 0) return false;
      return std::nullopt;
    case json::kind::uint64:
      if (data.get_uint64() == 1) return true;
      if (data.get_uint64() == 0) return false;
      return std::nullopt;
    case json::kind::double_:
      if (data.get_double() == 1.0) return true;
      if (data.get_double() == 0.0) return false;
      return std::nullopt;
    case json::kind::string: {
      const std::string_view s = data.get_string();
      if (std::find(std::begin(kTrue), std::end(kTrue), s) != std::end(kTrue)) return true;
      if (std::find(std::begin(kFalse), std::end(kFalse), s) != std::end(kFalse)) return false;
      return std::nullopt;
    }
    default: return std::nullopt;  // null is handled before; lists and dicts are unhashable
  }
}

Outcome run_boolean_field(const RawValue& raw, const FieldSpec& spec, bool partial, bool& value, Messages& msgs) {
  const Outcome outcome = validate_empty_values(raw, spec, partial, msgs);
  if (outcome != Outcome::kValue) return outcome;
  const std::optional<bool> parsed = python_bool(*raw);
  if (!parsed) {
    msgs.emplace_back(messages::kInvalidBoolean);
    return Outcome::kFailed;
  }
  value = *parsed;
  return Outcome::kValue;
}

// ManyRelatedField(child=SlugRelatedField(slug_field='slug')).to_internal_value. A str or anything without
// __iter__ is "not a list"; a dict iterates over its keys. Each item is looked up with Django's `slug=item`,
// which compares str(item); the first failing item decides the message.
Outcome run_slug_list_field(const RawValue& raw, const FieldSpec& spec, bool partial, const EventExists& exists,
                            std::vector<std::string>& value, Messages& msgs) {
  const Outcome outcome = validate_empty_values(raw, spec, partial, msgs);
  if (outcome != Outcome::kValue) return outcome;
  std::vector<json::value> items;
  if (raw->is_array()) {
    items.assign(raw->get_array().begin(), raw->get_array().end());
  } else if (raw->is_object()) {
    for (const auto& member : raw->get_object()) items.emplace_back(json::string(member.key()));
  } else {
    msgs.push_back(messages::not_a_list(python_type_name(*raw)));
    return Outcome::kFailed;
  }
  value.clear();
  for (const json::value& item : items) {
    if (item.is_null()) {  // `slug=None` is an IS NULL lookup: no event matches
      msgs.push_back(messages::slug_does_not_exist("None"));
      return Outcome::kFailed;
    }
    std::string slug = python_str(item);
    if (slug.find('\0') != std::string::npos) {
      // PostgreSQL refuses NUL in a string parameter; psycopg2's ValueError becomes SlugRelatedField's 'invalid'.
      msgs.emplace_back(messages::kInvalidRelated);
      return Outcome::kFailed;
    }
    if (!exists || !exists(slug)) {
      msgs.push_back(messages::slug_does_not_exist(slug));
      return Outcome::kFailed;
    }
    if (std::find(value.begin(), value.end(), slug) == value.end()) value.push_back(std::move(slug));
  }
  return Outcome::kValue;
}

// Collects field errors in serializer field order.
class FieldErrors {
 public:
  void add(std::string_view field, Messages& msgs) {
    for (std::string& m : msgs) fields_.push_back(FieldError{std::string(field), std::move(m)});
    msgs.clear();
  }
  bool empty() const { return fields_.empty(); }
  Error to_error() && { return validation_error(std::move(fields_)); }

 private:
  std::vector<FieldError> fields_;
};

// Serializer.to_internal_value's first check, and Serializer.errors' special case for a `null` body.
std::optional<Error> reject_non_mapping(const Input& body) {
  if (body.is_form() || body.json_body().is_object()) return std::nullopt;
  const std::string message = body.json_body().is_null()
                                  ? std::string(messages::kNoData)
                                  : messages::not_a_mapping(python_type_name(body.json_body()));
  return validation_error({FieldError{std::string(kNonFieldErrors), message}});
}

// A required CharField(max_length=max) with no model validators (team name, token name).
std::optional<std::string> required_char(const Input& body, std::string_view name, std::size_t max, bool partial,
                                         FieldErrors& errors) {
  const FieldSpec spec{.name = name, .required = true};
  Messages msgs;
  std::string value;
  std::optional<std::string> out;
  if (run_char_field(get_value(body, spec, partial), spec, partial, messages::kNotAString, value, msgs) ==
      Outcome::kValue) {
    run_char_validators(value, max, 0, msgs);
    if (msgs.empty()) out = std::move(value);
  }
  errors.add(name, msgs);
  return out;
}

std::optional<bool> optional_boolean(const Input& body, std::string_view name, bool partial, FieldErrors& errors) {
  const FieldSpec spec{.name = name, .html_default = FieldSpec::HtmlDefault::kFalse};
  Messages msgs;
  bool value = false;
  std::optional<bool> out;
  if (run_boolean_field(get_value(body, spec, partial), spec, partial, value, msgs) == Outcome::kValue) out = value;
  errors.add(name, msgs);
  return out;
}

}  // namespace

// ---- Teams, tokens, invites ------------------------------------------------------------------------------------

std::optional<TeamPerm> team_perm_from_name(std::string_view name) {
  for (TeamPerm perm : kAllTeamPerms) {
    if (team_perm_name(perm) == name) return perm;
  }
  return std::nullopt;
}

Result<TeamFields> decode_team(const Input& body, WriteMode mode, const EventExists& event_exists) {
  if (std::optional<Error> error = reject_non_mapping(body)) return std::move(*error);
  const bool partial = mode == WriteMode::kPartial;
  FieldErrors errors;
  TeamFields out;
  out.name = required_char(body, "name", 190, partial, errors);
  out.all_events = optional_boolean(body, "all_events", partial, errors);
  {
    const FieldSpec spec{.name = "limit_events", .required = true, .html_default = FieldSpec::HtmlDefault::kList};
    Messages msgs;
    std::vector<std::string> slugs;
    if (run_slug_list_field(get_value(body, spec, partial), spec, partial, event_exists, slugs, msgs) ==
        Outcome::kValue) {
      out.limit_events = std::move(slugs);
    }
    errors.add(spec.name, msgs);
  }
  for (TeamPerm perm : kAllTeamPerms) out.perm(perm) = optional_boolean(body, team_perm_name(perm), partial, errors);
  if (!errors.empty()) return std::move(errors).to_error();
  return out;
}

Status check_team_rules(bool merged_all_events, bool merged_limit_events_nonempty) {
  if (merged_all_events && merged_limit_events_nonempty) {
    return validation_error({FieldError{std::string(kNonFieldErrors), std::string(messages::kLimitAndAllEvents)}});
  }
  return {};
}

Result<std::string> decode_token_name(const Input& body) {
  if (std::optional<Error> error = reject_non_mapping(body)) return std::move(*error);
  FieldErrors errors;
  std::optional<std::string> name = required_char(body, "name", 190, false, errors);
  if (!errors.empty()) return std::move(errors).to_error();
  return std::move(*name);
}

Result<std::optional<std::string>> decode_fullname(const Input& body) {
  if (std::optional<Error> error = reject_non_mapping(body)) return std::move(*error);
  // As pretix's registration form: CharField(max_length=255, required=False); null and blank mean "no name".
  const FieldSpec spec{.name = "fullname", .allow_null = true, .allow_blank = true};
  Messages msgs;
  std::string value;
  const Outcome outcome = run_char_field(get_value(body, spec, false), spec, false, messages::kNotAString, value, msgs);
  if (outcome == Outcome::kValue) run_char_validators(value, 255, 0, msgs);
  if (!msgs.empty()) {
    FieldErrors errors;
    errors.add(spec.name, msgs);
    return std::move(errors).to_error();
  }
  if (outcome != Outcome::kValue || value.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(value));
}

Result<std::string> decode_invite_email(const Input& body) {
  if (std::optional<Error> error = reject_non_mapping(body)) return std::move(*error);
  // EmailField(required=False, allow_null=True, allow_blank=True, max_length=254), as ModelSerializer derives it
  // from TeamInvite.email = EmailField(null=True, blank=True).
  const FieldSpec spec{.name = "email", .allow_null = true, .allow_blank = true};
  Messages msgs;
  std::string value;
  const Outcome outcome =
      run_char_field(get_value(body, spec, false), spec, false, messages::kInvalidEmail, value, msgs);
  if (outcome == Outcome::kSkipped) {
    return validation_error({FieldError{"", std::string(messages::kNoEmailGiven)}});
  }
  if (outcome == Outcome::kNull) {
    msgs.emplace_back(messages::kNull);  // teamlog: pretix accepts a null email
  } else if (outcome == Outcome::kValue && value.empty()) {
    msgs.emplace_back(messages::kBlank);  // teamlog: pretix accepts a blank email
  } else if (outcome == Outcome::kValue) {
    // Validator order: CharField's [MaxLength, ProhibitNull, ProhibitSurrogate], then EmailField's EmailValidator.
    run_char_validators(value, 254, 0, msgs);
    if (!valid_email(value)) msgs.emplace_back(messages::kInvalidEmail);
  }
  if (!msgs.empty()) {
    FieldErrors errors;
    errors.add(spec.name, msgs);
    return std::move(errors).to_error();
  }
  return value;
}

// ---- Slugs ----------------------------------------------------------------------------------------------------------

namespace {

// ^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$ (Python's `$` would also take a trailing newline; callers trim first).
bool matches_slug_regex(std::string_view slug) {
  if (slug.size() < 2) return false;
  const auto alnum = [](char c) { return is_ascii_alnum(static_cast<unsigned char>(c)); };
  if (!alnum(slug.front()) || !alnum(slug.back())) return false;
  return std::all_of(slug.begin(), slug.end(), [&](char c) { return alnum(c) || c == '.' || c == '-'; });
}

// pretix.base.validators.EventSlugBanlistValidator / OrganizerSlugBanlistValidator (2024).
constexpr std::string_view kEventSlugBanlist[] = {
    "download", "healthcheck", "locale", "control", "redirect", "jsi18n", "metrics", "_global", "__debug__",
    "api", "events", "csp_report", "widget", "customer", "account", "lead", "accessibility",
};
constexpr std::string_view kOrganizerSlugBanlist[] = {
    "download", "healthcheck", "locale", "control", "pretixdroid", "redirect", "jsi18n", "metrics", "_global",
    "__debug__", "about", "api", "csp_report", "widget", "lead", "scheduling",
};

template <std::size_t N>
bool banned(const std::string_view (&list)[N], std::string_view value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

}  // namespace

bool valid_organizer_slug(std::string_view slug) {
  return slug.size() <= 50 && matches_slug_regex(slug) && !banned(kOrganizerSlugBanlist, slug);
}

bool valid_event_slug(std::string_view slug) {
  return slug.size() <= 50 && matches_slug_regex(slug) && !banned(kEventSlugBanlist, slug);
}

// ---- Datetimes ---------------------------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}


unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Python datetime's range, 0001-01-01T00:00:00 .. 9999-12-31T23:59:59.999999.
const std::int64_t kMinMicros = days_from_civil(1, 1, 1) * kMicrosPerDay;
const std::int64_t kMaxMicros = days_from_civil(10000, 1, 1) * kMicrosPerDay - 1;

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  bool take(char c) {
    if (done() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // Between min and max ASCII digits (as many as there are); false when fewer than min.
  bool digits(std::size_t min, std::size_t max, std::int64_t& value, std::size_t* count = nullptr) {
    std::size_t n = 0;
    value = 0;
    while (n < max && !done() && is_ascii_digit(static_cast<unsigned char>(text_[pos_]))) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
      ++n;
    }
    if (count != nullptr) *count = n;
    return n >= min;
  }
  void skip_spaces() {  // \s*: Unicode whitespace
    while (!done()) {
      std::size_t next = pos_;
      if (!is_python_space(next_code_point(text_, next))) break;
      pos_ = next;
    }
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

// Django's parse_datetime: datetime.fromisoformat() first, then the pattern
//   (\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[\.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$
// This accepts that pattern, plus what fromisoformat adds of the same shape: a date alone ("2017-12-27"), an
// hour alone ("2017-12-27T10"), a lowercase "t"; not its basic ("20171227T1000"), week-date or any-separator
// forms, nor non-ASCII digits. A time without an offset is UTC (DRF makes it aware in the default time zone, UTC).
std::optional<std::int64_t> parse_datetime_us(std::string_view text) {
  // Python's `$` matches before a final newline; fromisoformat() (the date-only and hour-only forms) does not.
  const bool final_newline = !text.empty() && text.back() == '\n';
  if (final_newline) text.remove_suffix(1);
  Scanner in(text);
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0, offset = 0;
  std::size_t month_digits = 0, day_digits = 0, hour_digits = 0;
  if (!in.digits(4, 4, year) || !in.take('-') || !in.digits(1, 2, month, &month_digits) || !in.take('-') ||
      !in.digits(1, 2, day, &day_digits)) {
    return std::nullopt;
  }
  const bool two_digit_date = month_digits == 2 && day_digits == 2 && !final_newline;
  if (in.done()) {
    if (!two_digit_date) return std::nullopt;
  } else {
    if (!in.take('T') && !in.take('t') && !in.take(' ')) return std::nullopt;
    if (!in.digits(1, 2, hour, &hour_digits)) return std::nullopt;
    if (in.take(':')) {
      if (!in.digits(1, 2, minute)) return std::nullopt;
      if (in.take(':')) {
        if (!in.digits(1, 2, second)) return std::nullopt;
        if (in.take('.') || in.take(',')) {
          std::size_t n = 0;
          std::int64_t fraction = 0;
          if (!in.digits(1, 6, fraction, &n)) return std::nullopt;
          for (std::size_t i = n; i < 6; ++i) fraction *= 10;
          micros = fraction;
          std::int64_t ignored = 0;
          in.digits(0, 6, ignored);
        }
      }
      in.skip_spaces();
    } else if (!two_digit_date || hour_digits != 2) {
      return std::nullopt;
    }
    if (in.take('Z')) {
      offset = 0;
    } else {
      const bool minus = in.take('-');
      if (minus || in.take('+')) {
        std::int64_t hh = 0, mm = 0;
        if (!in.digits(2, 2, hh)) return std::nullopt;
        const bool colon = in.take(':');
        std::size_t n = 0;
        in.digits(0, 2, mm, &n);
        if (n == 1 || (colon && n != 2)) return std::nullopt;
        offset = (minus ? -1 : 1) * (hh * 60 + mm);
        if (offset <= -1440 || offset >= 1440) return std::nullopt;  // timezone() needs |offset| < 24h
      }
    }
    if (!in.done()) return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > days_in_month(year, static_cast<unsigned>(month))) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t us = days * kMicrosPerDay + ((hour * 60 + minute - offset) * 60 + second) * kMicrosPerSecond +
                          micros;
  if (us < kMinMicros || us > kMaxMicros) return std::nullopt;
  return us;
}

// ---- Events ------------------------------------------------------------------------------------------------------

namespace {

// A language code as pretix's LANGUAGES spells them: "en", "de-informal", "zh-hans", "pt-br".
bool valid_language_code(std::string_view code) {
  std::size_t i = 0;
  while (i < code.size() && code[i] >= 'a' && code[i] <= 'z') ++i;
  if (i < 2 || i > 3) return false;
  while (i < code.size()) {
    if (code[i] != '-') return false;
    const std::size_t start = ++i;
    while (i < code.size() && (is_ascii_digit(static_cast<unsigned char>(code[i])) ||
                               (code[i] >= 'a' && code[i] <= 'z'))) {
      ++i;
    }
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

// pretix's I18nField.to_internal_value, plus teamlog's non-blank rule.
void run_i18n_name(const json::value& data, Messages& msgs) {
  if (data.is_string()) {
    if (python_strip(data.get_string()).empty()) msgs.emplace_back(messages::kBlank);
    return;
  }
  if (!data.is_object()) {
    msgs.emplace_back(messages::kInvalidI18nType);
    return;
  }
  const json::object& translations = data.get_object();
  for (const auto& member : translations) {
    if (!valid_language_code(member.key())) {
      msgs.emplace_back(messages::kInvalidLanguages);
      return;
    }
  }
  bool any_text = false;
  for (const auto& member : translations) {
    if (!member.value().is_string()) {
      msgs.emplace_back(messages::kInvalidI18nType);
      return;
    }
    any_text = any_text || !python_strip(member.value().get_string()).empty();
  }
  if (!any_text) msgs.emplace_back(messages::kBlank);
}

}  // namespace

Result<EventFields> decode_event(const Input& body, const SlugTaken& slug_taken) {
  if (std::optional<Error> error = reject_non_mapping(body)) return std::move(*error);
  FieldErrors errors;
  EventFields out;
  Messages msgs;
  {
    const FieldSpec spec{.name = "name", .required = true};
    const RawValue raw = get_value(body, spec, false);
    if (validate_empty_values(raw, spec, false, msgs) == Outcome::kValue) {
      run_i18n_name(*raw, msgs);
      if (msgs.empty()) out.name = *raw;
    }
    errors.add(spec.name, msgs);
  }
  {
    // ModelSerializer turns Event.slug's validators [MinLengthValidator(2), RegexValidator, banlist] and
    // max_length=50 into CharField(max_length=50, min_length=2, validators=[regex, banlist]); CharField appends
    // its own length and character validators after those. validate_slug() runs only if all of them passed.
    const FieldSpec spec{.name = "slug", .required = true};
    std::string value;
    if (run_char_field(get_value(body, spec, false), spec, false, messages::kNotAString, value, msgs) ==
        Outcome::kValue) {
      if (!matches_slug_regex(value)) msgs.emplace_back(messages::kEventSlugChars);
      if (banned(kEventSlugBanlist, value)) msgs.push_back(messages::banned_value(value));
      run_char_validators(value, 50, 2, msgs);
      if (msgs.empty() && slug_taken && slug_taken(value)) msgs.emplace_back(messages::kEventSlugTaken);
      if (msgs.empty()) out.slug = std::move(value);
    }
    errors.add(spec.name, msgs);
  }
  {
    const FieldSpec spec{.name = "date_from", .required = true};
    const RawValue raw = get_value(body, spec, false);
    if (validate_empty_values(raw, spec, false, msgs) == Outcome::kValue) {
      const std::optional<std::int64_t> us =
          raw->is_string() ? parse_datetime_us(raw->get_string()) : std::nullopt;
      if (us) {
        out.date_from_us = *us;
        out.date_from = format_datetime_utc(*us);
      } else {
        msgs.emplace_back(messages::kInvalidDatetime);
      }
    }
    errors.add(spec.name, msgs);
  }
  if (!errors.empty()) return std::move(errors).to_error();
  return out;
}

}  // namespace teamlog::commands
