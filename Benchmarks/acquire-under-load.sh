#!/usr/bin/env bash
# 100 clients hammering `status` and `acquire` (+ `release`) on a ready model while
# another model downloads from the test hub on loopback: latency percentiles per command
# (goal: acquire p99 <= 10 ms) and the daemon's memory. The real modeld, release build.
# Two runs: closed loop (every client sends its next request as soon as it has an answer:
# the daemon's saturation) and paced (every client one request every PACE_MS ms).
#   Benchmarks/acquire-under-load.sh     (CLIENTS=100 DURATION=20 PACE_MS=50 SCRATCH=.build)
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-100}
DURATION=${DURATION:-20}
PACE_MS=${PACE_MS:-50}
SCRATCH=${SCRATCH:-.build}
for product in modeld modelctl modeld-load; do
    swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null
done
export MODELD_PRODUCTS="$(pwd)/$SCRATCH/release"
echo "== closed loop"
"$SCRATCH/release/modeld-load" --clients "$CLIENTS" --seconds "$DURATION"
echo "== paced: each client one request every $PACE_MS ms"
"$SCRATCH/release/modeld-load" --clients "$CLIENTS" --seconds "$DURATION" --pace-ms "$PACE_MS"
