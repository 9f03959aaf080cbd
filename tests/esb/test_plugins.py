"""The plugin registry and the system check that runs every plugin's configuration check."""

from __future__ import annotations

import pytest
from django.core import checks

from esb.checks import plugin_configuration
from esb.plugins import Plugin, PluginNotFound, Registry, all_registries


class Channel(Plugin):
    problems: list[str] = []

    def check_config(self) -> list[str]:
        return list(self.problems)


def test_register_get_list_and_iterate():
    channels: Registry[Channel] = Registry("test channels")

    @channels.register("sms")
    class Sms(Channel):
        verbose_name = "SMS"

    @channels.register("email")
    class Email(Channel):
        pass

    assert channels.keys() == ["sms", "email"]
    assert isinstance(channels.get("sms"), Sms) and channels.get("sms").key == "sms"
    assert [plugin.key for plugin in channels] == ["sms", "email"]
    assert [key for key, _plugin in channels.items()] == ["sms", "email"]
    assert "email" in channels and len(channels) == 2
    assert channels in all_registries()


def test_an_unknown_key_names_the_known_ones():
    channels: Registry[Channel] = Registry("test channels")
    channels.add("sms", Channel())
    with pytest.raises(PluginNotFound) as caught:
        channels.get("fax")
    assert (
        "'fax'" in str(caught.value) and "test channels" in str(caught.value) and "sms" in str(caught.value)
    )
    assert isinstance(caught.value, LookupError)


def test_a_key_is_registered_once_and_must_be_sensible():
    channels: Registry[Channel] = Registry("test channels")
    channels.add("sms", Channel())
    with pytest.raises(ValueError, match="already registered"):
        channels.add("sms", Channel())
    with pytest.raises(ValueError):
        channels.register("")
    with pytest.raises(ValueError):
        channels.register("x" * 51)


def test_override_swaps_a_plugin_and_restores_the_registry():
    channels: Registry[Channel] = Registry("test channels")
    original = channels.add("sms", Channel())
    replacement = Channel()
    with channels.override("sms", replacement):
        assert channels.get("sms") is replacement
    assert channels.get("sms") is original
    with channels.override("fax", Channel()):
        assert "fax" in channels
    assert "fax" not in channels


def test_the_system_check_reports_each_problem_of_each_plugin():
    channels: Registry[Channel] = Registry("test channels")
    broken = Channel()
    broken.problems = ["SMS_GATEWAY_URL is empty", "SMS_SENDER is not set"]
    channels.add("sms", broken)
    channels.add("email", Channel())

    class Crashing(Channel):
        def check_config(self):
            raise RuntimeError("secret detail")

    channels.add("push", Crashing())
    messages = [m for m in plugin_configuration() if "test channels" in m.msg]
    assert [m.msg for m in messages] == [
        "test channels plugin 'sms': SMS_GATEWAY_URL is empty",
        "test channels plugin 'sms': SMS_SENDER is not set",
        "test channels plugin 'push': its configuration check failed (RuntimeError)",
    ]
    assert all(m.level == checks.ERROR and m.id == "esb.E001" for m in messages)


def test_the_check_is_registered_and_sees_the_domain_registries(settings, tmp_path):
    names = {registry.name for registry in all_registries()}
    assert {"identity providers", "prefill sources"} <= names
    assert plugin_configuration in checks.registry.registry.get_checks()
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "CA_BUNDLE": str(tmp_path / "missing.pem")}
    errors = [m for m in checks.run_checks() if m.id == "esb.E001"]
    assert [m.msg for m in errors] == [
        "identity providers plugin 'camdigikey': CAMDIGIKEY['CA_BUNDLE'] names a file that does not exist "
        "or cannot be read"
    ]
