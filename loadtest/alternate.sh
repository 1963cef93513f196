#!/usr/bin/env bash
# Alternated A/B of CPU per request: this checkout against a git ref, bare
# (loadtest/gateway.yaml) and every stage on (loadtest/gateway-full.yaml).
# Each round runs, in turn: this build bare, this build all stages, the ref
# bare, the ref all stages; a round's ratios compare runs seconds apart, which
# a stall of a shared machine moves less than one run per target does.
#
# usage: bash loadtest/alternate.sh REF [ROUNDS=4] [SECONDS=8]
# needs: go, wrk. Ports: mockllm 18080, gateways 18082/18083 (their configs).
set -euo pipefail
ref=${1:?usage: loadtest/alternate.sh REF [ROUNDS] [SECONDS]}
rounds=${2:-4}
secs=${3:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	git worktree remove --force "$tmp/ref" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/new" ./cmd/tollgate
go build -o "$tmp/mockllm" ./cmd/mockllm
git worktree add -q --detach "$tmp/ref" "$ref"
(cd "$tmp/ref" && go build -o "$tmp/old" ./cmd/tollgate)

"$tmp/mockllm" -log-level error >/dev/null 2>&1 &
pids+=($!)
sleep 0.5

# cpu_ticks PID: the process's user+system time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure BIN CONFIG KEY PORT: prints the CPU µs per request under wrk.
measure() {
	local bin=$1 cfg=$2 key=$3 port=$4
	rm -rf loadtest/results/ledger-full # an older build reads its whole ledger at start
	"$bin" -config "$cfg" >"$tmp/gateway.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	TG_KEY=$key wrk -t2 -c50 -d3s -s loadtest/chat.lua "http://127.0.0.1:$port" >/dev/null
	local t0 t1 n
	t0=$(cpu_ticks "$pid")
	n=$(TG_KEY=$key wrk -t2 -c50 -d"${secs}s" -s loadtest/chat.lua "http://127.0.0.1:$port" |
		sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p')
	t1=$(cpu_ticks "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk -v d=$((t1 - t0)) -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", d * 1e6 / hz / n }'
}

echo "| round | bare, this build | all stages, this build | ratio | bare, $ref | all stages, $ref | ratio | load |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for r in $(seq "$rounds"); do
	nb=$(measure "$tmp/new" loadtest/gateway.yaml "" 18082)
	nf=$(measure "$tmp/new" loadtest/gateway-full.yaml sk-load 18083)
	ob=$(measure "$tmp/old" loadtest/gateway.yaml "" 18082)
	of=$(measure "$tmp/old" loadtest/gateway-full.yaml sk-load 18083)
	awk -v r="$r" -v nb="$nb" -v nf="$nf" -v ob="$ob" -v of="$of" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
		'BEGIN { printf "| %d | %s | %s | %.2f× | %s | %s | %.2f× | %s |\n", r, nb, nf, nf / nb, ob, of, of / ob, l }'
done
