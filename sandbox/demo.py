"""Demo data of the simulators, a step of `seed_demo_data` (sandbox is installed in development only)."""

from __future__ import annotations

from sandbox.camdigikey import demo as camdigikey_demo


def seed(out=None, **options) -> None:
    camdigikey_demo.seed(out, **options)
