// Per-thread Date cache: formatting a date per response is measurable at high request rates; once a second is not.
#include "http/http_date.hpp"

#include <array>
#include <ctime>

namespace teamlog::http {
namespace {

constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void put2(char* out, int v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::string format_http_date(std::time_t seconds) {
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  // Hand-formatted: strftime's %a/%b follow the locale, the header must not.
  std::string p(29, ' ');
  for (std::size_t i = 0; i < 3; ++i) p[i] = kDays[static_cast<std::size_t>(tm.tm_wday)][i];
  p[3] = ',';
  put2(&p[5], tm.tm_mday);
  for (std::size_t i = 0; i < 3; ++i) p[8 + i] = kMonths[static_cast<std::size_t>(tm.tm_mon)][i];
  const int year = tm.tm_year + 1900;
  put2(&p[12], year / 100);
  put2(&p[14], year % 100);
  put2(&p[17], tm.tm_hour);
  p[19] = ':';
  put2(&p[20], tm.tm_min);
  p[22] = ':';
  put2(&p[23], tm.tm_sec);
  p.replace(26, 3, "GMT");
  return p;
}

std::string_view cached_http_date() {
  struct Cache {
    std::time_t second = -1;
    std::string text;
  };
  thread_local Cache cache;
  const std::time_t now = std::time(nullptr);
  if (now != cache.second) {
    cache.text = format_http_date(now);
    cache.second = now;
  }
  return cache.text;
}

}  // namespace teamlog::http
