#!/usr/bin/env python3
"""Helper of Benchmarks/big-store.sh (issue 17). Subcommands:

  small STORE FILES MODELS      a store of FILES small regular files over MODELS repos
                                (bench/small-K), in folders of 50, as `hf download` lays
                                them out, with refs/main and trees/<commit>.json (so no hub
                                is asked); prints the repos, one a line
  big STORE GB PLAN             ~GB gigabytes over Wan-sized repos (bench/wan-K: two
                                6-shard experts, a T5 encoder, a VAE), sparse (truncate),
                                all zeros; the SHA-256 of every size is computed in one
                                pass (a hash state copied at each size). Writes PLAN
                                ("blob<TAB>sha256" per line, for modeld-seed) and prints
                                the repos
  launch LOG PIDFILE CMD...     starts CMD with NOTIFY_SOCKET set, waits for READY=1;
                                prints "ready_s" (exec to READY=1); the daemon keeps running
  probe SOCK PID N              waits until no model is being verified, then prints
                                key=value lines: seconds to settled, states, bytes hashed,
                                inotify watches held and the limit, status and usage
                                latency over N requests (p50/p99/max ms)
"""
import hashlib
import json
import os
import socket
import subprocess
import sys
import time

COMMIT_SALT = "modeld-big-store"


def commit_of(repo):
    return hashlib.sha1((COMMIT_SALT + repo).encode()).hexdigest()


def write_repo(store, repo, files):
    """files: [(path, digest_hex, size, lfs, writer)]; writer(blob_path) makes the blob."""
    folder = os.path.join(store, "models--" + repo.replace("/", "--"))
    commit = commit_of(repo)
    for sub in ("blobs", "refs", "trees", "snapshots/" + commit):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    listing = {}
    for path, digest, size, lfs, writer in files:
        blob = os.path.join(folder, "blobs", digest)
        if not os.path.exists(blob):
            writer(blob)
        link = os.path.join(folder, "snapshots", commit, path)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        depth = path.count("/")
        if not os.path.islink(link):
            os.symlink("../" * (2 + depth) + "blobs/" + digest, link)
        if lfs:
            # The pointer's git id is not known here; huggingface_hub's format keeps it,
            # modeld knows an LFS file by its SHA-256.
            listing[path] = {"size": size, "blob_id": hashlib.sha1(digest.encode()).hexdigest(), "lfs_sha256": digest, "lfs_size": size}
        else:
            listing[path] = {"size": size, "blob_id": digest}
    with open(os.path.join(folder, "trees", commit + ".json"), "w") as out:
        json.dump({"format_version": 1, "files": listing}, out, sort_keys=True)
    with open(os.path.join(folder, "refs", "main"), "w") as out:
        out.write(commit)
    return folder


def small(store, count, models):
    per = count // models
    for m in range(models):
        repo = f"bench/small-{m}"
        files = []
        for i in range(per):
            content = (f"{repo} file {i}\n" * (1 + (i * 7919) % 60)).encode()
            digest = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
            path = f"part-{i // 50:03d}/file-{i:05d}.json"

            def writer(blob, content=content):
                with open(blob, "wb") as out:
                    out.write(content)

            files.append((path, digest, len(content), False, writer))
        write_repo(store, repo, files)
        print(repo)


# One Wan2.2 A14B-like repo: two experts of 6 shards (~9.5-10 GB each), the T5 encoder
# (11.4 GB), the VAE (0.5 GB), and a few small files: about 126 GB.
def wan_layout(k):
    files = []
    for expert in ("high_noise_model", "low_noise_model"):
        for s in range(1, 7):
            files.append((f"{expert}/diffusion_pytorch_model-{s:05d}-of-00006.bin", 9_900_000_000 + k * 100_003 + s * 4099 + (expert == "low_noise_model") * 777))
    files.append(("models_t5_umt5-xxl-enc-bf16.pth", 11_361_920_418 + k * 13))
    files.append(("Wan2.1_VAE.pth", 507_609_880 + k * 17))
    return files


