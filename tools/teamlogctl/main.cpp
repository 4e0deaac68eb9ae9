// teamlogctl: the operator tool; all the work is in the teamlog_ctl library so that tests can call it in-process.
#include <cstdio>
#include <iostream>

#include "ctl.hpp"

int main(int argc, char** argv) { return teamlog::ctl::run(argc, argv, std::cout, std::cerr); }
