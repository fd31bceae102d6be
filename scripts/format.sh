#!/usr/bin/env bash
# Formats the tree, or with --check fails on any file that is not formatted or any lint
# finding: C and C++ with clang-format (.clang-format), Python with ruff (format and lint,
# [tool.ruff] in pyproject.toml). Both tools come pinned from PyPI through the `test`
# extra, so every machine formats alike.
# Usage: scripts/format.sh [--check | --lint]   (CI runs --check; --lint is ruff check alone)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
case "${1:-}" in
  --check) check=1 ;;
  --lint) check=2 ;;
  "") ;;
  *) echo "format.sh: unknown option $1 (use --check, --lint or nothing)" >&2; exit 2 ;;
esac
bash scripts/setup.sh >/dev/null
PY="${PYTHON:-python3}"
bindir="$("$PY" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
clang_format="$bindir/clang-format"
ruff="$bindir/ruff"
[ -x "$clang_format" ] || clang_format="$(command -v clang-format)"
[ -x "$ruff" ] || ruff="$(command -v ruff)"

mapfile -t cxx < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp')
mapfile -t py < <(git ls-files '*.py' '*.pyi')
status=0
if [ "$check" = 2 ]; then
  "$ruff" check "${py[@]}" || status=1
elif [ "$check" = 1 ]; then
  "$clang_format" --dry-run -Werror "${cxx[@]}" || status=1
  "$ruff" format --check "${py[@]}" || status=1
  "$ruff" check "${py[@]}" || status=1
  if [ "$status" != 0 ]; then
    echo "format.sh: run scripts/format.sh (no option) to format; fix lint findings by hand" >&2
  fi
else
  "$clang_format" -i "${cxx[@]}"
  "$ruff" format "${py[@]}"
  "$ruff" check --fix "${py[@]}" || status=1
fi
exit "$status"
