#!/usr/bin/env bash
# Load run: the same wrk load straight to mockllm, through Go's
# httputil.ReverseProxy (baseline) and through each Tollgate target listed
# in loadtest/targets (stages add theirs there), in one run, plus
# streaming time to first byte. Prints a markdown table (also written to
# loadtest/results/latest.md). Loopback only; every phase is bounded.
#   DURATION=15s CONNS=50 THREADS=2 bash loadtest/run.sh
# RATE=N (default 1500; 0 = off) also sends each target N requests/s for
# RATE_DURATION (default 10s) with loadtest/rate, an open loop: every target
# then carries the same load, so its CPU per request is its own work and not
# how often a closed loop's peers sleep and must be woken (which changes
# with each target's throughput under wrk).
# BEFORE=<git ref> also builds that commit's tollgate and runs every target
# on it too, as <name>_before (port + 100), so a change is compared with the
# code before it in one run:  BEFORE=HEAD~3 bash loadtest/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
TTFB_N=${TTFB_N:-300}
BEFORE=${BEFORE:-}
RATE=${RATE:-1500}
RATE_DURATION=${RATE_DURATION:-10s}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)" >&2; exit 1; }

mkdir -p bin loadtest/results
go build -o bin/tollgate ./cmd/tollgate
go build -o bin/mockllm ./cmd/mockllm
go build -o bin/baseline ./loadtest/baseline
go build -o bin/ttfb ./loadtest/ttfb
go build -o bin/rate ./loadtest/rate
if [ -n "$BEFORE" ]; then
  src=$(mktemp -d)
  git archive "$BEFORE" | tar -x -C "$src"
  root=$(pwd)
  (cd "$src" && go build -o "$root/bin/tollgate-before" ./cmd/tollgate)
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

bin/mockllm --listen 127.0.0.1:18080 2>/dev/null & pids+=($!); mock_pid=$!
bin/baseline --listen 127.0.0.1:18081 --upstream http://127.0.0.1:18080 2>/dev/null & pids+=($!); base_pid=$!
# One tollgate per line of loadtest/targets, its config derived there.
tdir=$(mktemp -d)
targets=()
while read -r name port key base edits; do
  case "$name" in ''|'#'*) continue ;; esac
  sed -e "s/^listen: .*/listen: 127.0.0.1:$port/" -e "s/ledger-full/ledger-$name/" ${edits:+-e "$edits"} "$base" > "$tdir/$name.yaml"
  bin/tollgate --config "$tdir/$name.yaml" </dev/null 2>/dev/null & pids+=($!)
  targets+=("$name $port $key $!")
  if [ -n "$BEFORE" ]; then
    bport=$((port + 100))
    sed -e "s/^listen: .*/listen: 127.0.0.1:$bport/" -e "s/ledger-full/ledger-${name}_before/" ${edits:+-e "$edits"} "$base" > "$tdir/${name}_before.yaml"
    bin/tollgate-before --config "$tdir/${name}_before.yaml" </dev/null 2>/dev/null & pids+=($!)
    targets+=("${name}_before $bport $key $!")
  fi
done < loadtest/targets
ports="18080 18081"
for t in "${targets[@]}"; do read -r _ port _ _ <<<"$t"; ports="$ports $port"; done
for port in $ports; do
  for _ in $(seq 100); do curl -sf -o /dev/null -H 'Authorization: Bearer sk-load' "http://127.0.0.1:$port/v1/models" && break; sleep 0.1; done
done
# A target whose gateway did not start (an older build given a config
# section it does not know, under BEFORE) is left out, and said so.
live=()
for t in "${targets[@]}"; do
  read -r name _ _ pid <<<"$t"
  if kill -0 "$pid" 2>/dev/null; then live+=("$t"); else echo "run.sh: $name did not start; left out" >&2; fi
done
targets=("${live[@]}")

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
  local fixed=""
  if [ "$RATE" -gt 0 ]; then
    t0=$(cpu_ticks "$pid")
    out=$(bin/rate -rate "$RATE" -duration "$RATE_DURATION" -url "http://127.0.0.1:$port/v1/chat/completions")
    t1=$(cpu_ticks "$pid")
    req=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")
    fixed="$(awk -v a="$t0" -v b="$t1" -v c="$clk" -v r="$req" 'BEGIN{printf "%.1f", (b-a)/c/r*1e6}') | $(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$out") | $(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$out") |"
  fi
  results+=("| $name | $rps | $p50 | $p99 | $cpu | $err |$fixed")
  eval "rps_$name=$rps"
}
run direct 18080 "$mock_pid"
run baseline 18081 "$base_pid"
for t in "${targets[@]}"; do
  read -r name port key pid <<<"$t"
  if [ "$key" = - ]; then unset TG_KEY; else export TG_KEY=$key; fi
  run "$name" "$port" "$pid"
