#!/usr/bin/env bash
# Regenerates python/smartkampung/_core.pyi from a built module (pybind11-stubgen,
# from PyPI). Run after changing the bindings; tests/python/test_stubs.py checks
# that the stub names every public name of the module.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
python3 -m pip show pybind11-stubgen >/dev/null 2>&1 || python3 -m pip install -q pybind11-stubgen
out="$(mktemp -d)"
PYTHONPATH="$build_dir/python" python3 -m pybind11_stubgen smartkampung._core -o "$out" \
  --numpy-array-remove-parameters --ignore-all-errors >/dev/null
cp "$out/smartkampung/_core.pyi" python/smartkampung/_core.pyi
rm -rf "$out"
echo "wrote python/smartkampung/_core.pyi"
