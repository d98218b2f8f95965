#!/usr/bin/env bash
# Big stores (issue 17): a release modeld on three stores it already knows, restarted with
# nothing changed, no hub (HF_ENDPOINT=http://127.0.0.1:1 and [hub] offline = true; each
# repo has refs/main and trees/<commit>.json, as the daemon keeps them):
#   small  SMALL_FILES small regular files over SMALL_MODELS repos (folders of 50 files);
#          the first start verifies them all (timed and shown apart), the restart is measured
#   big    ~BIG_GB GB over Wan-sized repos (2 × 6 shards, T5, VAE: ~126 GB each) as sparse
#          all-zero files (truncate). A first verification would hash every byte (two
#          SHA-256 passes, ~15 min per TB here), so the ledger is seeded instead through the
#          ledger's own code (Benchmarks/modeld-seed: the records a first verification
#          writes, chunk index of zeros, only for files that are all hole); then started
#          once, stopped, and restarted
#   year   the big store's ledger plus a synthetic year: YEAR_MODELS models (the Wan repos
#          and catalog entries never pulled) × REVISIONS revision switches, USES reports
#          over 365 days filed into their days (modeld-seed, the ledger's own code); the
#          first start folds the rows older than [usage] keep_days (180), the restart is
#          measured
# Each start is timed from exec to READY=1 (a NOTIFY_SOCKET datagram listener), then until
# no model is `verifying` ("settled"); then the bytes hashed (`metrics`:
# modeld_verify_bytes_hashed_total), the inotify watches the daemon holds (`inotify wd:`
# lines in /proc/PID/fdinfo/*) against fs.inotify.max_user_watches, and `status` (all
# models, and one) and `usage` latency over REQUESTS requests back to back on one connection.
# Writes nothing outside its temporary directory (removed at exit unless KEEP=1).
#
# Usage: Benchmarks/big-store.sh
#        BIG_GB=100 USES=100000 Benchmarks/big-store.sh        a quicker run
# Environment: SMALL_FILES=10000 SMALL_MODELS=5 BIG_GB=1000 USES=1000000 YEAR_MODELS=50
#              REVISIONS=20 REQUESTS=1000 SCRATCH=.build (swift build --scratch-path)
#              WORK_PARENT=/tmp (its filesystem must take a 1 TB sparse file) KEEP=0
#              SCENARIOS="small big year"
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
SMALL_FILES=${SMALL_FILES:-10000}
SMALL_MODELS=${SMALL_MODELS:-5}
BIG_GB=${BIG_GB:-1000}
USES=${USES:-1000000}
YEAR_MODELS=${YEAR_MODELS:-50}
REVISIONS=${REVISIONS:-20}
REQUESTS=${REQUESTS:-1000}
SCRATCH=${SCRATCH:-.build}
WORK_PARENT=${WORK_PARENT:-/tmp}
KEEP=${KEEP:-0}
SCENARIOS=${SCENARIOS:-small big year}
HELPER="$PWD/Benchmarks/big-store.py"

