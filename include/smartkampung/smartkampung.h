/* smartkampung.h: the C API of smartkampung, the one header a C program includes.
 *
 * Only this C API is ABI-stable (semantic versioning of the shared library's
 * SOVERSION); the C++ API is source-stable within a major version. */
#ifndef SMARTKAMPUNG_H
#define SMARTKAMPUNG_H

#include <smartkampung/c/arrow.h>
#include <smartkampung/c/cert.h>
#include <smartkampung/c/common.h>
#include <smartkampung/c/deprecated.h>
#include <smartkampung/c/geo.h>
#include <smartkampung/c/linkage.h>
#include <smartkampung/c/nik.h>
#include <smartkampung/c/registry.h>
#include <smartkampung/c/rules.h>

#endif
