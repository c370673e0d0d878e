#!/usr/bin/env bash
# Install time of the environment, old route (pip on pyproject's ranges) vs new (uv from the
# exact lock uv.lock), each from an empty venv and an empty package cache; docs/benchmarks.md
# "Environment install". Run from the repository root: bash benchmarks/install_time.sh
# Writes only under /tmp (removed at the end). Takes a few minutes and ~12 GB of disk.
set -euo pipefail
echo "date $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf /tmp/pipv; s=$(date +%s.%N)
python3 -m venv /tmp/pipv && /tmp/pipv/bin/python -m pip install --quiet --upgrade pip \
  && /tmp/pipv/bin/python -m pip install --quiet -e ".[test]"
e=$(date +%s.%N); echo "pip, ranges (pip install -e .[test]): $(echo "$e - $s" | bc) s"
rm -rf /tmp/uvcold /tmp/uvtools /tmp/uvv; s=$(date +%s.%N)
python3 -m venv /tmp/uvtools && /tmp/uvtools/bin/python -m pip install --quiet uv==0.13.9 \
  && UV_CACHE_DIR=/tmp/uvcold UV_PROJECT_ENVIRONMENT=/tmp/uvv UV_PYTHON=python3 \
     /tmp/uvtools/bin/uv sync --frozen --extra test --quiet
e=$(date +%s.%N); echo "uv, exact lock, empty cache (uv bootstrap included): $(echo "$e - $s" | bc) s"
rm -rf /tmp/uvv; s=$(date +%s.%N)
UV_CACHE_DIR=/tmp/uvcold UV_PROJECT_ENVIRONMENT=/tmp/uvv UV_PYTHON=python3 \
  /tmp/uvtools/bin/uv sync --frozen --extra test --quiet
e=$(date +%s.%N); echo "uv, exact lock, warm cache (second venv): $(echo "$e - $s" | bc) s"
du -sh /tmp/pipv /tmp/uvv
rm -rf /tmp/pipv /tmp/uvv /tmp/uvcold /tmp/uvtools
