import os
import shutil
from pathlib import Path

import pytest
from django.db import connection, transaction

os.environ.setdefault("ESB_ENV", "test")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _no_throttle_counts():
    """Rate-limit counts (esb.throttle) live in the shared cache: every test starts without any."""
    from esb.throttle import clear_all

    clear_all()
    yield


@pytest.fixture(autouse=True)
def _no_cached_holidays():
    """The public holidays cached per year (esb.working_days) live in the shared cache: every test reads the
    table of its own transaction."""
    from esb.working_days import forget_all

    forget_all()
    yield


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, for tests marked e2e. `make test` installs Chromium and sets
    ESB_REQUIRE_BROWSER=1, so there a missing browser fails the run instead of skipping."""
    if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
        if os.environ.get("ESB_REQUIRE_BROWSER") == "1":
            pytest.fail("Debian's chromium is required for this run but missing", pytrace=False)
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM then refuses to run the
    # test database set-up unless told that this is intended.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def reference_data(django_db_setup, django_db_blocker):
    """The gazetteer, ISIC and countries, loaded once per test session, committed, and removed at the end;
    each test still runs in its own rolled-back transaction. The loaders write no audit events, so the audit
    chain other tests inspect starts empty."""
    from registry.models import AdministrativeUnit, Country, IsicActivity
    from registry.reference_loader import load_countries, load_gazetteer, load_isic

    with django_db_blocker.unblock():
        with transaction.atomic():
            load_countries()
            load_gazetteer()
            load_isic()
        yield
        with connection.cursor() as cursor:
            tables = ", ".join(m._meta.db_table for m in (AdministrativeUnit, IsicActivity, Country))
            cursor.execute(f"TRUNCATE {tables} CASCADE")


@pytest.fixture(autouse=True)
def _health_threads_stopped():
    """`/health` keeps one checking thread per dependency, each with its own database connection. Any test
    may reach /health (directly, through a live server or a page); stopping them after it lets the test
    database be dropped at the end of the run."""
    yield
    from esb import health

    if health.runner.executors:
        health.runner.stop()
