#!/usr/bin/env bash
# `usage` at scale (issue 15): a release modeld with no hub, REPORTS generations reported
# through its socket as fast as one pipelined connection sends them (what each `report`
# costs: a row and its day's aggregate, in one SQLite transaction), then `usage` asked
# ASKS times. The goal: `usage` under 50 ms with 100,000 reports; the ledger's size is
# printed beside it.
#
# Usage: Benchmarks/usage-at-scale.sh             100,000 reports
#        REPORTS=10000 Benchmarks/usage-at-scale.sh
# Environment: REPORTS=100000, ASKS=20, SCRATCH=.build (swift build --scratch-path),
#              KEEP=0 (1 keeps the work directory).
set -euo pipefail

cd "$(dirname "$0")/.."
REPORTS=${REPORTS:-100000}
ASKS=${ASKS:-20}
SCRATCH=${SCRATCH:-.build}
KEEP=${KEEP:-0}
work=$(mktemp -d /tmp/modeld-usage-bench.XXXXXX)
pid=""
cleanup() {
    [[ -n $pid ]] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    if [[ $KEEP == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== building modeld (release)"
swift build -c release --scratch-path "$SCRATCH" --product modeld > "$work/build.log" 2>&1 || { tail -n 20 "$work/build.log"; exit 2; }
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"
mkdir -p "$work/run" "$work/state"
cat > "$work/modeld.toml" <<TOML
[daemon]
store_dir = "$work/hub"
links_dir = "$work/models"
socket_mode = "0600"

[[model]]
id = "big"
repo = "bench/big"

[[model]]
id = "small"
repo = "bench/small"
TOML
HF_ENDPOINT=http://127.0.0.1:1 STATE_DIRECTORY="$work/state" RUNTIME_DIRECTORY="$work/run" \
    "$BIN/modeld" --config "$work/modeld.toml" > "$work/modeld.log" 2>&1 &
pid=$!
SOCK="$work/run/modeld.sock"
for _ in $(seq 1 200); do [[ -S $SOCK ]] && break; sleep 0.05; done
[[ -S $SOCK ]] || { echo "modeld did not start: $(tail -n 3 "$work/modeld.log")"; exit 2; }

python3 - "$SOCK" "$REPORTS" "$ASKS" "$work/state/ledger.sqlite" <<'PY'
import json, os, socket, sys, time
path, reports, asks, ledger = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(path)
reader = conn.makefile("rb")

def report(i):
    return json.dumps({"cmd": "report", "model": "small" if i % 3 == 0 else "big", "duration_s": 20 + i % 100,
                       "success": i % 17 != 0, "seconds_per_step": 2 + (i % 10) / 10, "resolution": "1280x704"}) + "\n"

# Pipelined in batches: the daemon answers each line in order.
start, batch, refused = time.monotonic(), 500, 0
for first in range(0, reports, batch):
    count = min(batch, reports - first)
    conn.sendall("".join(report(i) for i in range(first, first + count)).encode())
    for _ in range(count):
        if not json.loads(reader.readline()).get("ok"):
            refused += 1
seconds = time.monotonic() - start
print(f"{reports} reports in {seconds:.1f} s: {reports / seconds:.0f} reports/s, {1000 * seconds / reports:.3f} ms each; {refused} refused")

times = []
for _ in range(asks):
    began = time.monotonic()
    conn.sendall(b'{"cmd":"usage"}\n')
    answer = json.loads(reader.readline())
    times.append((time.monotonic() - began) * 1000)
assert answer["ok"] and answer["result"]["total"]["uses"] == reports, answer
times.sort()
p50, worst = times[len(times) // 2], times[-1]
print(f"usage over {reports} reports, {asks} asks: p50 {p50:.2f} ms, max {worst:.2f} ms (goal < 50 ms: {'met' if worst < 50 else 'missed'})")
sizes = {name: os.path.getsize(ledger + name) for name in ("", "-wal") if os.path.exists(ledger + name)}
print("ledger: " + ", ".join(f"{'ledger.sqlite' + name} {size / 1e6:.1f} MB" for name, size in sizes.items()))
PY
