#!/usr/bin/env bash
# One file from a local nginx on loopback, in one run, four ways:
#   curl -o            one connection, no verification
#   aria2c -x4 -s4     four ranged connections, no verification
#   hf download        huggingface_hub's CLI (HF_ENDPOINT → nginx), checks only the size
#   modeld             `modelctl pull`, connections_per_file = 4, SHA-256 verified
# nginx plays the hub for one repo, bench/model, at one commit (the listings and the
# resolve URL with X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size, Range-capable;
# see download-vs-peers.nginx.conf beside this script). The source file is kept in the
# page cache and every tool writes into the same file system (the work directory's;
# BENCH_DIR=/dev/shm/… takes the disk out), so this compares clients, not networks. The
# goal: modeld, verifying SHA-256, at least 0.9× curl's throughput and ahead of aria2c
# and hf. Wall-clock per run includes each tool's process start (hf: ~0.5 s of Python).
#
# Usage (as root, or with sudo for the apt/pip installs):
#   Benchmarks/download-vs-peers.sh                     2 GiB, 3 runs per tool
#   SIZE_MIB=256 RUNS=1 Benchmarks/download-vs-peers.sh a quick look
# Environment:
#   SIZE_MIB=2048        size of the file
#   RUNS=3               runs per tool; the table shows the median (and every run)
#   CONNECTIONS=4        aria2c -x/-s and modeld's connections_per_file
#   TOOLS="curl aria2c hf modeld"   which to run, in this order
#   MODELD_TIMEOUT=600   seconds to wait for modeld to report the model available
#   MODELD_TOML=         TOML for modeld's config, as a drop-in (WORK/modeld.d/), e.g.
#                        MODELD_TOML=$'[verify]\nquiet_period = "50ms"'
#   SCRATCH=.build       swift build --scratch-path
#   BENCH_DIR=           work directory (kept, and its source file reused next time);
#                        default: a fresh /tmp/modeld-download-bench.XXXXXX, removed
#   KEEP=0               1 keeps the temporary work directory
#   PORT=                nginx's port on 127.0.0.1 (default: a free one)
#   WORKERS=auto         nginx worker_processes
#   NGINX_LOG=0          1 writes nginx's access log (method, URI, status, Range, agent)
#                        to WORK/nginx-access.log and prints it at the end
#   CHECK=1              0 skips the untimed SHA-256 check of every tool's output
#   INSTALL=1            0 never installs anything (fails if a tool is missing)
# Exit status: 0 when every tool downloaded the right bytes (whether or not the goal was
# met), 1 when one failed (its row says why), 2 when the fake hub could not be set up.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-3}
CONNECTIONS=${CONNECTIONS:-4}
TOOLS=${TOOLS:-curl aria2c hf modeld}
MODELD_TIMEOUT=${MODELD_TIMEOUT:-600}
SCRATCH=${SCRATCH:-.build}
KEEP=${KEEP:-0}
WORKERS=${WORKERS:-auto}
NGINX_LOG=${NGINX_LOG:-0}
CHECK=${CHECK:-1}
INSTALL=${INSTALL:-1}
HF_VERSION=2.4.0                           # as the Makefile's HF_VERSIONS
HF="$PWD/.build/huggingface_hub-$HF_VERSION/bin/hf"

REPO=bench/model
FILE=model.bin   # not .safetensors: modeld would check a safetensors header
COMMIT=0123456789abcdef0123456789abcdef01234567
SIZE=$(( SIZE_MIB * 1048576 ))

log() { printf '== %s\n' "$*"; }
now() { date +%s.%N; }

