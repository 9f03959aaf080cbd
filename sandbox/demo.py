"""Demo data of the simulators, picked up by `seed_demo_data` (sandbox is installed in development only)."""

from __future__ import annotations

from sandbox.camdigikey import demo as camdigikey_demo


def seed(out, **options) -> None:
    camdigikey_demo.seed(out, **options)


def logins() -> list[tuple[str, str]]:
    return camdigikey_demo.logins()
