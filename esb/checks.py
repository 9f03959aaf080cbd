"""System checks of the project (`manage.py check`, run at start-up by runserver, migrate and the tests).

`plugin_configuration`: every plugin of every registry (`esb.plugins`) checks its own configuration, so a
misconfigured identity provider or prefill source is reported when the portal starts, not at the first
person who needs it. esb knows no domain app: it sees the registries the apps created when they loaded.
"""

from __future__ import annotations

from django.core import checks

from esb.plugins import all_registries


@checks.register("esb")
def plugin_configuration(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    for registry in all_registries():
        for plugin in registry:
            try:
                messages = plugin.check_config()
            except Exception as exc:  # a broken check must be reported, not crash `manage.py check`
                messages = [f"its configuration check failed ({type(exc).__name__})"]
            problems.extend(
                checks.Error(
                    f"{registry.name} plugin {plugin.key!r}: {message}",
                    obj=plugin,
                    id="esb.E001",
                )
                for message in messages
            )
    return problems
