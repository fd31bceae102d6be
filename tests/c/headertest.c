/* Compiles the public C header alone, with -Wall -Wextra -pedantic -Werror. */
#include <smartkampung/smartkampung.h>

int skamp_headertest_dummy(void);
int skamp_headertest_dummy(void) { return SKAMP_OK; }
