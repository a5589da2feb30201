#!/usr/bin/env python3
"""Judges a soak's samples (sample.py's CSV): after the warm-up, resident memory less what the
service reports holding on purpose (bounded caches and stores, the atlas store: "held") and open file descriptors must be flat, and once the load stops the descriptors
must return to where they were before it. Prints the figures; exits 1 when a bound is broken. Optionally draws the
curve as a PNG (Pillow).

Flat means: the least-squares slope of RSS less held bytes over the measured window, times the window's
length, is at most --rss-drift-mib (default 16 MiB) and 5% of the mean, but never less than
--rss-floor-mib (default 4 MiB: since the atlas store, RSS less held is about 23 MiB, whose
5% is below what allocator arenas add while a short run warms up); file descriptors
drift by at most --fd-drift the same way; the idle tail holds at most --fd-leak more
descriptors than the first sample.

Usage: judge.py samples.csv --load-start EPOCH --load-end EPOCH [--warmup 300] [--plot docs/soak.png]
       judge.py --self-test     judges synthetic runs (flat, settling, leaking) and checks the verdicts
"""
import argparse
import csv
import sys


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def plot(rows, load_end, warmup, path, title):
    from PIL import Image, ImageDraw

    w, h, pad = 900, 520, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    t0 = rows[0]["seconds"]
    rows = [dict(r, seconds=r["seconds"] - t0) for r in rows]
    load_end, warmup = load_end - t0, warmup - t0
    t_max = max(r["seconds"] for r in rows) or 1
    panels = [("resident memory, MiB (blue: RSS; green: RSS less caches, stores, converted cells)",
               ("rss_bytes", "rss"), 1 / 2**20, ((31, 119, 180), (44, 160, 44))),
              ("open file descriptors", ("fds",), 1, ((214, 39, 40),))]
    ph = (h - 3 * pad // 2) // 2
    for i, (label, keys, k, colours) in enumerate(panels):
        top = pad // 2 + i * (ph + pad // 2)
        vals = [r[key] * k for r in rows for key in keys]
        lo, hi = 0, max(vals) * 1.15 or 1
        d.rectangle([pad, top, w - 20, top + ph - 20], outline="black")
        d.text((pad + 6, top + 4), label, fill="black")
        for frac in (0, 0.5, 1):
            y = top + ph - 20 - frac * (ph - 20)
            d.text((6, y - 6), f"{lo + frac * (hi - lo):.0f}", fill="black")
        sx = lambda t: pad + (w - 20 - pad) * t / t_max
        sy = lambda v: top + ph - 20 - (ph - 20) * (v - lo) / (hi - lo)
        for t, shade in ((warmup, (200, 200, 200)), (load_end, (120, 120, 120))):
            d.line([sx(t), top, sx(t), top + ph - 20], fill=shade)
        for key, colour in zip(keys, colours):
            pts = [(sx(r["seconds"]), sy(r[key] * k)) for r in rows]
            d.line(pts, fill=colour, width=2)
    d.text((pad, h - pad // 2 - 4), f"{title}   (x: 0..{t_max / 60:.1f} min; grey lines: end of warm-up, end of load)", fill="black")
    img.save(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--load-start", type=float, required=True, help="unix time the load began")
    ap.add_argument("--load-end", type=float, required=True, help="unix time the load ended")
    ap.add_argument("--warmup", type=float, default=None, help="default: a quarter of the load")
    ap.add_argument("--rss-drift-mib", type=float, default=16)
    ap.add_argument("--rss-floor-mib", type=float, default=4)
    ap.add_argument("--fd-drift", type=float, default=8)
    ap.add_argument("--fd-leak", type=int, default=8)
    ap.add_argument("--plot")
    ap.add_argument("--title", default="soak")
    a = ap.parse_args()
    with open(a.csv) as f:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    rows = [dict(r, rss=r["rss_bytes"] - max(0, r["held_bytes"]), seconds=r["unix_seconds"] - a.load_start)
            for r in rows]
    load_seconds = a.load_end - a.load_start
    warmup = load_seconds / 4 if a.warmup is None else a.warmup
    window = [r for r in rows if warmup <= r["seconds"] <= load_seconds]
    tail = [r for r in rows if r["seconds"] > load_seconds + 1]
    if len(window) < 3 or not tail:
        print(f"soak: too few samples ({len(window)} in the window, {len(tail)} after the load)")
        sys.exit(1)
    xs = [r["seconds"] for r in window]
    span = xs[-1] - xs[0]
    rss = [r["rss"] for r in window]
    fds = [r["fds"] for r in window]
    rss_drift = slope(xs, rss) * span
    fd_drift = slope(xs, fds) * span
    mean_rss = sum(rss) / len(rss)
    leak = tail[-1]["fds"] - rows[0]["fds"]
    print(f"soak: {len(rows)} samples; window {xs[0]:.0f}-{xs[-1]:.0f} s")
    held = [r["held_bytes"] for r in window]
    print(f"  held (caches, stores, the atlas store): {held[0] / 2**20:.1f} -> {held[-1] / 2**20:.1f} MiB; "
          f"RSS {window[0]['rss_bytes'] / 2**20:.1f} -> {window[-1]['rss_bytes'] / 2**20:.1f} MiB")
    print(f"  rss less held: start {rows[0]['rss'] / 2**20:.1f} MiB, window mean {mean_rss / 2**20:.1f} MiB, "
          f"min {min(rss) / 2**20:.1f}, max {max(rss) / 2**20:.1f}, drift over the window "
          f"{rss_drift / 2**20:+.1f} MiB; peak (VmHWM) {rows[-1]['peak_rss_bytes'] / 2**20:.1f} MiB")
    print(f"  fds: start {rows[0]['fds']:.0f}, window {min(fds):.0f}-{max(fds):.0f}, drift {fd_drift:+.1f}, "
          f"after the load {tail[-1]['fds']:.0f}; threads {rows[-1]['threads']:.0f}")
    if a.plot:
        plot(rows, load_seconds, warmup, a.plot, a.title)
        print(f"  plot: {a.plot}")
    bad = []
    bound = min(a.rss_drift_mib * 2**20, max(a.rss_floor_mib * 2**20, 0.05 * mean_rss))
    if rss_drift > bound:
        bad.append(f"RSS less held grew {rss_drift / 2**20:.1f} MiB over the window")
    if fd_drift > a.fd_drift:
        bad.append(f"file descriptors grew {fd_drift:.1f} over the window")
    if leak > a.fd_leak:
        bad.append(f"{leak:.0f} more file descriptors after the load than before it")
    for b in bad:
        print(f"  FAIL: {b}")
    print("soak: " + ("not flat" if bad else "flat after warm-up"))
    sys.exit(1 if bad else 0)


def self_test():
    """A flat run, and one drifting 1.5 MiB over the window (more than 5 % of the ~23 MiB the
    service holds beyond its caches, less than the 4 MiB floor), must pass; one leaking 6 MiB
    over the run and one leaking descriptors must fail."""
    import os
    import subprocess
    import tempfile

    def run(rss_at, fds_at=lambda t: 20):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("unix_seconds,rss_bytes,peak_rss_bytes,threads,fds,held_bytes\n")
            for t in range(0, 131, 5):
                fds = fds_at(t) if t <= 120 else 12
                f.write(f"{1000 + t},{rss_at(t) + 50 * 2**20},{100 * 2**20},7,{fds},{50 * 2**20}\n")
        proc = subprocess.run([sys.executable, __file__, f.name, "--load-start", "1000",
                               "--load-end", "1120"], capture_output=True, text=True)
        os.unlink(f.name)
        return proc.returncode

    mib = 2**20
    cases = [
        ("flat", lambda t: 23 * mib, 0),
        ("drifting 1.5 MiB over the window", lambda t: (22 + 2 * min(t, 120) / 120) * mib, 0),
        ("leaking 6 MiB", lambda t: (22 + 6 * t / 120) * mib, 1),
    ]
    for name, rss, want in cases:
        got = run(rss)
        assert got == want, f"{name}: exit {got}, expected {want}"
    assert run(lambda t: 23 * mib, lambda t: 12 + t // 5) == 1, "leaking descriptors passed"
    print("judge self-test: ok")


if sys.argv[1:] == ["--self-test"]:
    self_test()
else:
    main()
