#!/usr/bin/env bash
# Kept for habits and old notes: this is `loadtest/run direct-vs-gateway`
# (loadtest/scenario/direct_vs_gateway.go), with the old knobs mapped to
# its flags: DURATION, CONNS, THREADS, RATE (the fixed-rate phase; 0 = off),
# RATE_DURATION, TTFB_N, BEFORE. Extra arguments go to loadtest/run.
#   BEFORE=HEAD~3 DURATION=10s bash loadtest/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
if [ -n "${DURATION:-}" ]; then args+=(-duration "$DURATION"); fi
if [ -n "${CONNS:-}" ]; then args+=(-conns "$CONNS"); fi
if [ -n "${THREADS:-}" ]; then args+=(-set "threads=$THREADS"); fi
if [ -n "${RATE:-}" ]; then args+=(-set "fixed_rate=$RATE"); fi
if [ -n "${RATE_DURATION:-}" ]; then args+=(-set "fixed_duration=$RATE_DURATION"); fi
if [ -n "${TTFB_N:-}" ]; then args+=(-set "streams=$TTFB_N"); fi
if [ -n "${BEFORE:-}" ]; then args+=(-before "$BEFORE"); fi
exec loadtest/run direct-vs-gateway "${args[@]}" "$@"
