#include "events/thread_name.hpp"

#include <pthread.h>

#include <array>

namespace teamlog {

namespace {
constexpr std::size_t kMaxNameBytes = 15;  // TASK_COMM_LEN - 1
}  // namespace

void name_this_thread(std::string_view name) {
  const std::string cut(name.substr(0, kMaxNameBytes));
  (void)pthread_setname_np(pthread_self(), cut.c_str());  // only fails for a name too long, cut above
}

std::string this_thread_name() {
  std::array<char, kMaxNameBytes + 1> buffer{};
  if (pthread_getname_np(pthread_self(), buffer.data(), buffer.size()) != 0) return {};
  return buffer.data();
}

}  // namespace teamlog
