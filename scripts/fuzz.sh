#!/usr/bin/env bash
# Runs every libFuzzer harness (tests/fuzz/fuzz_<target>.cpp) for a given time each,
# with ASan and UBSan, from the clang build that scripts/test-sanitizers-clang.sh also
# uses (build-clang-asan); then the atheris harness of the Python API when atheris can
# be installed. Seeds come from tests/fuzz/corpus/<target>/ (never written to); what the
# fuzzer learns goes to build-clang-asan/fuzz/<target>/, crashes to .../artifacts/.
# A crash fails the run: turn the artifact into a corpus file (a regression test).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET...]
# SKAMP_FUZZ_SEED=N makes a run reproducible: each fuzzer starts from an empty work
# corpus with that seed, so it tries the same inputs in the same order, and a shorter run
# (CI's) tries a prefix of what a longer run with the same seed tried. Without it, the
# fuzzers pick a random seed and keep what earlier runs learned.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
build_dir="${SKAMP_CLANG_ASAN_DIR:-build-clang-asan}"
bash scripts/test-sanitizers-clang.sh --build-fuzzers >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -v '^$' "$build_dir/tests/fuzz/targets.txt")
fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:silence_unsigned_overflow=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
summary=()
failed=0
for target in "${targets[@]}"; do
  exe="$build_dir/tests/fuzz/fuzz_$target"
  [ -x "$exe" ] || { echo "fuzz.sh: $exe missing (is SMARTKAMPUNG_FUZZ on with clang?)" >&2; exit 1; }
  work="$build_dir/fuzz/$target"
  seed_args=()
  if [ -n "${SKAMP_FUZZ_SEED:-}" ]; then
    rm -rf "$work/corpus"
    seed_args=(-seed="$SKAMP_FUZZ_SEED")
  fi
  mkdir -p "$work/corpus" "$work/artifacts"
  dict=()
  [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
  echo "=== fuzz $target for ${seconds} s"
  set +e
  "$exe" "$work/corpus" "tests/fuzz/corpus/$target" "${dict[@]}" "${seed_args[@]}" \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$work/artifacts/" > "$work/log.txt" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log.txt" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log.txt" | tail -1 || true)
  if [ "$rc" -ne 0 ]; then
    failed=1
    tail -60 "$work/log.txt"
    summary+=("$(printf '%-14s FAILED rc=%s  %s runs  artifacts: %s' "$target" "$rc" "${runs:-?}" "$work/artifacts")")
  else
    summary+=("$(printf '%-14s ok  %6s s  %10s runs  %7s exec/s  %s' "$target" "$seconds" "${runs:-?}" "${speed:-?}" "$cov")")
  fi
done

# The Python API through atheris, when it can be had (PyPI); not a test dependency.
if [ "${SKAMP_FUZZ_PYTHON:-1}" = 1 ]; then
  PY="${PYTHON:-python3}"
  "$PY" -c "import atheris" 2>/dev/null || "$PY" -m pip install -q --disable-pip-version-check atheris || true
  if "$PY" -c "import atheris" 2>/dev/null; then
    echo "=== fuzz python for ${seconds} s"
    work="$build_dir/fuzz/python"
    seed_args=()
    if [ -n "${SKAMP_FUZZ_SEED:-}" ]; then
      rm -rf "$work/corpus"
      seed_args=(-seed="$SKAMP_FUZZ_SEED")
    fi
    mkdir -p "$work/corpus"
    set +e
    # The module is built with ASan: preload clang's runtime; CPython's own memory is not ours to check.
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
      LD_PRELOAD="$(clang-14 -print-file-name=libclang_rt.asan-x86_64.so)" \
      PYTHONPATH="$build_dir/python" "$PY" tests/python/fuzz_python.py "$work/corpus" tests/fuzz/corpus/nik "${seed_args[@]}" \
      -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -artifact_prefix="$work/" > "$work/log.txt" 2>&1
    rc=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log.txt" | tail -1)
    if [ "$rc" -ne 0 ]; then
      failed=1
      tail -60 "$work/log.txt"
      summary+=("$(printf '%-14s FAILED rc=%s' python "$rc")")
    else
      summary+=("$(printf '%-14s ok  %6s s  %10s runs  %7s exec/s' python "$seconds" "${runs:-?}" "${speed:-?}")")
    fi
  else
    summary+=("python         not run: atheris could not be installed")
  fi
fi

echo "=== fuzz summary (${seconds} s each${SKAMP_FUZZ_SEED:+, seed $SKAMP_FUZZ_SEED})"
printf '%s\n' "${summary[@]}"
exit "$failed"
