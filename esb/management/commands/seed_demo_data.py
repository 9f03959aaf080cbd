"""Seed the demo data of `demo_data/` in the order written in `demo_data/seed.yaml`.

Each step names a function of an app's demo module (`registry.demo.seed_institutions`); the command itself
knows no app, so `esb` stays below the domain apps. Development and tests only: refused when
ESB_ENV=production (the demo creates users with published passwords and invented people).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from esb.demo_data import DemoDataError, Key, check_mapping, read

MANIFEST = "seed.yaml"
_DOTTED = Key(str, check=lambda v: "" if v.count(".") >= 2 else "must be app.module.function")


def _resolve(dotted: str, where) -> Callable | None:
    """The function a step names, or None when its app is not installed (the sandbox in production)."""
    module_name, _dot, function_name = dotted.rpartition(".")
    if not apps.is_installed(dotted.split(".", 1)[0]):
        return None
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        raise where.error(f"no module {module_name!r}") from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        raise where.error(f"{module_name} has no function {function_name!r}")
    return function


def manifest() -> tuple[list[tuple[str, Callable]], list[Callable]]:
    """(steps as (name, function), login functions), in the order of seed.yaml."""
    data, where = read(MANIFEST)
    check_mapping(data, {"steps": Key(list, items=_DOTTED), "logins": Key(list, items=_DOTTED)}, where)
    steps = [
        (name, function)
        for index, name in enumerate(data["steps"])
        if (function := _resolve(name, where / "steps" / index)) is not None
    ]
    logins = [
        function
        for index, name in enumerate(data["logins"])
        if (function := _resolve(name, where / "logins" / index)) is not None
    ]
    return steps, logins


class Command(BaseCommand):
    help = (
        "Seed the demo data of demo_data/ (institutions, catalog, people, businesses, officers) in the order "
        "of demo_data/seed.yaml. Idempotent; refused when ESB_ENV=production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list-logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, **options):
        # Messages (a model's refusal of a malformed entry) in English, whatever the default language.
        with translation.override("en"):
            self._handle(options)

    def _handle(self, options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError(
                "seed_demo_data refuses to run when ESB_ENV=production: the demo data creates users with "
                "published passwords and invented people and businesses. Use it on development and test "
                "databases only."
            )
        try:
            steps, logins = manifest()
            if not options["list_logins"]:
                started = time.monotonic()
                # One transaction: a malformed entry further down leaves nothing half-seeded.
                with transaction.atomic():
                    for _name, seed in steps:
                        seed(self.stdout)
                self.stdout.write(f"Demo data seeded in {time.monotonic() - started:.1f} s.")
            rows = [row for function in logins for row in function()]
        except DemoDataError as exc:
            raise CommandError(f"demo data: {exc}") from exc
        if rows:
            width = min(44, max(len(who) for who, _how in rows) + 2)
            self.stdout.write(
                "Demo logins (/accounts/login/ or /backoffice/ → Log in with CamDigiKey → search the person "
                "on the sandbox page → Approve):"
            )
            for who, how in rows:
                self.stdout.write(f"  {who:<{width}} {how}")