# ---------------------------------------------------------------------------------------
# What the run needs, from Debian (only what is missing) and pip for hf.
# ---------------------------------------------------------------------------------------
APT_GET=(apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
install_missing() {
    local missing=() installed_nginx=0
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || { missing+=(nginx); installed_nginx=1; }
    command -v aria2c >/dev/null 2>&1 || missing+=(aria2)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    if (( ${#missing[@]} )); then
        [[ $INSTALL == 1 ]] || { echo "missing: ${missing[*]} (INSTALL=0)" >&2; exit 2; }
        log "installing: ${missing[*]}"
        $SUDO "${APT_GET[@]}" update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO "${APT_GET[@]}" install -y -qq --no-install-recommends "${missing[@]}"
        # Debian starts the packaged nginx on port 80; this script never uses it, and it
        # was not there before, so put it back to off.
        if (( installed_nginx )) && command -v systemctl >/dev/null 2>&1 && systemctl is-active -q nginx 2>/dev/null; then
            log "stopping and disabling the nginx service the package started (this script runs its own)"
            $SUDO systemctl disable --now nginx || true
        fi
    fi
    if [[ $TOOLS == *hf* && ! -x $HF ]]; then
        [[ $INSTALL == 1 ]] || { echo "missing: $HF (INSTALL=0; make test-deps makes it)" >&2; exit 2; }
        log "installing huggingface_hub $HF_VERSION in its venv (make test-deps)"
        make test-deps >&2
    fi
}
install_missing
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

# ---------------------------------------------------------------------------------------
# The work directory, the source file and the fake hub.
# ---------------------------------------------------------------------------------------
if [[ -n ${BENCH_DIR:-} ]]; then
    work=$(mkdir -p "$BENCH_DIR" && cd "$BENCH_DIR" && pwd); own_work=0
else
    work=$(mktemp -d /tmp/modeld-download-bench.XXXXXX); own_work=1
fi
hub="$work/hub"          # nginx's root
out="$work/out"          # where the tools write (emptied between runs)
mkdir -p "$hub/listing" "$hub/blob" "$work/nginx-tmp" "$out"

nginx_pid=""; modeld_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $modeld_pid ]]; then kill -TERM "$modeld_pid" 2>/dev/null || true; fi
    if [[ -n $nginx_pid ]]; then kill -TERM "$nginx_pid" 2>/dev/null || true; fi
    [[ -n $modeld_pid ]] && { wait "$modeld_pid" 2>/dev/null || true; }
    [[ -n $nginx_pid ]] && { wait "$nginx_pid" 2>/dev/null || true; }
    rm -rf "$out" "$work/modeld"    # downloads; the source file stays in a BENCH_DIR
    if (( own_work )) && [[ $KEEP != 1 ]]; then rm -rf "$work"; else echo "work directory kept: $work"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

src="$hub/blob/$FILE"
if [[ -f $src && -f $src.sha256 && $(stat -c %s "$src") == "$SIZE" ]]; then
    log "reusing the ${SIZE_MIB} MiB file in $work"
else
    log "creating a ${SIZE_MIB} MiB file in $work"
    # Pseudo-random bytes at several GB/s: AES-CTR over zeros. `head` closing the pipe
    # ends openssl with SIGPIPE, hence `|| true` inside the group.
    { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
        -iv 0000000000000000000000000000002a < /dev/zero 2>/dev/null || true; } |
        head -c "$SIZE" > "$src"
    openssl dgst -sha256 -r "$src" | cut -c1-64 > "$src.sha256"
fi
SHA256=$(cat "$src.sha256")

# The listings, as the hub writes them for one LFS file: `oid` in the tree is the git
# blob id of the LFS pointer file, `lfs.oid` (tree) / `lfs.sha256` (siblings) the
# content's SHA-256.
python3 - "$hub/listing" "$REPO" "$COMMIT" "$FILE" "$SIZE" "$SHA256" <<'PY'
import hashlib, json, sys
folder, repo, commit, path, size, sha = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {size}\n".encode()
blob_id = hashlib.sha1(b"blob %d\0" % len(pointer) + pointer).hexdigest()
lfs = {"size": size, "pointerSize": len(pointer)}
revision = {
    "_id": "000000000000000000000000", "id": repo, "modelId": repo, "author": repo.split("/")[0],
    "sha": commit, "lastModified": "2025-01-01T00:00:00.000Z", "private": False, "disabled": False,
    "gated": False, "downloads": 0, "likes": 0, "tags": [], "library_name": None,
    "createdAt": "2025-01-01T00:00:00.000Z", "usedStorage": size,
    "siblings": [{"rfilename": path, "size": size, "blobId": blob_id, "lfs": {"sha256": sha, **lfs}}],
}
tree = [{"type": "file", "oid": blob_id, "size": size, "path": path, "lfs": {"oid": sha, **lfs}}]
json.dump(revision, open(f"{folder}/revision.json", "w"))
json.dump(tree, open(f"{folder}/tree.json", "w"))
PY

PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
ENDPOINT="http://127.0.0.1:$PORT"
URL="$ENDPOINT/$REPO/resolve/$COMMIT/$FILE"
if [[ $NGINX_LOG == 1 ]]; then
    access_log="log_format bench '\$request_method \"\$request_uri\" \$status \$body_bytes_sent range=\"\$http_range\" agent=\"\$http_user_agent\"'; access_log $work/nginx-access.log bench;"
    rm -f "$work/nginx-access.log"
else
    access_log="access_log off;"
fi
# As root, nginx's workers would run as nobody, who cannot read a 0700 mktemp directory.
nginx_user=""; [[ $(id -u) == 0 ]] && nginx_user="user root;"
sed -e "s|@WORK@|$work|g" -e "s|@ROOT@|$hub|g" -e "s|@PORT@|$PORT|g" -e "s|@WORKERS@|$WORKERS|g" \
    -e "s|@COMMIT@|$COMMIT|g" -e "s|@SHA256@|$SHA256|g" -e "s|@SIZE@|$SIZE|g" -e "s|@FILE@|$FILE|g" \
    -e "s|@ACCESS_LOG@|$access_log|" -e "s|@USER@|$nginx_user|" \
    Benchmarks/download-vs-peers.nginx.conf > "$work/nginx.conf"

log "starting nginx on $ENDPOINT"
"$NGINX" -c "$work/nginx.conf" -p "$work/" -e "$work/nginx-error.log" &
nginx_pid=$!
hub_fail() { echo "fake hub: $*" >&2; tail -n 5 "$work/nginx-error.log" >&2 2>/dev/null || true; exit 2; }
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$ENDPOINT/api/models/$REPO/revision/main" && break
    kill -0 "$nginx_pid" 2>/dev/null || hub_fail "nginx exited"
    sleep 0.1
done
# The hub's contract, checked once: the listing, the headers hf reads on HEAD, and Range.
curl -sf "$ENDPOINT/api/models/$REPO/revision/main" | grep -q "\"sha\": \"$COMMIT\"" || hub_fail "no revision listing"
curl -sf "$ENDPOINT/api/models/$REPO/tree/$COMMIT?recursive=true" | grep -q "\"oid\": \"$SHA256\"" || hub_fail "no tree listing"
headers=$(curl -sfI "$ENDPOINT/$REPO/resolve/main/$FILE") || hub_fail "HEAD on resolve/main failed"
for header in "X-Repo-Commit: $COMMIT" "X-Linked-Etag: \"$SHA256\"" "X-Linked-Size: $SIZE" "ETag: \"$SHA256\"" "Content-Length: $SIZE"; do
    grep -qiF "$header" <<< "$headers" || hub_fail "HEAD lacks '$header'"
done
[[ $(curl -s -r 1-2 -o /dev/null -w '%{http_code}' "$URL") == 206 ]] || hub_fail "no Range support"

# ---------------------------------------------------------------------------------------
# The tools. Each run_* downloads once into $out (emptied before) and prints, on stdout,
# the path of the file it wrote; whatever else it says goes to $work/TOOL.log.
# ---------------------------------------------------------------------------------------
# (errexit does not apply inside a function called from `if`: hence the `|| return`.)
run_curl() {
    curl -sS --fail -o "$out/$FILE" "$URL" || return
    echo "$out/$FILE"
}

# -x/-s: connections to the server and pieces of the file (so 4 ranges of SIZE/4, as
# modeld's connections_per_file = 4); -k1M: aria2's smallest split size, so even a small
# SIZE_MIB is split (the default 20M matters only below 40 MiB); no preallocation (curl
# and hf do none); no retry (a failure is a result); quiet.
ARIA2_FLAGS=(-x"$CONNECTIONS" -s"$CONNECTIONS" -k1M --file-allocation=none --allow-overwrite=true
    --auto-file-renaming=false --max-tries=1 --summary-interval=0 --console-log-level=warn -q)
run_aria2c() {
    aria2c "${ARIA2_FLAGS[@]}" -d "$out" -o "$FILE" "$URL" || return
    echo "$out/$FILE"
}

run_hf() {
    env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HUB_OFFLINE -u HF_HUB_ENABLE_HF_TRANSFER \
        HF_ENDPOINT="$ENDPOINT" HF_HOME="$work/hf-home" HF_HUB_DISABLE_XET=1 \
        HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1 \
        "$HF" download "$REPO" "$FILE" --cache-dir "$out/hf-cache" >&2 || return
    echo "$out/hf-cache/models--${REPO/\//--}/snapshots/$COMMIT/$FILE"
}

# modeld: built once; each run starts a fresh daemon on an empty store (untimed), then
# times the pull. `modeld_error` says why modeld cannot run; the other tools go on.
modeld_error=""
mdir="$work/modeld"
SOCK="$mdir/run/modeld.sock"
modeld_build() {
    log "building modeld and modelctl (release, scratch path $SCRATCH)"
    if ! { swift build -c release --scratch-path "$SCRATCH" --product modeld &&
           swift build -c release --scratch-path "$SCRATCH" --product modelctl; } > "$work/modeld-build.log" 2>&1; then
        modeld_error="swift build failed: $(grep -m1 -E 'error:' "$work/modeld-build.log" || tail -n1 "$work/modeld-build.log") (log: $work/modeld-build.log)"
        return 1
    fi
    BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"
    cat > "$work/modeld.toml" <<TOML
# Written by Benchmarks/download-vs-peers.sh.
[daemon]
store_dir   = "$mdir/hub"
links_dir   = "$mdir/models"
state_dir   = "$mdir/state"
socket      = "$SOCK"
log_level   = "warning"

[hub]
endpoint = "$ENDPOINT"

[downloads]
concurrent_files     = 2
connections_per_file = $CONNECTIONS
max_retries          = 0

[disk]
reserve    = "512MiB"
warn_below = "1GiB"

[[model]]
id            = "bench"
repo          = "$REPO"
revision      = "main"
auto_download = false
TOML
    # A drop-in, so MODELD_TOML may set any key, [downloads] ones included.
    mkdir -p "$work/modeld.d"
    printf '%s\n' "${MODELD_TOML:-}" > "$work/modeld.d/50-bench.toml"
}

modelctl() { "$BIN/modelctl" --socket "$SOCK" "$@"; }

# The model's state from `modelctl --json status bench` ("" when the daemon does not answer).
modeld_state() {
    modelctl --json status bench 2>/dev/null | python3 -c '
import json, sys
try:
    model = json.load(sys.stdin)["models"][0]
    print(model["state"], (model.get("reason") or "").replace("\n", " "), sep="\t")
except Exception:
    pass' || true
}

modeld_start() { # a fresh daemon on an empty store; returns once the socket answers
    modeld_stop
    rm -rf "$mdir"
    mkdir -p "$mdir/run" "$mdir/state"
    env -u HF_TOKEN -u HUGGING_FACE_HUB_TOKEN -u HF_HUB_OFFLINE -u MODELD_SOCKET \
        HF_ENDPOINT="$ENDPOINT" STATE_DIRECTORY="$mdir/state" RUNTIME_DIRECTORY="$mdir/run" \
        "$BIN/modeld" --config "$work/modeld.toml" >> "$work/modeld-daemon.log" 2>&1 &
    modeld_pid=$!
    for _ in $(seq 1 300); do
        if ! kill -0 "$modeld_pid" 2>/dev/null; then
            wait "$modeld_pid" 2>/dev/null && code=0 || code=$?
            modeld_pid=""
            modeld_error="modeld exited at start (status $code): $(tail -n1 "$work/modeld-daemon.log") (log: $work/modeld-daemon.log)"
            return 1
        fi
        [[ -S $SOCK ]] && [[ -n $(modeld_state) ]] && return 0
        sleep 0.05
    done
    modeld_error="modeld did not answer on $SOCK within 15 s"
    return 1
}

modeld_stop() {
    [[ -n $modeld_pid ]] || return 0
    kill -TERM "$modeld_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$modeld_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$modeld_pid" 2>/dev/null || true
    wait "$modeld_pid" 2>/dev/null || true
    modeld_pid=""
}

# `status` latency (Benchmarks/status-latency.py): idle before each pull, and during it,
# a line per run in WORK/status-{idle,pull}.txt (run_modeld runs in a subshell).
STATUS_INTERVAL=${STATUS_INTERVAL:-0.02}
run_modeld() {
    local code=0 state reason deadline
    rm -f "$work/pull-ended"
    python3 Benchmarks/status-latency.py "$SOCK" "$MODELD_TIMEOUT" "$STATUS_INTERVAL" "$work/pull-ended" > "$work/status-pull.out" &
    local probe=$!
    # `pull` returns when the model is available (or failed); the polling below confirms it.
    modelctl pull bench > "$work/modelctl-pull.out" 2>&1 || code=$?
    cat "$work/modelctl-pull.out" >&2
    if (( code )); then
        local said; said=$(grep -m1 . "$work/modelctl-pull.out" || true)
        case $code in
            69) echo "modelctl pull: daemon unreachable (exit 69) ${said}" >&2 ;;
            *) echo "modelctl pull (exit $code): ${said}" >&2 ;;
        esac
        return 1
    fi
    deadline=$(( $(date +%s) + MODELD_TIMEOUT ))
    while :; do
        IFS=$'\t' read -r state reason <<< "$(modeld_state)" || true
        case $state in
            available) break ;;
            failed|corrupted) echo "model $state: $reason" >&2; return 1 ;;
        esac
        if (( $(date +%s) >= deadline )); then
            echo "not available after ${MODELD_TIMEOUT}s (state ${state:-none}: $reason; log: $work/modeld-daemon.log)" >&2; return 1
        fi
        sleep 0.1       # each poll costs a modelctl and a python3: not too often on 2 cores
    done
    touch "$work/pull-ended"
    wait "$probe" && cat "$work/status-pull.out" >> "$work/status-pull.txt"
    local path="$mdir/hub/models--${REPO/\//--}/snapshots/$COMMIT/$FILE"
    [[ -e $path ]] || path="$mdir/models/bench/$FILE"
    echo "$path"
}

