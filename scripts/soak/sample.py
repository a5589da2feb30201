#!/usr/bin/env python3
"""Samples a renderer's resident memory, peak, threads and open file descriptors every
INTERVAL seconds into a CSV until the process exits or this script is stopped (SIGTERM),
with what its /metrics says it holds on purpose: the result cache, the texture and recipe
stores and the atlas store ("held"), so growth can be told from a leak.

Usage: sample.py --pid PID --port PORT --interval 10 --out samples.csv
"""
import argparse
import os
import signal
import sys
import time
import urllib.request

HELD = ("renderer_cache_bytes", "renderer_texture_store_bytes", "renderer_texture_recipe_bytes",
        "renderer_atlas_store_bytes")


def read(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return int(fields["VmRSS"][0]) * 1024, int(fields["VmHWM"][0]) * 1024, int(fields["Threads"][0]), fds


def held(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return -1
    total = 0
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in HELD:
            total += int(float(value))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--interval", type=float, default=10)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(a.out, "w") as out:
        out.write("unix_seconds,rss_bytes,peak_rss_bytes,threads,fds,held_bytes\n")
        while True:
            try:
                rss, peak, threads, fds = read(a.pid)
            except (FileNotFoundError, ProcessLookupError):
                return
            out.write(f"{time.time():.1f},{rss},{peak},{threads},{fds},{held(a.port)}\n")
            out.flush()
            time.sleep(a.interval)


main()
