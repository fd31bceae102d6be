#!/usr/bin/env bash
# One clang-14 build with AddressSanitizer and UndefinedBehaviorSanitizer, shared by
# the libFuzzer harnesses (scripts/fuzz.sh) and the sanitizer run of the whole suite,
# so that CI compiles the library once for both. Builds into build-clang-asan (or
# $SKAMP_CLANG_ASAN_DIR) and runs the suite at the small test size.
# Usage: scripts/test-sanitizers-clang.sh [--build-only] [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${SKAMP_CLANG_ASAN_DIR:-build-clang-asan}"
build_only=0
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi

command -v clang-14 >/dev/null || bash scripts/setup.sh --sanitizers
asan_runtime="$(clang-14 -print-file-name=libclang_rt.asan-x86_64.so)"

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  # A shared library built with clang's ASan leaves the __asan_* symbols to the
  # program that loads it (the static runtime is linked into executables only), so
  # libsmartkampung.so cannot be linked with --no-undefined. Until cmake/options.cmake
  # drops that flag in clang sanitizer builds, "-z undefs" at the end of the link
  # line overrides it (the last of the two wins). The library's UBSan vptr checks need
  # the C++ part of the runtime, which clang links into C programs (test_capi) only
  # when asked to (-fsanitize-link-c++-runtime, with libstdc++).
  CC=clang-14 CXX=clang++-14 bash scripts/build.sh "$build_dir" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSMARTKAMPUNG_SANITIZE=ON -DSMARTKAMPUNG_FUZZ=ON \
    -DSMARTKAMPUNG_BENCH=OFF -DSMARTKAMPUNG_INSTALL=OFF \
    -DCMAKE_CXX_STANDARD_LIBRARIES="-Wl,-z,undefs" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize-link-c++-runtime" -DCMAKE_C_STANDARD_LIBRARIES="-lstdc++"
else
  cmake "$build_dir" >/dev/null  # picks up new files, and recovers from a failed configure
  bash scripts/build.sh "$build_dir"
fi
[ "$build_only" = 1 ] && exit 0

export SKAMP_TEST_SIZE=small
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" -LE python "$@"
# CPython is not built with ASan: preload clang's shared runtime (it carries UBSan's
# handlers too) and turn leak detection off (the interpreter keeps memory at exit).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 LD_PRELOAD="$asan_runtime" \
  ctest --test-dir "$build_dir" --output-on-failure -L python "$@"
