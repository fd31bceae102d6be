// The public C header included from C++.
#include <smartkampung/smartkampung.h>

int skamp_headertest_cxx_dummy() { return SKAMP_OK; }
