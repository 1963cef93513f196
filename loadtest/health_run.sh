#!/usr/bin/env bash
# Health demo under load: a deployment failing 50% of its requests turns
# unhealthy and loses its traffic; clients see no errors (retries). Prints
# per-phase request counts per deployment and /v1/health/models.
#   PHASE=10s bash loadtest/health_run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PHASE=${PHASE:-10s}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)" >&2; exit 1; }
mkdir -p bin loadtest/results
go build -o bin/tollgate ./cmd/tollgate
go build -o bin/mockllm ./cmd/mockllm
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
bin/mockllm --listen 127.0.0.1:18090 2>/dev/null & pids+=($!)
bin/mockllm --listen 127.0.0.1:18091 --error-rate 0.5 --error-status 503 2>/dev/null & pids+=($!)
bin/tollgate --config loadtest/health-run.yaml 2>/dev/null & pids+=($!)
for port in 18090 18091 18092; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/v1/models" && break; sleep 0.1; done
done
count() { curl -s "http://127.0.0.1:$1/_mock/stats" | sed -E 's/.*"requests":([0-9]+).*/\1/'; }
{
  g0=$(count 18090); f0=$(count 18091)
  wrk -t2 -c20 -d"$PHASE" -s loadtest/chat.lua http://127.0.0.1:18092 | grep -E 'RESULT|Non-2xx' || true
  g1=$(count 18090); f1=$(count 18091)
  wrk -t2 -c20 -d"$PHASE" -s loadtest/chat.lua http://127.0.0.1:18092 | grep -E 'RESULT|Non-2xx' || true
  g2=$(count 18090); f2=$(count 18091)
  echo "phase 1 ($PHASE): good got $((g1-g0)) requests, flaky got $((f1-f0))"
  echo "phase 2 ($PHASE): good got $((g2-g1)) requests, flaky got $((f2-f1))"
  echo "GET /v1/health/models:"
  curl -s http://127.0.0.1:18092/v1/health/models
  echo
} | tee loadtest/results/health.txt
