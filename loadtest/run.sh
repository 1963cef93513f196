#!/usr/bin/env bash
# Load run: the same wrk load straight to mockllm, through Go's
# httputil.ReverseProxy (baseline) and through Tollgate, in one run, plus
# streaming time to first byte. Prints a markdown table (also written to
# loadtest/results/latest.md). Loopback only; every phase is bounded.
#   DURATION=15s CONNS=50 THREADS=2 bash loadtest/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
TTFB_N=${TTFB_N:-300}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)" >&2; exit 1; }

mkdir -p bin loadtest/results
go build -o bin/tollgate ./cmd/tollgate
go build -o bin/mockllm ./cmd/mockllm
go build -o bin/baseline ./loadtest/baseline
go build -o bin/ttfb ./loadtest/ttfb

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

bin/mockllm --listen 127.0.0.1:18080 2>/dev/null & pids+=($!); mock_pid=$!
bin/baseline --listen 127.0.0.1:18081 --upstream http://127.0.0.1:18080 2>/dev/null & pids+=($!); base_pid=$!
bin/tollgate --config loadtest/gateway.yaml 2>/dev/null & pids+=($!); gw_pid=$!
bin/tollgate --config loadtest/gateway-full.yaml 2>/dev/null & pids+=($!); full_pid=$!
# The same, every stage on but the policy: its cost is the difference.
nopol=$(mktemp -d)
sed -e 's/^listen: 127.0.0.1:18083/listen: 127.0.0.1:18084/' -e '/^policy:/,/^  dir:/d' -e 's/ledger-full/ledger-nopolicy/' \
  loadtest/gateway-full.yaml > "$nopol/gateway-nopolicy.yaml"
bin/tollgate --config "$nopol/gateway-nopolicy.yaml" 2>/dev/null & pids+=($!); nopol_pid=$!
# The same with the policy evaluated by OPA's topdown instead of the compiled evaluator.
sed -e 's/^listen: 127.0.0.1:18083/listen: 127.0.0.1:18085/' -e 's/^policy:/policy:\n  evaluator: opa/' -e 's/ledger-full/ledger-opa/' \
  loadtest/gateway-full.yaml > "$nopol/gateway-opa.yaml"
bin/tollgate --config "$nopol/gateway-opa.yaml" 2>/dev/null & pids+=($!); opa_pid=$!
for port in 18080 18081 18082 18083 18084 18085; do
  for _ in $(seq 100); do curl -sf -o /dev/null -H 'Authorization: Bearer sk-load' "http://127.0.0.1:$port/v1/models" && break; sleep 0.1; done
done

clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# run NAME PORT PID: wrk against PORT, CPU of PID per request.
results=()
run() {
  local name=$1 port=$2 pid=$3
  wrk -t"$THREADS" -c"$CONNS" -d5s -s loadtest/chat.lua "http://127.0.0.1:$port" >/dev/null # warm-up
  local t0 m0 out t1 m1
  t0=$(cpu_ticks "$pid"); m0=$(cpu_ticks "$mock_pid")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s loadtest/chat.lua "http://127.0.0.1:$port" | grep '^RESULT')
  t1=$(cpu_ticks "$pid"); m1=$(cpu_ticks "$mock_pid")
  local req dur err p50 p99
  req=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")
  dur=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$out")
  err=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$out")
  p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$out")
  p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$out")
  local rps cpu
  rps=$(awk -v r="$req" -v d="$dur" 'BEGIN{printf "%.0f", r/(d/1e6)}')
  cpu=$(awk -v a="$t0" -v b="$t1" -v c="$clk" -v r="$req" 'BEGIN{printf "%.1f", (b-a)/c/r*1e6}')
  if [ "$name" = direct ]; then cpu="$cpu (mock itself)"; fi
  results+=("| $name | $rps | $p50 | $p99 | $cpu | $err |")
  eval "rps_$name=$rps"
}
run direct 18080 "$mock_pid"
run baseline 18081 "$base_pid"
run gateway 18082 "$gw_pid"
export TG_KEY=sk-load
run gateway_all_stages 18083 "$full_pid"
run gateway_all_but_policy 18084 "$nopol_pid"
run gateway_all_stages_opa_evaluator 18085 "$opa_pid"
unset TG_KEY

ttfb_direct=$(bin/ttfb -n "$TTFB_N" -url http://127.0.0.1:18080/v1/chat/completions)
ttfb_gw=$(bin/ttfb -n "$TTFB_N" -url http://127.0.0.1:18082/v1/chat/completions)

{
  echo "Load run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores: wrk -t$THREADS -c$CONNS -d$DURATION, non-streaming chat, zero-latency mockllm"
  echo "(gateway = later stages off: no auth, policy, limits or ledger; metrics and health on. gateway_all_stages:"
  echo " virtual keys, rate limits and budgets, the example Rego policies in both phases, ledger and access log.)"
  echo
  echo "| target | RPS | p50 ms | p99 ms | proxy CPU µs/request | errors |"
  echo "| --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${results[@]}"
  echo
  echo "gateway/baseline RPS ratio: $(awk -v g="$rps_gateway" -v b="$rps_baseline" 'BEGIN{printf "%.2f", g/b}')"
  echo "gateway/direct RPS ratio: $(awk -v g="$rps_gateway" -v d="$rps_direct" 'BEGIN{printf "%.2f", g/d}')"
  echo "policy on/off RPS ratio (all other stages on): $(awk -v a="$rps_gateway_all_stages" -v b="$rps_gateway_all_but_policy" 'BEGIN{printf "%.2f", a/b}')"
  echo "policy on, OPA topdown evaluator/off RPS ratio: $(awk -v a="$rps_gateway_all_stages_opa_evaluator" -v b="$rps_gateway_all_but_policy" 'BEGIN{printf "%.2f", a/b}')"
  echo
  echo "Streaming time to first byte (sequential, $TTFB_N requests):"
  echo "- direct:  $ttfb_direct"
  echo "- gateway: $ttfb_gw"
} | tee loadtest/results/latest.md
