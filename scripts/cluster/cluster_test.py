#!/usr/bin/env python3
"""Redis, three renderer replicas and nginx (running deploy/nginx.conf) on loopback, driven
through nginx, checking what a game server behind a load balancer relies on:

1. every texture URL answered through nginx is answered by each replica directly, with
   identical bytes; nginx caches it, and a cold URL asked for 16 times at once reaches a
   replica once (proxy_cache_lock);
2. kill -9 of a replica under load: no request through nginx fails;
3. Redis stopped under load: renders keep succeeding, every /health says degraded; Redis
   back: health recovers without a restart, and every URL handed out before and during the
   outage is served by every replica;
4. SIGTERM of a replica under load (a rolling restart): no request through nginx fails and
   the replica exits 0.

Prints each figure; exits 1 on the first failed check. Standard library only.
Usage: cluster_test.py --bin target/debug/renderer [--keep]   (scripts/cluster-test.sh)
       cluster_test.py --bin target/release/renderer --then 'k6 run -e BASE_URL=$CG3_CLUSTER_URL scripts/render-load-test.js'

"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TILES = ["grass", "sand", "water", "path"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(msg):
    print(msg, flush=True)


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)
    say(f"  ok: {msg}")


def request(port, method, path, body=None, timeout=20):
    """(status, headers, body); status 0 when the connection failed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    except (OSError, http.client.HTTPException) as e:
        return 0, {}, str(e).encode()
    finally:
        conn.close()


def chunk(rng):
    """A small random chunk: 4×4 tiles of 16 px, sometimes a cat on it."""
    body = {
        "tileset": "terrain",
        "width": 4,
        "height": 4,
        "tileSize": 16,
        "layers": [[rng.choice(TILES) for _ in range(16)]],
    }
    if rng.random() < 0.3:
        body["entities"] = [{"x": rng.randrange(8), "y": rng.randrange(8), "z": 1,
                             "cat": {"peltName": "Tabby", "colour": "GINGER"}}]
    return body


def metric_sum(port, name, labels=None):
    """Sums the series of `name` on one replica; with `labels`, only series whose label text
    contains one of them (e.g. 'outcome="cached"')."""
    _, _, text = request(port, "GET", "/metrics")
    total = 0.0
    for line in text.decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if labels is None or any(l in line for l in labels):
                total += float(line.rsplit(" ", 1)[1])
    return total


