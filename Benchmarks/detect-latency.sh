#!/usr/bin/env bash
# Time from a write into a verified shard to the daemon's `integrity.damaged` event, and
# a deep re-verification through the daemon beside `openssl dgst -sha256`, on one file.
# The real modeld (release build), offline, its manifest on disk. Usage:
#   Benchmarks/detect-latency.sh            (SIZE_MIB=1024 TRIALS=5 SCRATCH=.build)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-1024}
TRIALS=${TRIALS:-5}
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product modeld >/dev/null
swift build -c release --scratch-path "$SCRATCH" --product modelctl >/dev/null
BIN="$SCRATCH/release"
work=$(mktemp -d /tmp/modeld-bench.XXXXXX)
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

now() { date +%s.%N; }
repo="bench/latency"
folder="$work/hub/models--bench--latency"
commit=$(printf 'benchmark' | sha1sum | cut -c1-40)
mkdir -p "$folder/blobs" "$folder/snapshots/$commit" "$folder/refs" "$folder/trees"
echo "making a ${SIZE_MIB} MiB file…"
openssl enc -aes-128-ctr -pass pass:modeld -nosalt -pbkdf2 -in <(head -c $((SIZE_MIB * 1048576)) /dev/zero) -out "$work/shard.bin" 2>/dev/null
sha=$(openssl dgst -sha256 -r "$work/shard.bin" | cut -c1-64)
mv "$work/shard.bin" "$folder/blobs/$sha"
ln -s "../../blobs/$sha" "$folder/snapshots/$commit/shard.bin"
printf '%s' "$commit" > "$folder/refs/main"
size=$((SIZE_MIB * 1048576))
printf '[{"type":"file","path":"shard.bin","size":%d,"oid":"%s","lfs":{"oid":"%s","size":%d}}]' \
    "$size" "$commit" "$sha" "$size" > "$folder/trees/$commit.json"
cat > "$work/modeld.toml" <<TOML
[daemon]
store_dir = "$work/hub"
[verify]
quiet_period = "500ms"
[[model]]
id = "bench"
repo = "$repo"
TOML

export MODELD_SOCKET="$work/modeld.sock"
STATE_DIRECTORY="$work/state" HF_HUB_OFFLINE=1 "$BIN/modeld" --config "$work/modeld.toml" --socket "$MODELD_SOCKET" \
    --log-level warning 2>"$work/daemon.log" &
daemon=$!
wait_state() {  # model state to wait for
    until "$BIN/modelctl" status bench --json 2>/dev/null | grep -q "\"state\" : \"$1\""; do sleep 0.05; done
}
wait_state available
echo "first verification done (whole digest and chunk index)"

blob="$folder/blobs/$sha"
flip() {  # offset: xor one byte in place, as a disk error or a stray write would
    python3 - "$blob" "$1" <<'PY'
import sys
path, offset = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(offset); b = f.read(1); f.seek(offset); f.write(bytes([b[0] ^ 0xFF]))
PY
}
latencies=()
for trial in $(seq 1 "$TRIALS"); do
    events="$work/events.$trial"
    "$BIN/modelctl" watch --topic integrity --json > "$events" &
    watcher=$!
    until "$BIN/modelctl" metrics | grep -q '^modeld_subscribers 1$'; do sleep 0.01; done
    offset=$(( (RANDOM * 32768 + RANDOM) % size ))
    start=$(now)
    flip "$offset"
    until grep -q integrity.damaged "$events"; do sleep 0.005; done
    latencies+=("$(echo "$(now) - $start" | bc)")
    kill "$watcher"; wait "$watcher" 2>/dev/null || true
    flip "$offset"          # put it back; the watcher finds the file good again
    wait_state available
done

# Deep re-verification end to end (request → verify.done), beside openssl on the same bytes.
cat "$blob" > /dev/null
best_openssl=999; best_modeld=999
for _ in 1 2 3; do
    s=$(now); openssl dgst -sha256 "$blob" >/dev/null; t=$(echo "$(now) - $s" | bc)
    best_openssl=$(echo "if ($t < $best_openssl) $t else $best_openssl" | bc)
    "$BIN/modelctl" watch --topic verify.done --json > "$work/done" &
    watcher=$!
    until "$BIN/modelctl" metrics | grep -q '^modeld_subscribers 1$'; do sleep 0.01; done
    s=$(now); "$BIN/modelctl" verify bench --deep >/dev/null
    until grep -q verify.done "$work/done"; do sleep 0.005; done
    t=$(echo "$(now) - $s" | bc)
    best_modeld=$(echo "if ($t < $best_modeld) $t else $best_modeld" | bc)
    kill "$watcher"; wait "$watcher" 2>/dev/null || true
done

echo
echo "write → integrity.damaged, ${SIZE_MIB} MiB shard, quiet_period 500ms, ${TRIALS} trials (s):"
printf '  %s\n' "${latencies[@]}"
echo
printf '%-40s %10s %10s\n' "deep re-verify of ${SIZE_MIB} MiB (best of 3)" "seconds" "GB/s"
gb=$(echo "$size / 1000000000" | bc -l)
printf '%-40s %10.3f %10.2f\n' "openssl dgst -sha256" "$best_openssl" "$(echo "$gb / $best_openssl" | bc -l)"
printf '%-40s %10.3f %10.2f\n' "modelctl verify --deep (daemon)" "$best_modeld" "$(echo "$gb / $best_modeld" | bc -l)"
printf 'ratio (modeld throughput / openssl): %.2f\n' "$(echo "$best_openssl / $best_modeld" | bc -l)"
