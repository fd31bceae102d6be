#!/usr/bin/env bash
# The many-writer test of the certificate store at full size: 10 CLI processes per trial,
# 20 trials (CI runs 5), each registering a business and checking visitors in on one store.
# Usage: bench/cert_concurrency.sh [BUILD_DIR] [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(cd "${1:-build}" && pwd)"
SKAMP_CERT_TRIALS="${2:-20}" PYTHONPATH="$build/python" SKAMP_SOURCE_DIR="$PWD" \
  "${PYTHON:-python3}" -m pytest -q -p no:cacheprovider tests/python/test_cert_trust.py \
  -k "ten_cli_processes or cap_holds or two_threads"
