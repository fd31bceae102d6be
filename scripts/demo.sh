#!/usr/bin/env bash
# The main job: builds (installing what is missing) and runs the end-to-end demo on
# bundled synthetic data. Extra arguments go to `smartkampung demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build >/tmp/smartkampung-demo-build.log 2>&1 || {
  tail -50 /tmp/smartkampung-demo-build.log; echo "demo: build failed (log: /tmp/smartkampung-demo-build.log)" >&2; exit 1; }
PYTHONPATH="$PWD/build/python${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python3}" -m smartkampung demo "$@"
