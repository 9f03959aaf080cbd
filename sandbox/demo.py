"""Demo data of the simulators, a step of `seed_demo_data` (sandbox is installed in development only)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from sandbox.camdigikey import demo as camdigikey_demo
from sandbox.telegram import services as telegram_simulator


def seed(out=None, **options) -> None:
    camdigikey_demo.seed(out, **options)
    telegram = getattr(settings, "TELEGRAM", None) or {}
    if telegram.get("BOT_TOKEN") == telegram_simulator.SANDBOX_TOKEN:
        webhook = settings.ESB_PUBLIC_BASE_URL.rstrip("/") + reverse("notifications:telegram-webhook")
        telegram_simulator.seed_demo(webhook, telegram.get("WEBHOOK_SECRET", ""))
