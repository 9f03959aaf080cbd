"""Supervision of the long-running processes `make run` starts (web, worker, beat): each in its own process
group, stopped in order on Ctrl-C, SIGTERM or SIGHUP, and killed with its children when it does not stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 15.0


def log(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """Clean-up must not be cut short by a second Ctrl-C: record signals instead of raising."""
    received: list[int] = []
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum)) for sig in handled}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _raise_interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP (terminal closed) clean up exactly like Ctrl-C (SIGINT)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)


def start_processes(commands: dict[str, list[str]], env: dict[str, str]) -> dict[str, subprocess.Popen]:
    """Start each command as the leader of its own process group.

    The terminal's Ctrl-C then reaches only this supervisor, which stops the children in order; and a whole
    group (a Celery worker and its pool processes) can be killed at once, so nothing is orphaned.
    """
    running: dict[str, subprocess.Popen] = {}
    try:
        for name, argv in commands.items():
            running[name] = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    except (
        OSError
    ):  # one could not start (e.g. a missing executable): the ones already started must not linger
        stop_processes(running)
        raise
    return running


def supervise(running: dict[str, subprocess.Popen], poll_seconds: float = 0.5) -> int:
    """Block until a process exits (its code, or 1) or until interrupted (0)."""
    try:
        while True:
            for name, proc in running.items():
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; stopping the rest")
                    return proc.returncode or 1
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        print(flush=True)
        log("stopping")
        return 0


def _killpg(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_processes(running: dict[str, subprocess.Popen], grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM each leader, wait up to `grace_seconds` (a second Ctrl-C cuts it short), then SIGKILL whatever
    is left in each process group."""
    with _signals_deferred() as hurry:
        for proc in running.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while any(p.poll() is None for p in running.values()) and time.monotonic() < deadline and not hurry:
            time.sleep(0.1)
        for name, proc in running.items():
            if proc.poll() is None:
                log(f"{name} did not stop in time: killing it")
            _killpg(proc.pid, signal.SIGKILL)  # the leader if still there, and any orphaned pool process
            proc.wait()
