#!/usr/bin/env bash
# One file from a hub that plays the real one on a far network, in one run, four ways:
# the demo hub (the test hub as a program) answers /resolve with a redirect to its CDN
# (127.0.0.2, a signed URL), caps each connection (--bytes-per-second, per answer) and
# waits before every answer (--latency-ms), as huggingface.co's CDN does over the internet.
#   curl -L            one connection
#   aria2c -x8 -s8     eight ranged connections, each through /resolve
#   hf download        huggingface_hub 2.4's CLI
#   modeld             `modelctl pull`: connections_per_file to start, grown while each
#                      added connection raises the throughput; SHA-256 verified
# Goal (issue 17): modeld ≥ 1.0× aria2c -x8 and ≥ 4× curl, with SHA-256, RSS ≤ 64 MiB.
# Every output is checked against the file's SHA-256 (untimed). The hub keeps the file in
# memory and every tool writes into the work directory's file system.
#
# Usage (as root, or with sudo for the apt installs):
#   Benchmarks/download-cdn-vs-peers.sh                      2 GiB, 25 MB/s a connection, 40 ms
#   SIZE_MIB=256 RUNS=1 Benchmarks/download-cdn-vs-peers.sh  a quick look
# Environment:
#   SIZE_MIB=2048  RUNS=1  CAP=25000000 (bytes/s a connection)  LATENCY_MS=40
#   TOOLS="curl aria2c hf modeld"   CONNECTIONS=4 (modeld's start)  MAX_CONNECTIONS=16
#   SCRATCH=.build (swift build --scratch-path)   KEEP=0 (1 keeps the work directory)
# Exit status: 0 when every tool fetched the right bytes (goal met or not), 1 otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-1}
CAP=${CAP:-25000000}
LATENCY_MS=${LATENCY_MS:-40}
TOOLS=${TOOLS:-curl aria2c hf modeld}
CONNECTIONS=${CONNECTIONS:-4}
MAX_CONNECTIONS=${MAX_CONNECTIONS:-16}
SCRATCH=${SCRATCH:-.build}
KEEP=${KEEP:-0}
HF="$PWD/.build/huggingface_hub-2.4.0/bin/hf"
BIN="$SCRATCH/release"

log() { printf '== %s\n' "$*" >&2; }

command -v aria2c >/dev/null || { log "installing aria2"; apt-get install -y -qq aria2 >/dev/null; }
[[ -x $HF ]] || make test-deps >/dev/null
log "building modeld, modelctl and modeld-demo-hub (release)"
for product in modeld modelctl modeld-demo-hub; do swift build -c release --scratch-path "$SCRATCH" --product "$product" >/dev/null; done

