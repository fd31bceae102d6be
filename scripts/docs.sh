#!/usr/bin/env bash
# Builds the API reference from the header comments (Doxygen, from Debian) into
# build/docs/html; the Python reference comes from the docstrings (python -m pydoc).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v doxygen >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq doxygen >/dev/null; }
mkdir -p build/docs
SKAMP_DOCS_OUT=build/docs doxygen docs/Doxyfile
echo "API reference: build/docs/html/index.html"
