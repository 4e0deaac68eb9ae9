// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it, so that an operator or a profile can tell
// teamlogd's writer from its syncer and its I/O threads. Linux keeps 15 bytes; a longer name is cut there.
#pragma once

#include <string>
#include <string_view>

namespace teamlog {

void name_this_thread(std::string_view name);

// The calling thread's name as the kernel has it ("" if it cannot be read).
std::string this_thread_name();

}  // namespace teamlog
