#!/usr/bin/env bash
# Builds the library and the C/C++ tests with ThreadSanitizer (gcc, which links the
# TSan runtime into the shared library too) into build-tsan, and runs the tests
# labelled "concurrency" there. Any data race report fails the run.
# Usage: scripts/test-tsan.sh [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${SKAMP_TSAN_DIR:-build-tsan}"
flags="-fsanitize=thread -fno-omit-frame-pointer"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  bash scripts/setup.sh
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cmake -S . -B "$build_dir" "${generator[@]}" -DSMARTKAMPUNG_PYTHON=OFF -DSMARTKAMPUNG_BENCH=OFF \
    -DSMARTKAMPUNG_INSTALL=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread
else
  cmake "$build_dir" >/dev/null
fi
# Only what the "concurrency" label runs (tests/CMakeLists.txt: skamp_concurrency_tests).
cmake --build "$build_dir" -j"$(nproc)" --target skamp_concurrency_tests
export SKAMP_TEST_SIZE=small
# halt_on_error: the first race fails the test; second_deadlock_stack: full lock reports.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=1"
ctest --test-dir "$build_dir" -L concurrency --no-tests=error --output-on-failure -j"$(nproc)" "$@"
