#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer (gcc) into
# build-asan and runs the suite there at the small test size. pytest runs with the
# sanitizer runtimes preloaded and leak detection off (CPython itself "leaks").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build-asan -DSMARTKAMPUNG_SANITIZE=ON -DSMARTKAMPUNG_BENCH=OFF \
  -DSMARTKAMPUNG_INSTALL=OFF -DCMAKE_BUILD_TYPE=Debug
export SKAMP_TEST_SIZE=small
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -LE python
preload="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$preload" \
  ctest --test-dir build-asan --output-on-failure -L python
