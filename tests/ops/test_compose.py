"""docker-compose.yml, Dockerfile, deploy/: parsed and checked (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CONFIG_DOC = (ROOT / "docs" / "configuration.md").read_text()
ENV_EXAMPLE = (ROOT / "deploy" / "env.example").read_text()
NGINX = (ROOT / "deploy" / "nginx" / "templates" / "default.conf.template").read_text()
APP_SERVICES = ("web", "worker", "beat", "migrate")

# `${NAME}`, `${NAME:-default}`, `${NAME:?error}`; `$${...}` is an escaped literal dollar, not a variable.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
SECRETISH = re.compile(r"PASSWORD|SECRET|_KEY|KEYS|TOKEN|AUTH", re.IGNORECASE)


def compose_variables() -> set[str]:
    return set(INTERPOLATION.findall(COMPOSE_TEXT))


def command_text(service: str) -> str:
    command = SERVICES[service]["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_every_service_of_the_production_shape_exists():
    assert {"nginx", "web", "worker", "beat", "db", "redis"} <= set(SERVICES)


def test_web_worker_and_beat_share_one_image_and_one_env_file():
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    env_files = {str(SERVICES[name]["env_file"]) for name in APP_SERVICES}
    assert len(images) == 1
    assert env_files == {".env"}
    for name in APP_SERVICES:
        assert SERVICES[name]["environment"]["ESB_ENV"] == "production"


def test_processes_are_the_expected_ones():
    web = command_text("web")
    assert web.startswith("gunicorn esb.wsgi")
    assert "--workers=${WEB_CONCURRENCY" in web
    worker = command_text("worker")
    assert worker.startswith("celery -A esb worker")
    assert "-Q esb" in worker
    assert "--concurrency=${CELERY_CONCURRENCY" in worker
    assert command_text("beat").startswith("celery -A esb beat")
    migrate = command_text("migrate")
    assert "migrate --noinput" in migrate and "collectstatic --noinput" in migrate
    # the runtime role is provisioned after the migrations, by the owner, before anything else starts
    assert (
        migrate.index("migrate --noinput")
        < migrate.index("deploy/db_roles.py")
        < migrate.index("collectstatic")
    )


def test_exactly_one_beat():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert (
        sum("celery -A esb beat" in command_text(name) for name in SERVICES if "command" in SERVICES[name])
        == 1
    )


def test_startup_order_waits_for_healthy_dependencies_and_migrations():
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    for name in ("db", "redis", "web"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert SERVICES["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    assert (ROOT / "deploy" / "healthcheck.py").exists()


def test_postgres_is_16_or_newer_with_a_volume():
    image = SERVICES["db"]["image"]
    match = re.match(r"postgres:(\d+)", image)
    assert match and int(match.group(1)) >= 16, image
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in SERVICES["db"]["volumes"])
    assert "pgdata" in COMPOSE["volumes"]


def test_static_files_are_shared_between_migrate_web_and_nginx():
    def mounts(service):
        return {str(v).split(":")[0]: str(v) for v in SERVICES[service]["volumes"]}

    assert mounts("migrate")["static"] == "static:/srv/static"
    assert mounts("web")["static"].endswith(":ro")
    assert mounts("nginx")["static"] == "static:/srv/static:ro"
    assert "alias /srv/static/;" in NGINX


def test_only_nginx_publishes_ports():
    published = [name for name, service in SERVICES.items() if service.get("ports")]
    assert published == ["nginx"]


def test_no_secret_is_written_in_the_compose_file():
    def walk(node, path=()):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, (*path, str(key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, (*path, str(index)))
        else:
            yield path, str(node)

    for path, value in walk(COMPOSE):
        key = path[-1] if path else ""
        if SECRETISH.search(key):
            # an interpolation from .env, or "" (a .env secret blanked for a container that must not see it)
            assert value == "" or re.fullmatch(r"\$\{[A-Z_]+(:[-?][^}]*)?\}", value), (
                f"{'.'.join(path)} is a literal: {value}"
            )
        # credentials inside URLs must be interpolated too
        for credentials in re.findall(r"://([^@/\s]*)@", value):
            password = credentials.split(":", 1)[1] if ":" in credentials else ""
            assert not password or password.startswith("${"), f"{'.'.join(path)} embeds a password"
        for placeholder in ("CHANGE_ME", "changeme", "password123", "secret123"):
            assert placeholder not in value, f"{'.'.join(path)} holds a placeholder secret"


def test_every_compose_variable_is_documented_and_in_the_env_example():
    variables = compose_variables()
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "ESB_SERVER_NAME", "WEB_CONCURRENCY"} <= variables
    undocumented = sorted(name for name in variables if f"`{name}`" not in CONFIG_DOC)
    assert not undocumented, f"add these to docs/configuration.md: {undocumented}"
    missing = sorted(
        name for name in variables if not re.search(rf"^#?\s*{name}=", ENV_EXAMPLE, re.MULTILINE)
    )
    assert not missing, f"add these to deploy/env.example: {missing}"


def test_env_example_holds_placeholders_only():
    values = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.splitlines()
        if line and not line.startswith("#") and "=" in line
    )
    for name in (
        "SECRET_KEY",
        "ESB_FIELD_ENCRYPTION_KEYS",
        "ESB_LOOKUP_HASH_KEY",
        "ESB_AUDIT_ANCHOR_KEY",
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
    ):
        assert values[name] == "CHANGE_ME", name
    for name, value in values.items():
        if SECRETISH.search(name) and value:
            assert value == "CHANGE_ME", f"{name} must be a placeholder in deploy/env.example"


def test_dockerfile_is_slim_python_311_hash_locked_and_non_root():
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE, re.MULTILINE)
    assert "pip install --require-hashes" in DOCKERFILE
    assert "-r /tmp/requirements.lock" in DOCKERFILE
    # dependencies are installed before the application is copied (layer cache), in the build stage
    assert DOCKERFILE.index("--require-hashes") < DOCKERFILE.index("COPY . /app")
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users, "the image must switch to an unprivileged user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-khmeros-core"):
        assert library in DOCKERFILE


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {".env", ".venv", ".data", ".git", "deploy/nginx/certs"} <= ignored


@pytest.mark.parametrize(
    "directive",
    [
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "client_max_body_size ${ESB_MAX_UPLOAD_MB}m;",
        "gzip on;",
        "location = /health",
    ],
)
def test_nginx_proxies_with_the_headers_django_reads(directive):
    assert directive in NGINX


def test_nginx_template_uses_only_variables_that_compose_passes():
    passed = set(SERVICES["nginx"]["environment"])
    used = set(INTERPOLATION.findall(NGINX))
    assert used <= passed
    # nginx leaves security headers to Django (one place), apart from nosniff on files it serves itself
    assert "Strict-Transport-Security" not in NGINX
    assert "Content-Security-Policy" not in NGINX


def test_nginx_is_recent_enough_for_the_directives_the_template_uses():
    # `server ... resolve` in an upstream needs nginx >= 1.27.3; `http2 on;` needs >= 1.25.1
    match = re.match(r"nginx:(\d+)\.(\d+)", SERVICES["nginx"]["image"])
    assert match and (int(match.group(1)), int(match.group(2))) >= (1, 28)
    assert "resolve;" in NGINX and "resolver 127.0.0.11" in NGINX


def database_user(service: str) -> str:
    url = SERVICES[service]["environment"]["DATABASE_URL"]
    return re.match(r"postgres://([^:]+):", url).group(1)


def test_web_worker_and_beat_connect_as_the_non_owner_role_and_only_migrate_as_the_owner():
    for name in ("web", "worker", "beat"):
        assert database_user(name) == "esb_app", name
        assert "${ESB_APP_DB_PASSWORD:?" in SERVICES[name]["environment"]["DATABASE_URL"]
        # .env holds the owner's password: it is blanked in every container but the owner's one-shot job
        assert SERVICES[name]["environment"]["POSTGRES_PASSWORD"] == ""
        assert SERVICES[name]["environment"]["ESB_APP_DB_PASSWORD"] == ""
    assert database_user("migrate") == "${POSTGRES_USER"
    assert SERVICES["migrate"]["environment"]["ESB_APP_DB_PASSWORD"].startswith("${ESB_APP_DB_PASSWORD:?")
    assert (ROOT / "deploy" / "db_roles.py").exists()
    assert "deploy/db_roles.py" not in (ROOT / ".dockerignore").read_text()


def test_only_nginx_is_trusted_for_forwarding_headers():
    import ipaddress

    nginx_address = SERVICES["nginx"]["networks"]["default"]["ipv4_address"]
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    default = re.fullmatch(r"\$\{ESB_NGINX_ADDRESS:-([\d.]+)\}", nginx_address).group(1)
    subnet_default = re.fullmatch(r"\$\{ESB_NETWORK_SUBNET:-([\d./]+)\}", subnet).group(1)
    assert ipaddress.ip_address(default) in ipaddress.ip_network(subnet_default)
    for name in ("web", "worker", "beat", "migrate"):
        assert SERVICES[name]["environment"]["ESB_TRUSTED_PROXIES"] == nginx_address, name
    assert f"--forwarded-allow-ips={nginx_address}" in command_text("web")
    assert "--forwarded-allow-ips=*" not in command_text("web")
