#!/usr/bin/env bash
# Runs every CTest test labelled "memcheck" under valgrind memcheck, at the small test
# size, and fails on any error or leak (definite, indirect or possible; memory still
# reachable at exit is not a leak). Reuses the plain build of scripts/test.sh (valgrind
# needs a build without sanitizers), so CI compiles nothing more for it.
# Usage: scripts/test-valgrind.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
command -v valgrind >/dev/null || bash scripts/setup.sh --sanitizers
if [ -f "$build_dir/CMakeCache.txt" ]; then
  cmake "$build_dir" >/dev/null
else
  bash scripts/setup.sh
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMARTKAMPUNG_PYTHON=OFF \
    -DSMARTKAMPUNG_BENCH=OFF -DSMARTKAMPUNG_INSTALL=OFF >/dev/null
fi
# Only the programs the label runs (tests/CMakeLists.txt: skamp_memcheck_tests).
cmake --build "$build_dir" -j"$(nproc)" --target skamp_memcheck_tests >/dev/null
export SKAMP_TEST_SIZE=small
log_dir="$build_dir/valgrind"
rm -rf "$log_dir" && mkdir -p "$log_dir"

# CTest knows each test's command, environment and folder; valgrind wraps the command.
# gtest cases of one program are merged into one run (valgrind's start-up is slow).
ctest --test-dir "$build_dir" -N -L memcheck --show-only=json-v1 > "$log_dir/tests.json"
python3 - "$log_dir" <<'PY'
import json, os, re, subprocess, sys, time
log_dir = os.path.abspath(sys.argv[1])
tests = json.load(open(os.path.join(log_dir, "tests.json")))["tests"]
runs = {}  # (command without filter, cwd, env) -> [gtest filters]
for test in tests:
    props = {p["name"]: p["value"] for p in test.get("properties", [])}
    if props.get("DISABLED"):
        continue
    command = test["command"]
    filters = [a for a in command if a.startswith("--gtest_filter=")]
    base = tuple(a for a in command if not a.startswith("--gtest_filter=") and a != "--gtest_also_run_disabled_tests")
    env = tuple(props.get("ENVIRONMENT", []))
    key = (base, props.get("WORKING_DIRECTORY", ""), env)
    runs.setdefault(key, []).extend(f.split("=", 1)[1] for f in filters)
if not runs:
    sys.exit("no test carries the label memcheck")
valgrind = ["valgrind", "--tool=memcheck", "--error-exitcode=97", "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible", "--errors-for-leak-kinds=definite,indirect,possible",
            "--num-callers=30", "--child-silent-after-fork=yes"]
passed = failed = 0
for i, ((base, cwd, env), filters) in enumerate(sorted(runs.items())):
    command = list(base) + ([f"--gtest_filter={':'.join(filters)}"] if filters else [])
    name = os.path.basename(base[0]) + (f" ({len(filters)} gtest cases)" if filters else " " + " ".join(base[1:]))
    log = os.path.join(log_dir, f"{i:02d}-{os.path.basename(base[0])}.log")
    environment = dict(os.environ)
    environment.update(e.split("=", 1) for e in env)
    start = time.monotonic()
    rc = subprocess.run(valgrind + [f"--log-file={log}"] + command, cwd=cwd or None, env=environment,
                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode
    summary = open(log).read()
    errors = re.search(r"ERROR SUMMARY: (\d+) errors", summary)
    ok = rc == 0 and errors is not None and errors.group(1) == "0"
    print(f"{'ok  ' if ok else 'FAIL'} {time.monotonic() - start:6.1f} s  {name}  (log {log})")
    if ok:
        passed += 1
    else:
        failed += 1
        print(summary[-4000:])
print(f"valgrind: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
