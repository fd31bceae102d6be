#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing: Debian packages
# (C++ libraries and tools) and Python build/test tools from PyPI. Idempotent.
# Usage: scripts/setup.sh [--sanitizers]
set -euo pipefail
cd "$(dirname "$0")/.."

want_sanitizers=0
for arg in "$@"; do
  case "$arg" in
    --sanitizers) want_sanitizers=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

debs=(build-essential cmake ninja-build pkg-config libboost-dev rapidjson-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      golang-go
      libsodium-dev libqrencode-dev zlib1g-dev zbar-tools
      chromium chromium-driver  # headless: the verification page and the service (Selenium)
      libreoffice-calc-nogui)  # LibreOffice headless: the CLI's spreadsheet round-trip test
if [ "$want_sanitizers" = 1 ]; then
  debs+=(clang-14 libclang-rt-14-dev llvm-14 valgrind)
fi

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
# Python tools: the build requirements and the `test` extra, both read from
# pyproject.toml so that the list lives in one place.
mapfile -t py_reqs < <("$PY" - <<'PYEOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    meta = tomllib.load(f)
for req in meta["build-system"]["requires"] + meta["project"]["optional-dependencies"]["test"]:
    print(req)
PYEOF
)
if ! "$PY" - "${py_reqs[@]}" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
from packaging.requirements import Requirement
for text in sys.argv[1:]:
    req = Requirement(text)
    if not req.specifier.contains(version(req.name), prereleases=True):
        sys.exit(1)
PYEOF
then
  echo "setup.sh: installing Python build and test tools: ${py_reqs[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${py_reqs[@]}"
fi
