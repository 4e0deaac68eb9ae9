// teamlogctl's subcommands as a library: run(argv) with the streams to write to, returning the exit code.
#pragma once

#include <ostream>

namespace teamlog::ctl {

int run(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace teamlog::ctl
