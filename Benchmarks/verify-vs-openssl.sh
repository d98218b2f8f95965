#!/usr/bin/env bash
# modeld's hashing engine side by side with `openssl dgst -sha256`, in one run, on the
# same page-cached files:
#   rehash  one large file    openssl dgst FILE           vs  modeld-bench rehash FILE
#                                                         (and the same on 1 thread)
#   rehash  a 4-shard model   openssl dgst each shard     vs  modeld-bench rehash SHARD...
#   first   one large file    openssl dgst FILE           vs  modeld-bench first FILE
# Re-verification hashes chunks on every core, so on N cores it should approach N times
# openssl's single-threaded throughput (the goal on 2 cores: at least 1.7x). A first
# verification computes two digests per byte (whole file + chunk index) on two threads,
# so it should approach 1x. The first verification's digest is checked against openssl's.
#
# Environment:
#   SCRATCH=.build        swift build --scratch-path
#   BIG_MIB=2048          size of the large file
#   SHARD_MIB=512 SHARDS=4  the sharded model
#   CHUNK_SIZE=16777216   chunk index granularity (bytes)
#   REPEATS=3             each measurement is repeated; the best time is kept
#   WORK_PARENT=/tmp      where the temporary directory goes (removed at exit)
set -euo pipefail
shopt -s inherit_errexit  # a failing modeld-bench inside $(...) stops the script too

cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
BIG_MIB=${BIG_MIB:-2048}
SHARD_MIB=${SHARD_MIB:-512}
SHARDS=${SHARDS:-4}
CHUNK_SIZE=${CHUNK_SIZE:-16777216}
REPEATS=${REPEATS:-3}
WORK_PARENT=${WORK_PARENT:-/tmp}

echo "== building modeld-bench (release, scratch path $SCRATCH)"
swift build -c release --product modeld-bench --scratch-path "$SCRATCH"
BENCH="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/modeld-bench"

work=$(mktemp -d "${WORK_PARENT%/}/modeld-verify-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Pseudo-random bytes at several GB/s: AES-CTR over zeros (a different IV per file,
# so no two files share content). `head` closing the pipe ends openssl with SIGPIPE,
# which is expected, hence `|| true` inside the group.
make_file() { # PATH MIB SEED
    { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
        -iv "$(printf '%032x' "$3")" < /dev/zero 2>/dev/null || true; } |
        head -c $(( $2 * 1048576 )) > "$1"
}

echo "== creating files in $work"
big="$work/big.bin"
make_file "$big" "$BIG_MIB" 1
shards=()
for i in $(seq 1 "$SHARDS"); do
    shard=$(printf '%s/model-%05d-of-%05d.safetensors' "$work" "$i" "$SHARDS")
    make_file "$shard" "$SHARD_MIB" $(( i + 1 ))
    shards+=("$shard")
done
big_bytes=$(stat -c %s "$big")
shard_bytes=0
for shard in "${shards[@]}"; do shard_bytes=$(( shard_bytes + $(stat -c %s "$shard") )); done

echo "== warming the page cache"
cat "$big" "${shards[@]}" > /dev/null

now() { date +%s.%N; }

# Best wall time, in seconds, of REPEATS runs of a command.
best_of() {
    local best="" start end elapsed
    for _ in $(seq 1 "$REPEATS"); do
        start=$(now)
        "$@" > /dev/null
        end=$(now)
        elapsed=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')
        if [[ -z $best ]] || awk -v a="$elapsed" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$elapsed; fi
    done
    echo "$best"
}

openssl_each() { # FILE... : one after the other, as a person would
    local file
    for file in "$@"; do openssl dgst -sha256 "$file"; done
}

# modeld-bench times only the hashing (not the untimed index build of `rehash`, nor
# process start) and prints `best ... seconds=S` after REPEATS runs. Its whole output
# is kept in $work/last-bench.txt (for the digest check below).
bench_seconds() {
    "$BENCH" "$@" --chunk-size "$CHUNK_SIZE" --repeat "$REPEATS" > "$work/last-bench.txt"
    sed -n 's/^best .*seconds=\([0-9.]*\).*/\1/p' "$work/last-bench.txt"
}

rows=()
measure() { # LABEL BYTES OPENSSL_SECONDS MODELD_SECONDS
    rows+=("$(awk -v label="$1" -v bytes="$2" -v o="$3" -v m="$4" 'BEGIN {
        og = bytes / o / 1e9; mg = bytes / m / 1e9
        printf "%-26s %10.3f %10.3f %12.2f %12.2f %7.2fx", label, o, m, og, mg, mg / og }')")
}

echo "== measuring (best of $REPEATS; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
o=$(best_of openssl dgst -sha256 "$big")
m=$(bench_seconds rehash "$big")
measure "rehash ${BIG_MIB} MiB file" "$big_bytes" "$o" "$m"

# The same on one thread: how much of the gain is parallelism, and how much is
# large reads (openssl dgst reads 8 KiB at a time).
m=$(bench_seconds rehash "$big" --threads 1)
measure "  same, 1 thread" "$big_bytes" "$o" "$m"

o=$(best_of openssl_each "${shards[@]}")
m=$(bench_seconds rehash "${shards[@]}")
measure "rehash ${SHARDS}x${SHARD_MIB} MiB shards" "$shard_bytes" "$o" "$m"

o=$(best_of openssl dgst -sha256 "$big")
m=$(bench_seconds first "$big")
measure "first ${BIG_MIB} MiB file" "$big_bytes" "$o" "$m"

# The engine must also be right: its whole-file digest against openssl's.
expected=$(openssl dgst -sha256 -r "$big" | cut -d' ' -f1)
actual=$(sed -n 's/^digest=\([0-9a-f]*\).*/\1/p' "$work/last-bench.txt")
if [[ $actual != "$expected" ]]; then
    echo "digest mismatch: modeld $actual, openssl $expected" >&2
    exit 1
fi

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the ratios)"
echo "$(nproc) cores, $(openssl version | cut -d' ' -f1-2), chunk size $CHUNK_SIZE bytes, GB = 10^9 bytes"
echo "(first: whole-file SHA-256 plus the chunk index; openssl computes the whole-file digest only)"
printf '%-26s %10s %10s %12s %12s %8s\n' case "openssl s" "modeld s" "openssl GB/s" "modeld GB/s" ratio
printf '%s\n' "${rows[@]}"
