#!/usr/bin/env bash
# A Prefect server and a process worker for ntm on this machine (Ctrl-C stops both).
# Usage: scripts/serve.sh [PORT]   (default 4200; the UI is at http://127.0.0.1:PORT)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-4200}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_API_URL="http://127.0.0.1:${port}/api"
.venv/bin/prefect server start --host 127.0.0.1 --port "$port" &
server=$!
trap 'kill $worker $server 2>/dev/null; wait' EXIT INT TERM
for _ in $(seq 120); do
  curl -fsS "${PREFECT_API_URL}/health" >/dev/null 2>&1 && break
  sleep 1
done
.venv/bin/prefect work-pool create ntm-process --type process --overwrite >/dev/null
.venv/bin/prefect worker start --pool ntm-process &
worker=$!
echo "Prefect UI: http://127.0.0.1:${port}  (export PREFECT_API_URL=${PREFECT_API_URL})"
wait $server
