// ujson-compatible compact JSON writing and UTC time formatting.
#include "projections/json_text.hpp"

#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "events/number_format.hpp"

namespace teamlog {

void append_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: {
      std::array<char, 24> buf{};
      const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_int64());
      out.append(buf.data(), end);
      return;
    }
    case boost::json::kind::uint64: {
      std::array<char, 24> buf{};
      const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_uint64());
      out.append(buf.data(), end);
      return;
    }
    case boost::json::kind::double_:
      // Not representable in JSON (and Boost.JSON never parses one); ujson would refuse, we write null.
      if (!std::isfinite(v.get_double())) out += "null";
      else append_double(out, v.get_double());
      return;
    case boost::json::kind::string: append_json_string(out, v.get_string()); return;
    case boost::json::kind::array: append_json(out, v.get_array()); return;
    case boost::json::kind::object: append_json(out, v.get_object()); return;
  }
}

namespace {

// open, each element written by `write` with commas between, close.
template <class Range, class Write>
void append_joined(std::string& out, char open, const Range& range, Write write, char close) {
  out += open;
  bool first = true;
  for (const auto& element : range) {
    if (!first) out += ',';
    first = false;
    write(element);
  }
  out += close;
}

}  // namespace

void append_json(std::string& out, const boost::json::array& a) {
  append_joined(out, '[', a, [&](const boost::json::value& item) { append_json(out, item); }, ']');
}

void append_json(std::string& out, const boost::json::object& o) {
  append_joined(out, '{', o, [&](const boost::json::key_value_pair& entry) {
    append_json_string(out, entry.key());
    out += ':';
    append_json(out, entry.value());
  }, '}');
}

std::string to_json(const boost::json::value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

std::string to_json(const boost::json::object& o) {
  std::string out;
  append_json(out, o);
  return out;
}

std::string format_rfc3339_utc(std::int64_t us) {
  std::int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  const auto micros = static_cast<int>(us - secs * 1000000);
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  const auto sod = static_cast<int>(secs - days * 86400);
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (y >= 0 && y <= 9999) {
    // By hand: snprintf was a visible part of rendering a million audit entries.
    char buf[32];
    char* p = buf;
    auto put = [&p](unsigned v, int digits) {
      for (int k = digits - 1; k >= 0; --k) {
        p[k] = static_cast<char>('0' + v % 10);
        v /= 10;
      }
      p += digits;
    };
    put(static_cast<unsigned>(y), 4);
    *p++ = '-';
    put(m, 2);
    *p++ = '-';
    put(d, 2);
    *p++ = 'T';
    put(static_cast<unsigned>(sod / 3600), 2);
    *p++ = ':';
    put(static_cast<unsigned>(sod / 60 % 60), 2);
    *p++ = ':';
    put(static_cast<unsigned>(sod % 60), 2);
    if (micros != 0) {
      *p++ = '.';
      put(static_cast<unsigned>(micros), 6);
    }
    *p++ = 'Z';
    return std::string(buf, static_cast<std::size_t>(p - buf));
  }
  char buf[48];
  if (micros != 0) {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<long long>(y), m, d,
                  sod / 3600, sod / 60 % 60, sod % 60, micros);
  } else {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m, d, sod / 3600,
                  sod / 60 % 60, sod % 60);
  }
  return buf;
}

}  // namespace teamlog
