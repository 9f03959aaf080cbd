"""Load over HTTP for the benchmarks: gunicorn started and stopped on a free loopback port, CPU time of its
processes and of their database sessions (Linux /proc), and client processes that request paths one after
another for a fixed window (processes, not threads: the GIL would cap a threaded load generator on 2 cores).
Used by bench/part5_api.py."""

from __future__ import annotations

import collections
import contextlib
import http.client
import multiprocessing as mp
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# --- servers ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    name: str, port: int, spec: str, env: dict, log_path: Path, max_requests: int, probe: str = "/bench/bare"
):
    """A gunicorn of the portal on 127.0.0.1:port (`sync:W` or `gthread:WxT`), once `probe` answers 200."""
    worker_class, _, rest = spec.partition(":")
    workers, _, threads = rest.partition("x")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "esb.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        f"--threads={threads or 1}",
        # as docker-compose.yml's web service, but for --max-requests (see main)
        "--timeout=60",
        "--graceful-timeout=30",
        "--keep-alive=5",
        f"--max-requests={max_requests}",
        f"--max-requests-jitter={max_requests // 10}",
        "--worker-tmp-dir=/dev/shm",
        "--access-logfile=-",
        f"--name={name}",
    ]
    log = log_path.open("ab")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn {name} exited ({process.returncode}); see {log_path}")
        with contextlib.suppress(OSError):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                conn.close()
                return process
        time.sleep(0.5)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn {name} did not answer within 90 s; see {log_path}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def cpu_seconds(pids) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def server_pids(master: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [master, *map(int, Path(f"/proc/{master}/task/{master}/children").read_text().split())]
    return [master]


def database_pids(dsn: str, application_name: str) -> list[int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return [pid for (pid,) in rows.fetchall()]


def used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


# --- clients ------------------------------------------------------------------------------------------------


def get(conn_box: list, port: int, path: str, headers: dict) -> tuple[int, bytes]:
    """One GET on the client's connection (reopened when the server closed it, as sync workers do)."""
    for attempt in (1, 2):
        reused = conn_box[0] is not None
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn = conn_box[0]
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
            conn.close()
            conn_box[0] = None
            if attempt == 2 or not reused:
                raise
            continue
        if response.will_close:
            conn.close()
            conn_box[0] = None
        return response.status, body
    raise AssertionError("unreachable")


def client_loop(port: int, commands, results) -> None:
    """A client process: for each command (paths, marker, headers, start, stop, seed), request paths drawn
    at random one after another from `start` until `stop` (wall clock), and send back what it measured."""
    conn_box: list = [None]
    while True:
        command = commands.get()
        if command is None:
            return
        paths, marker, headers, start, stop, seed = command
        rng = random.Random(seed)
        latencies: list[float] = []
        statuses: collections.Counter = collections.Counter()
        not_ok = 0
        with contextlib.suppress(ValueError):
            time.sleep(max(0.0, start - time.time()))
        cpu = time.process_time()
        last = time.time()
        while time.time() < stop:
            path = paths[rng.randrange(len(paths))]
            t0 = time.perf_counter()
            try:
                status, body = get(conn_box, port, path, headers)
            except OSError as error:
                status, body = 599, repr(error).encode()
            latencies.append(time.perf_counter() - t0)
            statuses[status] += 1
            if status != 200 or marker not in body:
                not_ok += 1
            last = time.time()
        results.put((latencies, dict(statuses), not_ok, last, time.process_time() - cpu))


class Clients:
    def __init__(self, port: int, count: int):
        ctx = mp.get_context("spawn")
        self.commands = [ctx.Queue() for _ in range(count)]
        self.results = ctx.Queue()
        self.processes = [
            ctx.Process(target=client_loop, args=(port, queue, self.results), daemon=True)
            for queue in self.commands
        ]
        for process in self.processes:
            process.start()

    def run(self, clients: int, scenario, headers: dict, seconds: float, seed: int) -> tuple:
        """`clients` of the processes request the scenario's paths (`.paths`, success body `.ok_marker`) for
        `seconds`; returns the common start time and each client's (latencies, statuses, not ok, last answer,
        CPU seconds)."""
        start = time.time() + 0.3
        stop = start + seconds
        for i in range(clients):
            self.commands[i].put((scenario.paths, scenario.ok_marker, headers, start, stop, seed * 100 + i))
        answers = [self.results.get(timeout=seconds + 120) for _ in range(clients)]
        return start, answers

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for process in self.processes:
            process.join(timeout=10)
