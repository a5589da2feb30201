#!/usr/bin/env python3
"""Slow and greedy clients against a running renderer, with GET /health timed throughout.
Measures, does not judge: it prints what the server did with each client class, so the
bounds can be chosen from figures (issue 12). Standard library only.

Classes, one after another:
  slowloris   N connections trickling request headers, one byte per second
  idle        N keep-alive connections that send nothing at all
  slow-body   connections sending a POST body at one byte per second
  huge-header one request with a 1 MiB header
  pipelined   100 GET /health requests written at once on one connection

Usage: hostile_clients.py --port 8001 [--conns 500] [--seconds 20]
"""
import argparse
import asyncio
import statistics
import time


async def health_probe(port, stop, samples):
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            w.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            await w.drain()
            data = await asyncio.wait_for(r.read(), 5)
            w.close()
            ok = data.startswith(b"HTTP/1.1 200")
        except (OSError, asyncio.TimeoutError):
            ok = False
        samples.append((time.perf_counter() - t0, ok))
        await asyncio.sleep(0.05)


def summary(samples):
    lat = sorted(s[0] * 1000 for s in samples if s[1])
    failed = sum(1 for s in samples if not s[1])
    if not lat:
        return f"/health: {failed} probes, all failed"
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return (f"/health: {len(lat)} ok, {failed} failed, p50 {statistics.median(lat):.2f} ms, "
            f"p99 {p99:.2f} ms, max {lat[-1]:.2f} ms")


async def with_probe(port, coro):
    stop, samples = asyncio.Event(), []
    probe = asyncio.create_task(health_probe(port, stop, samples))
    result = await coro
    stop.set()
    await probe
    return result, summary(samples)


async def trickle(port, payload, seconds, closed_at):
    """Sends `payload` one byte a second; records when the server closes the connection."""
    t0 = time.perf_counter()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        closed_at.append(("refused", 0.0))
        return
    try:
        for b in payload:
            if time.perf_counter() - t0 > seconds:
                break
            w.write(bytes([b]))
            await w.drain()
            try:
                data = await asyncio.wait_for(r.read(1), 1.0)
                if data == b"" or data:
                    closed_at.append(("closed" if not data else "answered", time.perf_counter() - t0))
                    return
            except asyncio.TimeoutError:
                pass
        closed_at.append(("open", time.perf_counter() - t0))
    except (OSError, ConnectionError):
        closed_at.append(("reset", time.perf_counter() - t0))
    finally:
        w.close()


def describe(closed_at):
    kinds = {}
    for k, t in closed_at:
        kinds.setdefault(k, []).append(t)
    return ", ".join(f"{len(v)} {k} (median {statistics.median(v):.1f} s)" for k, v in kinds.items())


async def slowloris(port, conns, seconds):
    closed = []
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    await asyncio.gather(*(trickle(port, head, seconds, closed) for _ in range(conns)))
    return describe(closed)


async def slow_body(port, conns, seconds):
    closed = []
    body = b'{"payload": {"params": {"peltName": "Tabby"}}}' + b" " * 200
    head = (b"POST /render HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")

    async def one():
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            closed.append(("refused", 0.0))
            return
        w.write(head)
        await w.drain()
        t0 = time.perf_counter()
        try:
            for b in body:
                if time.perf_counter() - t0 > seconds:
                    closed.append(("open", seconds))
                    return
                w.write(bytes([b]))
                await w.drain()
                try:
                    data = await asyncio.wait_for(r.read(64), 1.0)
                    closed.append((data.split(b"\r\n")[0].decode(errors="replace") or "closed",
                                   time.perf_counter() - t0))
                    return
                except asyncio.TimeoutError:
                    pass
        except (OSError, ConnectionError):
            closed.append(("reset", time.perf_counter() - t0))
        finally:
            w.close()
    await asyncio.gather(*(one() for _ in range(conns)))
    return describe(closed)


async def idle(port, conns, seconds):
    writers, refused = [], 0
    for _ in range(conns):
        try:
            writers.append(await asyncio.open_connection("127.0.0.1", port))
        except OSError:
            refused += 1
    await asyncio.sleep(seconds)
    still = 0
    for r, w in writers:
        try:
            data = await asyncio.wait_for(r.read(1), 0.01)
            still += 0 if data == b"" else 1
        except asyncio.TimeoutError:
            still += 1
        w.close()
    return f"{len(writers)} opened, {refused} refused, {still} still open after {seconds} s"


async def huge_header(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    try:
        await w.drain()
        data = await asyncio.wait_for(r.read(200), 10)
        return data.split(b"\r\n")[0].decode(errors="replace") or "closed without an answer"
    except (OSError, ConnectionError):
        return "connection reset"
    finally:
        w.close()


async def pipelined(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 100)
    await w.drain()
    data = b""
    t0 = time.perf_counter()
    while data.count(b"HTTP/1.1 200") < 100 and time.perf_counter() - t0 < 10:
        try:
            chunk = await asyncio.wait_for(r.read(65536), 10)
        except asyncio.TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    w.close()
    return f"{data.count(b'HTTP/1.1 200')} of 100 answered in {time.perf_counter() - t0:.3f} s"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--conns", type=int, default=500)
    ap.add_argument("--seconds", type=int, default=20)
    a = ap.parse_args()
    print("baseline", (await with_probe(a.port, asyncio.sleep(3)))[1], flush=True)
    for name, coro in [
        (f"slowloris x{a.conns}", slowloris(a.port, a.conns, a.seconds)),
        (f"idle x{a.conns * 4}", idle(a.port, a.conns * 4, a.seconds)),
        (f"slow-body x{a.conns // 5}", slow_body(a.port, a.conns // 5, a.seconds)),
        ("huge-header", huge_header(a.port)),
        ("pipelined", pipelined(a.port)),
    ]:
        result, health = await with_probe(a.port, coro)
        print(f"{name}: {result}\n    {health}", flush=True)


asyncio.run(main())