class Cluster:
    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.redis_port = free_port()
        self.ports = [free_port() for _ in range(3)]
        self.nginx_port = free_port()
        self.replicas = [None, None, None]
        self.redis = None
        self.nginx = None

    # Redis, with an append-only file so a stop and start keeps the recipes.
    def start_redis(self):
        d = os.path.join(self.work, "redis")
        os.makedirs(d, exist_ok=True)
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--dir", d, "--appendonly", "yes", "--save", "",
             "--maxmemory", "256mb", "--maxmemory-policy", "volatile-ttl"],
            stdout=open(os.path.join(self.work, "redis.log"), "ab"), stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.redis_port), 10, "redis listening")

    def stop_redis(self):
        self.redis.send_signal(signal.SIGTERM)
        self.redis.wait(timeout=10)

    def start_replica(self, i):
        env = dict(os.environ,
                   CG3_HOST="127.0.0.1", CG3_PORT=str(self.ports[i]),
                   CG3_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
                   CG3_REDIS_TEXTURE_MAX_BYTES="2097152",
                   CG3_BACKEND="cpu", CG3_WORKER_COUNT="2",
                   CG3_SHUTDOWN_GRACE_SECONDS="10", CG3_LOG_FORMAT="json",
                   RUST_LOG="warn")
        log = open(os.path.join(self.work, f"replica-{i + 1}.log"), "ab")
        self.replicas[i] = subprocess.Popen([self.binary, "serve"], cwd=ROOT, env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: request(self.ports[i], "GET", "/ready")[0] == 200, 60,
                   f"replica {i + 1} ready")

    def start_nginx(self):
        conf = open(os.path.join(ROOT, "deploy", "nginx.conf")).read()
        cache = os.path.join(self.work, "nginx-cache")
        os.makedirs(cache, exist_ok=True)
        os.chmod(self.work, 0o755)
        os.chmod(cache, 0o777)
        servers = "".join(f"        server 127.0.0.1:{p} max_fails=0;\n" for p in self.ports)
        conf, n = re.subn(r"(?m)^\s*server renderer-\d:8001[^\n]*\n", "", conf)
        assert n == 3, "deploy/nginx.conf: expected three upstream server lines"
        conf = conf.replace("        keepalive 64;", servers + "        keepalive 64;")
        for old, new in [
            ("pid /var/run/nginx.pid;", f"pid {self.work}/nginx.pid;"),
            ("error_log /dev/stderr warn;", f"error_log {self.work}/nginx-error.log warn;"),
            ("access_log /dev/stdout;", f"access_log {self.work}/nginx-access.log;"),
            ("/var/cache/nginx/cg3", cache),
            ("listen 8080;", f"listen 127.0.0.1:{self.nginx_port};"),
        ]:
            assert old in conf, f"deploy/nginx.conf no longer has {old!r}"
            conf = conf.replace(old, new)
        path = os.path.join(self.work, "nginx.conf")
        open(path, "w").write(conf)
        base = ["nginx", "-p", self.work + "/", "-e", os.path.join(self.work, "nginx-error.log"),
                "-c", path]
        t = subprocess.run(base + ["-t"], capture_output=True, text=True)
        check(t.returncode == 0, f"nginx -t accepts deploy/nginx.conf ({t.stderr.strip().splitlines()[-1]})")
        self.nginx = subprocess.Popen(base + ["-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        wait_until(lambda: request(self.nginx_port, "GET", "/health")[0] == 200, 10,
                   "nginx proxying")

    def stop_all(self):
        # nginx's master stops its workers on SIGTERM; SIGKILL would orphan them.
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        for p in [*self.replicas, self.redis]:
            if p and p.poll() is None:
                p.kill()
                p.wait()


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(cond, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise Failed(f"timed out after {seconds} s waiting for {what}")


class Load:
    """Threads POSTing new chunks through nginx and GETting their texture URLs (and earlier
    ones) back, counting every answer that is not 200."""

    def __init__(self, port, seed, threads=4):
        self.port = port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.urls = []
        self.counts = {"post": 0, "get": 0}
        self.failures = []
        self.threads = [threading.Thread(target=self.run, args=(seed + i,), daemon=True)
                        for i in range(threads)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()

    def record(self, kind, status, body):
        with self.lock:
            self.counts[kind] += 1
            if status != 200:
                self.failures.append((kind, status, body[:200]))

    def run(self, seed):
        rng = random.Random(seed)
        while not self.stop.is_set():
            status, _, body = request(self.port, "POST", "/render/chunk", chunk(rng))
            self.record("post", status, body)
            if status == 200:
                url = json.loads(body)["textureUrl"]
                with self.lock:
                    self.urls.append(url)
                self.record("get", *request(self.port, "GET", url)[::2])
            with self.lock:
                old = rng.choice(self.urls) if self.urls else None
            if old:
                self.record("get", *request(self.port, "GET", old)[::2])

    def report(self, label):
        say(f"  {label}: {self.counts['post']} POST /render/chunk and {self.counts['get']} "
            f"texture GETs through nginx, {len(self.failures)} failed")
        for f in self.failures[:5]:
            say(f"    failed: {f}")


def same_everywhere(cluster, urls, reference):
    """Each URL from each replica directly, bytes equal to `reference[url]`."""
    bad = []
    for url in urls:
        for i, port in enumerate(cluster.ports):
            status, _, body = request(port, "GET", url)
            if status != 200 or body != reference[url]:
                bad.append((url, i + 1, status))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    ap.add_argument("--then", metavar="CMD",
                    help="instead of the checks: start the cluster, run CMD in a shell with "
                         "CG3_CLUSTER_URL set to nginx's address, stop, exit with CMD's status "
                         "(e.g. a k6 run through nginx)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cg3-cluster-")
    cluster = Cluster(os.path.abspath(args.bin), work)
    started = time.time()
    try:
        say(f"== start: redis :{cluster.redis_port}, replicas :{cluster.ports}, "
            f"nginx :{cluster.nginx_port} (logs in {work})")
        cluster.start_redis()
        for i in range(3):
            cluster.start_replica(i)
        cluster.start_nginx()
        for p in cluster.ports:
            wait_until(lambda p=p: json.loads(request(p, "GET", "/health")[2])
                       .get("shared", {}).get("state") == "ok", 15, "the Redis link")

        if args.then:
            env = dict(os.environ, CG3_CLUSTER_URL=f"http://127.0.0.1:{cluster.nginx_port}")
            say(f"== running: {args.then}")
            return subprocess.run(args.then, shell=True, env=env, cwd=ROOT).returncode

        say("== 1. one texture namespace")
        rng = random.Random(1)
        reference = {}
        for _ in range(24):
            status, _, body = request(cluster.nginx_port, "POST", "/render/chunk", chunk(rng))
            if status != 200:
                raise Failed(f"POST through nginx answered {status}: {body[:200]}")
            url = json.loads(body)["textureUrl"]
            status, headers, png = request(cluster.nginx_port, "GET", url)
            check(status == 200, f"GET {url[:24]}… through nginx") if not reference else None
            if status != 200:
                raise Failed(f"GET {url} through nginx answered {status}")
            reference[url] = png
        bad = same_everywhere(cluster, reference, reference)
        check(not bad, f"{len(reference)} texture URLs × 3 replicas answered directly with "
              f"identical bytes (mismatches: {bad[:3]})")
        url = next(iter(reference))
        _, headers, _ = request(cluster.nginx_port, "GET", url)
        check(headers.get("X-Cache-Status") == "HIT",
              f"nginx serves a repeated texture GET from its cache ({headers.get('X-Cache-Status')})")
        # A cold URL: handed out by replica 1 directly, then 16 players at once through nginx.
        status, _, body = request(cluster.ports[0], "POST", "/render/chunk", chunk(rng))
        cold = json.loads(body)["textureUrl"]
        # Counted: fetches a replica answered with the texture. A replica's 503 (a Redis call
        # over its 150 ms budget on a busy machine) is retried by nginx on the next replica
        # and is not a second render, so it is reported, not counted.
        served = ['outcome="cached"', 'outcome="shared"', 'outcome="rerendered"']
        refused = ['outcome="failed"']

        def fetches(labels):
            return sum(metric_sum(p, "renderer_texture_fetches_total", labels)
                       for p in cluster.ports)

        before, before_refused = fetches(served), fetches(refused)
        answers = []
        threads = [threading.Thread(target=lambda: answers.append(
            request(cluster.nginx_port, "GET", cold)[0])) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after, after_refused = fetches(served), fetches(refused)
        check(answers == [200] * 16 and after - before == 1,
              f"16 simultaneous GETs of a cold URL: all 200, {after - before:.0f} answered by a "
              f"replica (proxy_cache_lock; {after_refused - before_refused:.0f} refused and "
              f"retried by nginx)")

        say("== 2. kill -9 of a replica under load")
        with Load(cluster.nginx_port, 100) as load:
            time.sleep(1.5)
            cluster.replicas[1].kill()
            cluster.replicas[1].wait()
            say("  replica 2 killed (SIGKILL)")
            time.sleep(3)
        load.report("during the kill")
        check(not load.failures and load.counts["get"] > 0,
              "no request through nginx failed while a replica died")
        cluster.start_replica(1)
        for u in load.urls:
            reference[u] = request(cluster.nginx_port, "GET", u)[2]
        bad = same_everywhere(cluster, load.urls, reference)
        check(not bad, f"the {len(load.urls)} URLs handed out meanwhile are served by all three "
              f"replicas, the restarted one included (mismatches: {bad[:3]})")

        say("== 3. Redis stopped under load, then back")
        before_outage = list(reference)
        with Load(cluster.nginx_port, 200) as load:
            time.sleep(1)
            cluster.stop_redis()
            say("  redis stopped")
            t0 = time.time()
            wait_until(lambda: all(json.loads(request(p, "GET", "/health")[2])["status"]
                                   == "degraded" for p in cluster.ports), 15, "degraded health")
            say(f"  every replica reports degraded after {time.time() - t0:.1f} s")
            reason = json.loads(request(cluster.ports[0], "GET", "/health")[2])["shared"]["reason"]
            say(f"  reason: {reason}")
            check(all(request(p, "GET", "/ready")[0] == 200 for p in cluster.ports),
                  "every replica stays ready while Redis is down")
            time.sleep(2)
            cluster.start_redis()
            say("  redis started again")
            t0 = time.time()
            wait_until(lambda: all(json.loads(request(p, "GET", "/health")[2])["status"] == "ok"
                                   for p in cluster.ports), 20, "recovered health")
            say(f"  every replica reports ok {time.time() - t0:.1f} s after Redis came back")
            time.sleep(1)
        load.report("across the outage")
        check(not load.failures, "no render or texture GET through nginx failed during the outage")
        for u in load.urls:
            reference[u] = request(cluster.nginx_port, "GET", u)[2]

        def all_served():
            return not same_everywhere(cluster, before_outage + load.urls, reference)
        # Recipes from the outage are flushed from the replicas' backlogs within seconds.
        wait_until(all_served, 15, "every URL on every replica")
        check(True, f"{len(before_outage)} URLs from before and {len(load.urls)} from during the "
              f"outage are served by every replica with identical bytes")

        say("== 4. SIGTERM of a replica under load (rolling restart)")
        with Load(cluster.nginx_port, 300) as load:
            time.sleep(1.5)
            t0 = time.time()
            cluster.replicas[2].send_signal(signal.SIGTERM)
            code = cluster.replicas[2].wait(timeout=30)
            say(f"  replica 3 drained and exited with {code} after {time.time() - t0:.1f} s")
            cluster.start_replica(2)
            say("  replica 3 restarted")
            time.sleep(1)
        load.report("across the restart")
        check(code == 0, "the drained replica exits 0")
        check(not load.failures, "no admitted request failed during the rolling restart")
        say(f"== cluster test passed in {time.time() - started:.0f} s")
        return 0
    except Failed as e:
        say(f"FAILED: {e}")
        for name in sorted(os.listdir(work)):
            if name.endswith(".log"):
                say(f"--- tail of {name}")
                with open(os.path.join(work, name), errors="replace") as f:
                    for line in f.readlines()[-10:]:
                        say("    " + line.rstrip())
        return 1
    finally:
        cluster.stop_all()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
