#!/usr/bin/env bash
# One clang-14 build with AddressSanitizer and UndefinedBehaviorSanitizer, shared by
# the libFuzzer harnesses (scripts/fuzz.sh) and the sanitizer run of the whole suite,
# so that CI compiles the library once for both. Builds into build-clang-asan (or
# $SKAMP_CLANG_ASAN_DIR) and runs the suite at the small test size.
# Usage: scripts/test-sanitizers-clang.sh [--build-only | --build-fuzzers] [extra ctest args...]
#   --build-only: build everything, run nothing; --build-fuzzers: only the libFuzzer
#   programs (what scripts/fuzz.sh needs).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${SKAMP_CLANG_ASAN_DIR:-build-clang-asan}"
build_only=0
build_fuzzers=0
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi
if [ "${1:-}" = "--build-fuzzers" ]; then build_fuzzers=1; shift; fi

command -v clang-14 >/dev/null || bash scripts/setup.sh --sanitizers
asan_runtime="$(clang-14 -print-file-name=libclang_rt.asan-x86_64.so)"

# RapidJSON 1.1.0's stack does arithmetic on a null pointer before its first push (UB that
# UBSan reports on every JSON parse): tests/fuzz/ubsan-ignorelist.txt leaves that header
# out of the UBSan checks, and nothing else.
ignorelist="-fsanitize-ignorelist=$PWD/tests/fuzz/ubsan-ignorelist.txt"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  # CMakeLists.txt/cmake/options.cmake handle clang's sanitizer link needs themselves
  # (no --no-undefined on the library, the C++ UBSan runtime in C programs).
  bash scripts/setup.sh
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build_dir" "${generator[@]}" \
    -DPython_EXECUTABLE="$(command -v "${PYTHON:-python3}")" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSMARTKAMPUNG_SANITIZE=ON -DSMARTKAMPUNG_FUZZ=ON \
    -DSMARTKAMPUNG_BENCH=OFF -DSMARTKAMPUNG_INSTALL=OFF -DCMAKE_CXX_FLAGS="$ignorelist"
else
  # picks up new files, recovers from a failed configure, and keeps the flags current
  cmake "$build_dir" -DCMAKE_CXX_FLAGS="$ignorelist" >/dev/null
fi
if [ "$build_fuzzers" = 1 ]; then
  mapfile -t fuzz_targets < <(grep -v '^$' "$build_dir/tests/fuzz/targets.txt" | sed 's/^/fuzz_/')
  # The Python module too, for fuzz.sh's atheris harness (it imports the package from here).
  [ "${SKAMP_FUZZ_PYTHON:-1}" = 1 ] && fuzz_targets+=(_core)
  cmake --build "$build_dir" -j"$(nproc)" --target "${fuzz_targets[@]}"
  exit 0
fi
cmake --build "$build_dir" -j"$(nproc)"
[ "$build_only" = 1 ] && exit 0

export SKAMP_TEST_SIZE=small
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" -LE 'python|service|cluster' "$@"
# CPython is not built with ASan: preload clang's shared runtime (it carries UBSan's
# handlers too) and turn leak detection off (the interpreter keeps memory at exit).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 LD_PRELOAD="$asan_runtime" \
  ctest --test-dir "$build_dir" --output-on-failure -L python "$@"