done
unset TG_KEY

ttfb_direct=$(bin/ttfb -n "$TTFB_N" -url http://127.0.0.1:18080/v1/chat/completions)
ttfb_gw=$(bin/ttfb -n "$TTFB_N" -url http://127.0.0.1:18082/v1/chat/completions)
ttfb_hit=""
if [ -n "${rps_gateway_cache_hit:-}" ]; then # the same stream each time: replayed from the cache after the first
  ttfb_hit=$(bin/ttfb -n "$TTFB_N" -url http://127.0.0.1:18086/v1/chat/completions)
fi

{
  echo "Load run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores: wrk -t$THREADS -c$CONNS -d$DURATION, non-streaming chat, zero-latency mockllm"
  if [ -n "$BEFORE" ]; then echo "(*_before: the same target built from $BEFORE, $(git rev-parse --short "$BEFORE"))"; fi
  echo "(gateway = later stages off: no auth, policy, limits or ledger; metrics and health on. gateway_all_stages:"
  echo " virtual keys, rate limits and budgets, the example Rego policies in both phases, ledger and access log.)"
  echo
  if [ "$RATE" -gt 0 ]; then
    echo "(last three columns: the same target at a fixed $RATE requests/s for $RATE_DURATION, loadtest/rate)"
    echo
    echo "| target | RPS | p50 ms | p99 ms | proxy CPU µs/request | errors | CPU µs/request at $RATE/s | p99 ms at $RATE/s | errors at $RATE/s |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  else
    echo "| target | RPS | p50 ms | p99 ms | proxy CPU µs/request | errors |"
    echo "| --- | --- | --- | --- | --- | --- |"
  fi
  printf '%s\n' "${results[@]}"
  echo
  echo "gateway/baseline RPS ratio: $(awk -v g="$rps_gateway" -v b="$rps_baseline" 'BEGIN{printf "%.2f", g/b}')"
  echo "gateway/direct RPS ratio: $(awk -v g="$rps_gateway" -v d="$rps_direct" 'BEGIN{printf "%.2f", g/d}')"
  if [ -n "${rps_gateway_all_stages:-}" ] && [ -n "${rps_gateway_all_but_policy:-}" ]; then
    echo "policy on/off RPS ratio (all other stages on): $(awk -v a="$rps_gateway_all_stages" -v b="$rps_gateway_all_but_policy" 'BEGIN{printf "%.2f", a/b}')"
  fi
  if [ -n "${rps_gateway_all_stages_opa_evaluator:-}" ] && [ -n "${rps_gateway_all_but_policy:-}" ]; then
    echo "policy on, OPA topdown evaluator/off RPS ratio: $(awk -v a="$rps_gateway_all_stages_opa_evaluator" -v b="$rps_gateway_all_but_policy" 'BEGIN{printf "%.2f", a/b}')"
  fi
  if [ -n "${rps_gateway_cache_hit:-}" ] && [ -n "${rps_gateway_cache_miss:-}" ]; then
    echo "cache 100 % hits / 0 % hits RPS ratio: $(awk -v a="$rps_gateway_cache_hit" -v b="$rps_gateway_cache_miss" 'BEGIN{printf "%.2f", a/b}')"
  fi
  if [ -n "${rps_gateway_all_stages_filters:-}" ] && [ -n "${rps_gateway_all_stages:-}" ]; then
    echo "filters on/off RPS ratio (all other stages on): $(awk -v a="$rps_gateway_all_stages_filters" -v b="$rps_gateway_all_stages" 'BEGIN{printf "%.2f", a/b}')"
  fi
  echo
  echo "Streaming time to first byte (sequential, $TTFB_N requests):"
  echo "- direct:  $ttfb_direct"
  echo "- gateway: $ttfb_gw"
  if [ -n "$ttfb_hit" ]; then echo "- gateway, cache hit (replayed stream): $ttfb_hit"; fi
} | tee loadtest/results/latest.md
