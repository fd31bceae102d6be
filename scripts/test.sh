#!/usr/bin/env bash
# Runs every test (C++, C, Python, ABI, install) through CTest, after building with
# warnings as errors. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build -DSMARTKAMPUNG_WERROR=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
