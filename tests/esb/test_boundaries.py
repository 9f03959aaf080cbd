"""The dependency rules of docs/architecture.md, as import-linter contracts ([tool.importlinter]).

`make test` runs `lint-imports`; these tests prove the contracts hold on the tree, that breaking one is
reported (lazy imports inside functions included), and that no local package escapes them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# Apps that later issues add: named in the contracts already (optional layers, wildcards).
FUTURE_APPS: set[str] = set()


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The project's packages and pyproject.toml, copied so a test can add an import that breaks a rule."""
    keep_py = shutil.ignore_patterns("__pycache__", "migrations", "templates", "static", "*.html", "*.txt")
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=keep_py)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_local_package_is_under_the_contracts():
    """A new app (payments, issuance, camdx_*) is checked only once it is a root package of the linter."""
    local_apps = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        # a virtualenv inside the checkout holds third-party apps, not ours
        and Path(config.path).resolve().relative_to(ROOT).parts[0] not in (".venv", ".data")
    }
    on_disk = {path.parent.name for path in ROOT.glob("*/apps.py")} | {
        name for name in FUTURE_APPS if (ROOT / name / "__init__.py").exists()
    }
    missing = (local_apps | on_disk) - set(CONFIG["root_packages"])
    assert not missing, f"add {sorted(missing)} to [tool.importlinter] root_packages in pyproject.toml"


def test_a_lazy_import_of_a_domain_app_from_esb_breaks_the_build(tree_copy: Path):
    (tree_copy / "esb" / "probe.py").write_text(
        "def login(request):\n    from accounts.views import backoffice_login\n\n"
        "    return backoffice_login\n"
    )
    result = _lint(tree_copy)
    assert result.returncode == 1
    assert "esb is not allowed to import accounts" in result.stdout
    assert "esb.probe -> accounts.views" in result.stdout


@pytest.mark.parametrize(
    ("module", "code", "expected"),
    [
        # A domain app reaching the simulators.
        ("applications/probe.py", "import sandbox.urls", "applications.probe -> sandbox.urls"),
        # Upwards: registry sits below accounts (the layers contract).
        ("registry/services.py", "from accounts import selectors", "registry.services -> accounts.selectors"),
        # A model calling an integration client, lazily.
        (
            "privacy/models.py",
            "def _probe():\n    from accounts.camdigikey import client",
            "privacy.models -> accounts.camdigikey.client",
        ),
        # A selector importing a door.
        ("licensing/selectors.py", "from licensing import admin", "licensing.selectors -> licensing.admin"),
    ],
)
def test_each_rule_reports_a_breaking_import(tree_copy: Path, module: str, code: str, expected: str):
    path = tree_copy / module
    before = path.read_text() if path.exists() else ""
    path.write_text(before + "\n\n" + code + "\n")
    result = _lint(tree_copy)
    assert result.returncode == 1, result.stdout
    assert expected in result.stdout


def test_payments_reaches_applications_only_through_its_services(tree_copy: Path):
    """`payments` is a root package: the contracts written for it before it existed now hold."""
    assert "payments" in CONFIG["root_packages"]
    payments = tree_copy / "payments"
    # Allowed: the one service the application exposes.
    (payments / "services.py").write_text("from applications import services\n")
    assert _lint(tree_copy).returncode == 0

    # Refused: an application model, and applications depending on payments.
    (payments / "receipts.py").write_text("from applications.models import Application\n")
    (tree_copy / "applications" / "probe.py").write_text("import payments.services\n")
    result = _lint(tree_copy)
    assert result.returncode == 1
    assert "payments.receipts -> applications.models" in result.stdout
    assert "applications.probe -> payments.services" in result.stdout
