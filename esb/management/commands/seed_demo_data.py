"""Load the demo data of every installed app that has a `demo` module, in INSTALLED_APPS order.

Each app's `demo.py` exposes `seed(stdout, **options) -> None` (idempotent) and may expose
`add_arguments(parser)`, `logins() -> list[tuple[str, str]]` (who can log in, and how). The command itself
knows no app by name, so `esb` stays below the domain apps.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


def demo_modules() -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return modules


class Command(BaseCommand):
    help = "Seed idempotent demo data (institutions, people, businesses, services). Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument("--list-logins", action="store_true", help="Only print the demo logins.")
        for module in demo_modules():
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args, **options):
        modules = demo_modules()
        # call_command(..., stdout=...) puts the streams among the options; each app gets its own output
        # as the first argument instead.
        app_options = {k: v for k, v in options.items() if k not in {"stdout", "stderr"}}
        if not options["list_logins"]:
            for module in modules:
                with transaction.atomic():
                    module.seed(self.stdout, **app_options)
        rows = [row for module in modules if hasattr(module, "logins") for row in module.logins()]
        if rows:
            self.stdout.write("Demo logins:")
            for who, how in rows:
                self.stdout.write(f"  {who:<40} {how}")