work=$(mktemp -d "${WORK_PARENT%/}/modeld-big-store.XXXXXX")
pid=""
stop_daemon() {
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        pid=""
    fi
}
cleanup() {
    stop_daemon
    if [[ $KEEP == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== building modeld and modeld-seed (release, scratch path $SCRATCH)"
for product in modeld modeld-seed; do
    swift build -c release --scratch-path "$SCRATCH" --product "$product" > "$work/build.log" 2>&1 || { tail -n 20 "$work/build.log"; exit 2; }
done
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

# config NAME REPO... : the config of scenario NAME, one model per repo (id = the repo's name).
config() {
    local name=$1; shift
    mkdir -p "$work/$name/state" "$work/$name/run"
    {
        printf '[daemon]\nstore_dir = "%s"\nlinks_dir = "%s"\nsocket_mode = "0600"\n\n[hub]\noffline = true\n' \
            "$work/$name/hub" "$work/$name/models"
        for repo in "$@"; do printf '\n[[model]]\nid = "%s"\nrepo = "%s"\n' "${repo#*/}" "$repo"; done
    } > "$work/$name/modeld.toml"
}

# start NAME LABEL: starts the daemon of scenario NAME, measures, leaves it running.
declare -A figure
start() {
    local name=$1 label=$2 dir="$work/$1"
    local ready
    ready=$(HF_ENDPOINT=http://127.0.0.1:1 HF_HUB_OFFLINE=1 STATE_DIRECTORY="$dir/state" RUNTIME_DIRECTORY="$dir/run" \
        python3 "$HELPER" launch "$dir/modeld.log" "$dir/pid" "$BIN/modeld" --config "$dir/modeld.toml")
    pid=$(cat "$dir/pid")
    figure[$label.ready]=$ready
    while IFS='=' read -r key value; do figure[$label.$key]=$value; done \
        < <(python3 "$HELPER" probe "$dir/run/modeld.sock" "$pid" "$REQUESTS")
    local rss
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    figure[$label.rss_mb]=$((rss / 1024))
    printf '%-14s READY %6.3f s, settled %6.3f s, %s, %s files (%s verified), hashed %s B, %s watches, status p50/p99/max %s ms, usage %s ms, RSS %s MB\n' \
        "$label" "$ready" "${figure[$label.settled_s]}" "${figure[$label.states]}" "${figure[$label.files]}" "${figure[$label.verified]}" \
        "${figure[$label.hashed]}" "${figure[$label.watches]}" "${figure[$label.status_ms]}" "${figure[$label.usage_ms]}" "${figure[$label.rss_mb]}"
}

repos_small=() repos_big=()
for scenario in $SCENARIOS; do
    case $scenario in
    small)
        echo "== small: $SMALL_FILES files over $SMALL_MODELS repos"
        mapfile -t repos_small < <(python3 "$HELPER" small "$work/small/hub" "$SMALL_FILES" "$SMALL_MODELS")
        config small "${repos_small[@]}"
        start small small.first; stop_daemon
        start small small.restart; stop_daemon
        ;;
    big | year)
        if [[ ${#repos_big[@]} == 0 ]]; then
            echo "== big: ~$BIG_GB GB of sparse files"
            mapfile -t repos_big < <(python3 "$HELPER" big "$work/big/hub" "$BIG_GB" "$work/big.plan")
            config big "${repos_big[@]}"
            "$BIN/modeld-seed" blobs "$work/big/state/ledger.sqlite" "$work/big.plan"
            start big big.first; stop_daemon
        fi
        if [[ $scenario == big ]]; then
            start big big.restart; stop_daemon
        else
            echo "== year: $YEAR_MODELS models × $REVISIONS revisions, $USES uses over 365 days, on the big store"
            year=("${repos_big[@]}")
            for ((i = ${#repos_big[@]}; i < YEAR_MODELS; i++)); do year+=("bench/never-pulled-$i"); done
            config big "${year[@]}"
            ids=$(printf '%s\n' "${year[@]}" | sed 's,.*/,,' | paste -sd,)
            "$BIN/modeld-seed" year "$work/big/state/ledger.sqlite" --models "$ids" --revisions "$REVISIONS" --uses "$USES"
            start big year.first
            grep -o 'usage: [0-9]* rows older than [0-9]* days folded' "$work/big/modeld.log" | tail -n 1 || true
            stop_daemon
            start big year.restart; stop_daemon
            ls -l "$work/big/state/" | awk '/ledger/ {printf "%s %.1f MB\n", $NF, $5 / 1e6}'
        fi
        ;;
    *) echo "unknown scenario $scenario"; exit 2 ;;
    esac
done

# The table: each figure beside its goal.
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
echo
echo "| start | READY s (< 1) | settled s | hashed bytes (0) | watches (≤ max_user_watches) | status all p50/p99/max ms (< 10) | status one ms | usage ms | result |"
echo "|---|---|---|---|---|---|---|---|---|"
for label in small.first small.restart big.first big.restart year.first year.restart; do
    [[ -n ${figure[$label.ready]:-} ]] || continue
    ready=${figure[$label.ready]} hashed=${figure[$label.hashed]} watches=${figure[$label.watches]} limit=${figure[$label.max_user_watches]}
    worst=${figure[$label.status_ms]##*/}
    p99=$(cut -d/ -f2 <<< "${figure[$label.status_ms]}")
    if [[ $label == small.first ]]; then
        result="first verification (not a goal)"
    else
        result="READY $(verdict "$ready < 1"), hashed $(verdict "$hashed == 0"), watches $(verdict "$watches <= $limit"), status p99 $(verdict "$p99 < 10")"
    fi
    echo "| $label | $ready | ${figure[$label.settled_s]} | $hashed | $watches of $limit | ${figure[$label.status_ms]} (max $worst) | ${figure[$label.status_one_ms]} | ${figure[$label.usage_ms]} | $result |"
done