# ---------------------------------------------------------------------------------------
# Measuring.
# ---------------------------------------------------------------------------------------
# `status` of the idle daemon while a bystander `curl -o` writes the same file to the same
# file system: what the machine alone (its disk, its hypervisor) does to the daemon's
# answers, to compare with what modeld's own pull does to them. The bystander runs at
# modeld's bulk priority (10 nice steps down), so only the disk and the machine differ.
BYSTANDER_NICE=${BYSTANDER_NICE:-10}
status_beside_curl() {
    rm -f "$work/bystander-ended"
    python3 Benchmarks/status-latency.py "$SOCK" "$MODELD_TIMEOUT" "$STATUS_INTERVAL" "$work/bystander-ended" > "$work/status-bystander.out" &
    local probe=$!
    nice -n "$BYSTANDER_NICE" curl -sS --fail -o "$out/bystander.bin" "$URL" || true
    touch "$work/bystander-ended"
    wait "$probe" && cat "$work/status-bystander.out" >> "$work/status-bystander.txt"
    rm -f "$out/bystander.bin"
    sync
}

declare -A times errors
failed=0
prepare_run() {
    rm -rf "${out:?}"/* "$out"/.[!.]* 2>/dev/null || true
    sync                               # the last run's writeback must not slow this one
    cat "$src" > /dev/null             # the source in the page cache: nginx reads memory
}

check_output() { # TOOL PATH
    local path=$2 size
    [[ -n $path && -e $path ]] || { echo "no output file (expected ${path:-?})"; return 1; }
    size=$(stat -L -c %s "$path")
    [[ $size == "$SIZE" ]] || { echo "wrong size $size (expected $SIZE)"; return 1; }
    if [[ $CHECK == 1 ]] && [[ $(openssl dgst -sha256 -r < "$path" | cut -c1-64) != "$SHA256" ]]; then
        echo "wrong SHA-256"; return 1
    fi
}

measure() { # TOOL
    local tool=$1 run start end path problem
    times[$tool]=""
    for run in $(seq 1 "$RUNS"); do
        prepare_run
        if [[ $tool == modeld ]]; then
            modeld_start || { errors[$tool]=$modeld_error; return 1; }
            # `status` while idle, untimed, to compare with `status` during the pull.
            python3 Benchmarks/status-latency.py "$SOCK" 3 "$STATUS_INTERVAL" >> "$work/status-idle.txt"
            status_beside_curl
        fi
        start=$(now)
        if ! path=$("run_$tool" 2>> "$work/$tool.log"); then
            errors[$tool]="run $run failed: $(tail -n1 "$work/$tool.log")"
            [[ ${errors[$tool]} == *"log: "* ]] || errors[$tool]+=" (log: $work/$tool.log)"
            return 1
        fi
        end=$(now)
        if ! problem=$(check_output "$tool" "$path"); then
            errors[$tool]="run $run: $problem"
            return 1
        fi
        times[$tool]+=" $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')"
        printf '   %-7s run %d: %ss\n' "$tool" "$run" "${times[$tool]##* }"
        if [[ $tool == modeld ]]; then modeld_stop; rm -rf "$mdir"; fi
    done
    return 0
}

[[ " $TOOLS " == *" modeld "* ]] && { modeld_build || true; }

rm -f "$work"/status-{idle,bystander,pull}.txt   # a kept BENCH_DIR holds an earlier run's
log "measuring ${SIZE_MIB} MiB, $RUNS run(s) per tool (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
for tool in $TOOLS; do
    if [[ $tool == modeld && -n $modeld_error ]]; then errors[modeld]=$modeld_error; fi
    if [[ -z ${errors[$tool]:-} ]] && measure "$tool"; then continue; fi
    [[ $tool == modeld ]] && modeld_stop
    echo "$tool: ${errors[$tool]}" >&2
    failed=1
done

# ---------------------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------------------
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A label verified med
label[curl]="curl -o";                     verified[curl]="no"
label[aria2c]="aria2c -x$CONNECTIONS -s$CONNECTIONS"; verified[aria2c]="no"
label[hf]="hf download";                   verified[hf]="no (size only)"
label[modeld]="modeld ($CONNECTIONS conns, pull)"; verified[modeld]="yes"
for tool in $TOOLS; do
    [[ -n ${times[$tool]:-} && -z ${errors[$tool]:-} ]] && med[$tool]=$(median <<< "${times[$tool]}")
done

echo
echo "${SIZE_MIB} MiB ($SIZE bytes) over loopback from nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||'), median of $RUNS; MB = 10^6 bytes"
echo "$(nproc) cores; load average after: $(cut -d' ' -f1-3 /proc/loadavg); writing to $(df --output=fstype "$out" | tail -n1) ($out)"
echo "curl $(curl --version | head -n1 | cut -d' ' -f2), aria2 $(aria2c --version | head -n1 | cut -d' ' -f3), hf $HF_VERSION"
echo "aria2c flags: ${ARIA2_FLAGS[*]}"
echo
printf '%-28s %9s %9s %8s  %-15s %s\n' tool "median s" "MB/s" "vs curl" "SHA-256" "runs (s)"
for tool in $TOOLS; do
    if [[ -n ${med[$tool]:-} ]]; then
        mbs=$(awk -v b="$SIZE" -v s="${med[$tool]}" 'BEGIN { printf "%.0f", b / s / 1e6 }')
        ratio="-"
        [[ -n ${med[curl]:-} ]] && ratio=$(awk -v c="${med[curl]}" -v s="${med[$tool]}" 'BEGIN { printf "%.2f", c / s }')
        printf '%-28s %9.3f %9s %8s  %-15s%s\n' "${label[$tool]}" "${med[$tool]}" "$mbs" "$ratio" "${verified[$tool]}" "${times[$tool]}"
    else
        printf '%-28s %9s %9s %8s  %-15s %s\n' "${label[$tool]}" FAILED - - "${verified[$tool]}" "${errors[$tool]:-}"
    fi
done
echo
if [[ -n ${med[modeld]:-} && -n ${med[curl]:-} ]]; then
    goal=$(awk -v c="${med[curl]}" -v m="${med[modeld]}" 'BEGIN { r = c / m; printf "%.2f%s", r, (r >= 0.9 ? " (met)" : " (missed)") }')
    echo "modeld/curl = $goal (goal >= 0.90; issue 13's floor: 0.80, measured to available)"
    for peer in aria2c hf; do
        [[ -n ${med[$peer]:-} ]] || continue
        awk -v p="${med[$peer]}" -v m="${med[modeld]}" -v name="$peer" 'BEGIN {
            printf "modeld vs %s: %s (%.2fx its throughput)\n", name, (m < p ? "ahead" : "behind"), p / m }'
    done
else
    echo "modeld/curl = n/a (goal >= 0.90): ${errors[modeld]:-${errors[curl]:-not run}}"
fi
if [[ -s $work/status-pull.txt ]]; then
    mapfile -t status_idle < "$work/status-idle.txt"
    mapfile -t status_pull < "$work/status-pull.txt"
    mapfile -t status_bystander < "$work/status-bystander.txt"
    echo
    echo "modeld status latency (one request every ${STATUS_INTERVAL}s; requests p50 p99 max, ms):"
    for i in "${!status_pull[@]}"; do
        echo "  run $((i + 1)): idle ${status_idle[$i]:-?} | beside a curl -o ${status_bystander[$i]:-?} | during the pull ${status_pull[$i]}"
    done
    awk -v idle="${status_idle[*]}" -v bystander="${status_bystander[*]}" -v pull="${status_pull[*]}" '
        function worst(list,   v, n, i, w) { n = split(list, v, " "); w = 0; for (i = 3; i <= n; i += 4) if (v[i] > w) w = v[i]; return w }
        BEGIN {
            i = worst(idle); b = worst(bystander); p = worst(pull)
            if (i > 0) printf "  status p99 during a pull / idle p99 = %.2f (goal <= 2.00; worst run of each)\n", p / i
            if (i > 0 && b > 0) printf "  beside a curl -o / idle = %.2f: the machine alone; during the pull / beside a curl -o = %.2f\n", b / i, p / b }'
fi
if [[ $NGINX_LOG == 1 && -f $work/nginx-access.log ]]; then
    echo; echo "nginx access log ($work/nginx-access.log):"; sort "$work/nginx-access.log" | uniq -c | sort -rn | head -n 40
fi
exit "$failed"