def big(store, gigabytes, plan_path):
    repos, total, k = [], 0, 0
    while total < gigabytes * 1e9:
        layout = wan_layout(k)
        repos.append((f"bench/wan-{k}", layout))
        total += sum(size for _, size in layout)
        k += 1
    sizes = sorted({size for _, layout in repos for _, size in layout})
    digests, h, done, zeros = {}, hashlib.sha256(), 0, bytes(1 << 24)
    began = time.monotonic()
    for size in sizes:
        while done < size:
            step = min(len(zeros), size - done)
            h.update(zeros[:step] if step < len(zeros) else zeros)
            done += step
        digests[size] = h.copy().hexdigest()
    seconds = time.monotonic() - began
    print(f"# digests of {len(sizes)} sizes of zeros: {done / 1e9:.1f} GB hashed once in {seconds:.1f} s", file=sys.stderr)
    with open(plan_path, "w") as plan:
        for repo, layout in repos:
            files = []
            for path, size in layout:
                def writer(blob, size=size):
                    with open(blob, "wb") as out:
                        out.truncate(size)
                files.append((path, digests[size], size, True, writer))
            folder = write_repo(store, repo, files)
            for _, size in layout:
                plan.write(f"{folder}/blobs/{digests[size]}\t{digests[size]}\n")
            print(repo)
    print(f"# {total / 1e12:.3f} TB in {sum(len(l) for _, l in repos)} sparse files over {len(repos)} repos", file=sys.stderr)


def launch(log, pidfile, command):
    path = f"/tmp/modeld-notify-{os.getpid()}.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    try:
        began = time.monotonic()
        daemon = subprocess.Popen(command, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        with open(pidfile, "w") as out:
            out.write(str(daemon.pid))
        listener.settimeout(1)
        while True:
            try:
                message = listener.recv(4096).decode()
            except socket.timeout:
                if daemon.poll() is not None:
                    sys.exit(f"the daemon exited ({daemon.returncode}) before READY=1")
                if time.monotonic() - began > 600:
                    sys.exit("no READY=1 in 600 s")
                continue
            if "READY=1" in message.split("\n"):
                print(f"{time.monotonic() - began:.3f}")
                return
    finally:
        listener.close()
        os.unlink(path)


class Client:
    def __init__(self, path):
        self.conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.conn.connect(path)
        self.reader = self.conn.makefile("rb")

    def ask(self, request):
        self.conn.sendall((json.dumps(request) + "\n").encode())
        line = self.reader.readline()
        if not line:
            sys.exit("the daemon closed the connection")
        return json.loads(line)


def inotify_watches(pid):
    count = 0
    fdinfo = f"/proc/{pid}/fdinfo"
    for name in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, name)) as info:
                count += sum(1 for line in info if line.startswith("inotify wd:"))
        except OSError:
            pass
    return count


def latencies(client, request, n):
    times = []
    for _ in range(n):
        began = time.monotonic()
        answer = client.ask(request)
        times.append((time.monotonic() - began) * 1000)
        assert answer.get("ok"), answer
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return f"{pick(0.5):.2f}/{pick(0.99):.2f}/{times[-1]:.2f}"


def probe(sock, pid, n):
    began = time.monotonic()
    client = Client(sock)
    while True:
        models = client.ask({"cmd": "status"})["result"]["models"]
        states = {}
        for model in models:
            states[model["state"]] = states.get(model["state"], 0) + 1
        if not any(state in ("verifying", "checking", "unknown") for state in states) or time.monotonic() - began > 600:
            break
        time.sleep(0.05)
    settled = time.monotonic() - began
    metrics = client.ask({"cmd": "metrics"})["result"]["text"]
    hashed = next((float(line.split()[-1]) for line in metrics.splitlines() if line.startswith("modeld_verify_bytes_hashed_total")), -1)
    files = sum(model.get("files", {}).get("total", 0) for model in models)
    verified = sum(model.get("files", {}).get("verified", 0) for model in models)
    size = sum(model.get("size_bytes") or 0 for model in models)
    print(f"settled_s={settled:.3f}")
    print("states=" + ",".join(f"{state}:{count}" for state, count in sorted(states.items())))
    print(f"files={files}")
    print(f"verified={verified}")
    print(f"size_bytes={size}")
    print(f"hashed={int(hashed)}")
    print(f"watches={inotify_watches(pid)}")
    with open("/proc/sys/fs/inotify/max_user_watches") as limit:
        print(f"max_user_watches={limit.read().strip()}")
    print(f"status_ms={latencies(client, {'cmd': 'status'}, n)}")
    print(f"status_one_ms={latencies(client, {'cmd': 'status', 'model': models[0]['model']}, n)}")
    print(f"usage_ms={latencies(client, {'cmd': 'usage'}, max(20, n // 50))}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "small":
        small(args[0], int(args[1]), int(args[2]))
    elif command == "big":
        big(args[0], float(args[1]), args[2])
    elif command == "launch":
        launch(args[0], args[1], args[2:])
    elif command == "probe":
        probe(args[0], int(args[1]), int(args[2]))
    else:
        sys.exit(__doc__)
