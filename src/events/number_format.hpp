// Formatting doubles the way Python's repr(float) does, so JSON and metrics read like pretix's and Prometheus'.
#pragma once

#include <string>

namespace teamlog {

// Appends d as Python's repr(float): the shortest digits that round-trip, positional for decimal exponents in
// [-4, 16) ("0.0001", "1.0", "1e-05", "1e+16"); nan and infinities as "NaN", "Infinity", "-Infinity" (not JSON:
// JSON writers check first). With add_dot_zero false, integral values stay bare ("1"), as Prometheus samples are.
void append_double(std::string& out, double d, bool add_dot_zero = true);

}  // namespace teamlog