work=$(mktemp -d /tmp/modeld-cdn-bench.XXXXXX)
hub_pid=""; daemon_pid=""
cleanup() {
    [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null || true
    [[ -n $hub_pid ]] && kill "$hub_pid" 2>/dev/null || true
    (( KEEP )) || rm -rf "$work"
}
trap cleanup EXIT

"$BIN/modeld-demo-hub" --bench-file-mib "$SIZE_MIB" --bytes-per-second "$CAP" --latency-ms "$LATENCY_MS" > "$work/hub.txt" &
hub_pid=$!
for _ in $(seq 1 600); do grep -q '^HF_ENDPOINT=' "$work/hub.txt" && break; sleep 0.1; done
endpoint=$(sed -n 's/^HF_ENDPOINT=//p' "$work/hub.txt")
[[ -n $endpoint ]] || { log "the demo hub did not start"; exit 1; }
url="$endpoint/bench/model/resolve/main/model.bin"
expected=$(curl -s "$endpoint/api/models/bench/model/tree/main" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["lfs"]["oid"])')
log "hub $endpoint: $SIZE_MIB MiB, $CAP bytes/s a connection, $LATENCY_MS ms before each answer"

# The daemon: a fresh store for each run, the catalog's one entry on the bench repo.
cat > "$work/modeld.toml" <<TOML
[daemon]
store_dir = "$work/modeld/hub"
links_dir = "$work/modeld/models"
socket = "$work/modeld/modeld.sock"
[downloads]
connections_per_file = $CONNECTIONS
max_connections_per_file = $MAX_CONNECTIONS
[disk]
reserve = "0"
[[model]]
id = "bench"
repo = "bench/model"
TOML

# Each runner fetches into $1 and prints the path of the file it wrote.
run_curl() { curl -sSfL -o "$1/model.bin" "$url" && echo "$1/model.bin"; }
run_aria2c() {
    aria2c -q -x8 -s8 -k1M --file-allocation=none --allow-overwrite=true -d "$1" -o model.bin "$url" && echo "$1/model.bin"
}
run_hf() {
    HF_ENDPOINT=$endpoint HF_HUB_DISABLE_XET=1 HF_HUB_DISABLE_TELEMETRY=1 HF_HOME="$1/hf-home" HF_HUB_DISABLE_PROGRESS_BARS=1 \
        "$HF" download bench/model model.bin --local-dir "$1" >/dev/null && echo "$1/model.bin"
}
run_modeld() {
    rm -rf "$work/modeld"; mkdir -p "$work/modeld"
    HF_ENDPOINT=$endpoint STATE_DIRECTORY="$work/modeld" RUNTIME_DIRECTORY="$work/modeld" \
        "$BIN/modeld" --config "$work/modeld.toml" > "$work/modeld.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 1 150); do "$BIN/modelctl" --socket "$work/modeld/modeld.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
    local started; started=$(date +%s.%N)
    "$BIN/modelctl" --socket "$work/modeld/modeld.sock" pull bench > "$work/pull.out" 2>&1 || { cat "$work/pull.out" >&2; return 1; }
    echo "$(date +%s.%N) - $started" | bc > "$work/modeld-seconds"
    grep -m1 VmHWM "/proc/$daemon_pid/status" | awk '{print $2}' > "$work/modeld-rss-kib"
    grep -o 'settled on [0-9]* connections' "$work/modeld.log" | tail -n1 > "$work/modeld-connections" || true
    kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
    echo "$work/modeld/models/bench/model.bin"
}

declare -A best
for tool in $TOOLS; do
    for run in $(seq 1 "$RUNS"); do
        out="$work/out-$tool"; rm -rf "$out"; mkdir -p "$out"
        start=$(date +%s.%N)
        path=$("run_$tool" "$out") || { log "$tool failed"; exit 1; }
        seconds=$(echo "$(date +%s.%N) - $start" | bc)
        # modeld's own clock starts at the pull, not at the daemon's start.
        [[ $tool == modeld ]] && seconds=$(cat "$work/modeld-seconds")
        got=$(sha256sum "$(readlink -f "$path")" | cut -d' ' -f1)
        [[ $got == "$expected" ]] || { log "$tool wrote other bytes ($got, not $expected)"; exit 1; }
        log "$tool run $run: $seconds s"
        if [[ -z ${best[$tool]:-} ]] || (( $(echo "$seconds < ${best[$tool]}" | bc) )); then best[$tool]=$seconds; fi
        rm -rf "$out"
    done
done

echo
echo "| tool | seconds (best of $RUNS) | MB/s | vs curl | vs aria2c -x8 |"
echo "|---|---|---|---|---|"
for tool in $TOOLS; do
    s=${best[$tool]}
    rate=$(echo "scale=1; $SIZE_MIB * 1.048576 / $s" | bc)
    vs_curl=${best[curl]:+$(echo "scale=2; ${best[curl]} / $s" | bc)×}
    vs_aria=${best[aria2c]:+$(echo "scale=2; ${best[aria2c]} / $s" | bc)×}
    echo "| $tool | $s | $rate | ${vs_curl:--} | ${vs_aria:--} |"
done
if [[ -n ${best[modeld]:-} ]]; then
    echo
    echo "modeld: peak RSS $(( $(cat "$work/modeld-rss-kib") / 1024 )) MiB (goal ≤ 64), $(cat "$work/modeld-connections" || echo 'kept its starting connections')"
fi
