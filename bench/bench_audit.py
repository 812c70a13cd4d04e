"""Bench of the audit fetcher: 1,000 simulated sites on loopback, 200 ms latency each.

    .venv/bin/python bench/bench_audit.py [--sites 1000] [--concurrency 50] [--ports 50]

The server runs in a child process (asyncio.start_server on N loopback ports; each port
is one "host" for per-host politeness). Reports wall time / ideal (sites x latency /
concurrency; budget <= 1.5) and the peak memory of the fetching process (ru_maxrss,
budget <= 300 MB). BALISE_AUDIT_ALLOW_PRIVATE=1 is set for this process only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

LATENCY = 0.2
PAGE = (
    b"<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
    b"<meta name='viewport' content='width=device-width'><title>Site de test</title></head>"
    b"<body>" + b"<p>Gite rural, chambres d'hotes et randonnees.</p>" * 200 + b"</body></html>"
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    b"Content-Length: " + str(len(PAGE)).encode() + b"\r\nConnection: close\r\n\r\n" + PAGE
)


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(LATENCY)
        writer.write(RESPONSE)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def serve(nports: int) -> None:
    servers = [
        await asyncio.start_server(_handle, "127.0.0.1", 0, backlog=1024) for _ in range(nports)
    ]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(" ".join(map(str, ports)), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.ports))
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["BALISE_AUDIT_ALLOW_PRIVATE"] = "1"
    from balise.audits.fetcher import FetchSettings, fetch_all

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--ports", str(args.ports)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ports = [int(p) for p in server.stdout.readline().split()]
        urls = [f"http://127.0.0.1:{ports[i % len(ports)]}/site-{i}" for i in range(args.sites)]
        settings = FetchSettings(probe_http=False)
        t0 = time.perf_counter()
        results = fetch_all(urls, concurrency=args.concurrency, per_host=2, settings=settings)
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait()

    ok = sum(1 for r in results.values() if r.ok and r.status == 200 and not r.error)
    ideal = args.sites * LATENCY / args.concurrency
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"sites: {args.sites}  ok: {ok}  concurrency: {args.concurrency}  hosts: {len(ports)}")
    print(f"wall: {wall:.2f} s  ideal: {ideal:.2f} s  ratio: {wall / ideal:.2f} (budget <= 1.5)")
    print(f"peak memory (ru_maxrss): {rss_mb:.0f} MB (budget <= 300)")
    if ok != args.sites or wall / ideal > 1.5 or rss_mb > 300:
        sys.exit(1)


if __name__ == "__main__":
    main()
