#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing: Debian packages
# (C++ libraries and tools) and Python build/test tools from PyPI. Idempotent.
# Usage: scripts/setup.sh [--sanitizers]
set -euo pipefail

want_sanitizers=0
for arg in "$@"; do
  case "$arg" in
    --sanitizers) want_sanitizers=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

debs=(build-essential cmake ninja-build pkg-config libboost-dev rapidjson-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      golang-go)
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
# Python tools: build backend plus the test extra of pyproject.toml.
if ! "$PY" -c "import pybind11, scikit_build_core, pytest, numpy, hypothesis" 2>/dev/null; then
  echo "setup.sh: installing Python build and test tools"
  "$PY" -m pip install -q --disable-pip-version-check \
    "scikit-build-core>=0.10" "pybind11>=2.12" "pytest>=7" "numpy>=1.23" "hypothesis>=6"
fi
