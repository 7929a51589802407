#!/usr/bin/env bash
# Builds the playground (release) and serves it on http://127.0.0.1:8080.
# PORT overrides the port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
PORT="${PORT:-8080}"
echo "[serve] http://127.0.0.1:$PORT/ (Ctrl-C to stop)"
cd dist
exec python3 -m http.server "$PORT" --bind 127.0.0.1
