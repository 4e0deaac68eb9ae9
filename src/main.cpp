// teamlogd: the composition root (config -> logging -> store -> projections -> server). Being assembled.
#include <cstdio>
int main() { std::fprintf(stderr, "teamlogd: not assembled yet\n"); return 1; }
