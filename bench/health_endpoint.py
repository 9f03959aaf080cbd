"""`/health` under load: p50/p95 latency and requests per second at N concurrent clients.

Starts gunicorn (sync workers, the production process model) on 127.0.0.1 against the database and Redis of
the environment, waits until it answers, then lets N client threads poll the URL for a fixed time.
`--compare /branding.css` loads a trivial view the same way: the ceiling of the same server and middleware.

    DATABASE_URL=... REDIS_URL=... ESB_ENV=test \
        .venv/bin/python bench/health_endpoint.py --clients 8 --compare /branding.css
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/health", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer")


def _load(url: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = session.get(url, timeout=10)
            mine.append(time.perf_counter() - started)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the Dockerfile's 3)")
    parser.add_argument("--compare", default="", help="a second path, e.g. /branding.css")
    args = parser.parse_args()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": "0"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "esb.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        _wait_ready(base)
        first = time.perf_counter()
        requests.get(base + "/health", timeout=10)
        print(f"one call after start-up: {(time.perf_counter() - first) * 1000:.1f} ms")
        for path in ["/health", *([args.compare] if args.compare else [])]:
            _load(base + path, args.clients, 2)  # warm every worker
            result = _load(base + path, args.clients, args.seconds)
            print(
                f"{path}: {args.clients} clients, {result['requests']} requests, "
                f"{result['per_second']:.0f}/s, p50 {result['p50_ms']:.1f} ms, "
                f"p95 {result['p95_ms']:.1f} ms, statuses {result['statuses']}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
