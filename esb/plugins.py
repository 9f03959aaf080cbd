"""A small typed plugin registry: identity providers, prefill sources and, later, payment providers,
verification providers and notification channels all plug in the same way.

    # accounts/identity_providers.py — the domain app declares its registry and plugin base
    identity_providers: Registry[IdentityProvider] = Registry("identity providers")

    @identity_providers.register("camdigikey")
    class CamDigiKey(IdentityProvider):
        verbose_name = _("CamDigiKey")

    identity_providers.get("camdigikey")          # the plugin instance; PluginNotFound names the known keys

    with identity_providers.override("camdigikey", FakeIdP()):   # tests: swap one plugin, restored after
        ...

Every registry ever created is listed in `all_registries()`, so the system check (`esb.checks`) can run each
plugin's `check_config()` without esb importing a domain app (in the spirit of Open Forms'
`plugins/registry.py`, smaller: no feature flags, no metrics).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from django.utils.functional import Promise

KEY_MAX_LENGTH = 50


class Plugin:
    """What every plugin has: a key (set when registered), a human name, and a configuration check."""

    key: str = ""
    verbose_name: str | Promise = ""

    def check_config(self) -> list[str]:
        """Problems that stop this plugin from working with the current settings (empty when fine).

        Say which setting is wrong, never its value: the list ends up in `manage.py check` output and logs.
        """
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"


PluginT = TypeVar("PluginT", bound=Plugin)


class PluginNotFound(LookupError):
    def __init__(self, registry: str, key: str, known: list[str]) -> None:
        self.registry, self.key, self.known = registry, key, known
        names = ", ".join(known) or "none"
        super().__init__(f"no plugin {key!r} in the {registry} registry (known: {names})")


_ALL: weakref.WeakSet[Registry] = weakref.WeakSet()


class Registry(Generic[PluginT]):
    """Plugins of one kind by key, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._plugins: dict[str, PluginT] = {}
        self._lock = threading.Lock()
        _ALL.add(self)

    def __repr__(self) -> str:
        return f"<Registry {self.name!r}: {', '.join(self._plugins) or 'empty'}>"

    def register(self, key: str) -> Callable[[type[PluginT]], type[PluginT]]:
        """Class decorator: instantiate the plugin class once and file it under `key`."""
        if not key or len(key) > KEY_MAX_LENGTH:
            raise ValueError(f"a plugin key is 1 to {KEY_MAX_LENGTH} characters, not {key!r}")

        def decorator(plugin_class: type[PluginT]) -> type[PluginT]:
            self.add(key, plugin_class())
            return plugin_class

        return decorator

    def add(self, key: str, plugin: PluginT) -> PluginT:
        """File an instance under `key` (what `register` does for a class). A key is registered once."""
        with self._lock:
            if key in self._plugins:
                raise ValueError(f"{key!r} is already registered in the {self.name} registry")
            plugin.key = key
            self._plugins[key] = plugin
        return plugin

    def get(self, key: str) -> PluginT:
        try:
            return self._plugins[key]
        except KeyError:
            raise PluginNotFound(self.name, key, self.keys()) from None

    def keys(self) -> list[str]:
        return list(self._plugins)

    def items(self) -> list[tuple[str, PluginT]]:
        return list(self._plugins.items())

    def __iter__(self) -> Iterator[PluginT]:
        return iter(list(self._plugins.values()))

    def __contains__(self, key: object) -> bool:
        return key in self._plugins

    def __len__(self) -> int:
        return len(self._plugins)

    @contextmanager
    def override(self, key: str, plugin: PluginT) -> Iterator[PluginT]:
        """Tests: serve `plugin` under `key` (registered or not) inside the block, then restore the registry.

        The one documented way to replace a provider in a test, instead of patching module attributes."""
        with self._lock:
            previous = self._plugins.get(key)
            plugin.key = key
            self._plugins[key] = plugin
        try:
            yield plugin
        finally:
            with self._lock:
                if previous is None:
                    self._plugins.pop(key, None)
                else:
                    self._plugins[key] = previous


def all_registries() -> list[Registry]:
    """Every registry created so far (domain apps create theirs when their module is imported)."""
    return sorted(_ALL, key=lambda registry: registry.name)
