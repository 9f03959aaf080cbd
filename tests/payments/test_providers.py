"""The payment provider registry: the KHQR provider registered, unknown keys named, a provider swapped in a
test, configuration checks, and which providers a service offers."""

from __future__ import annotations

import pytest

from esb.plugins import PluginNotFound, all_registries
from payments import services
from payments.models import PaymentAccount, Status
from payments.providers import Checkout, PaymentProvider, get_provider, payment_providers
from tests.payments.factories import khqr_account

pytestmark = pytest.mark.django_db


def test_the_khqr_provider_is_registered_and_polls():
    provider = get_provider("khqr")
    assert provider.polls and provider.method == "KHQR"
    assert payment_providers in all_registries()


def test_an_unknown_provider_names_the_known_ones():
    with pytest.raises(PluginNotFound, match="khqr"):
        get_provider("paypal")


def test_the_khqr_provider_needs_a_token_and_a_base_url(settings):
    assert get_provider("khqr").check_config() == []
    settings.BAKONG = {**settings.BAKONG, "TOKEN": "", "BASE_URL": ""}
    problems = get_provider("khqr").check_config()
    assert any("TOKEN" in p for p in problems) and any("BASE_URL" in p for p in problems)
    assert all("esb-bakong" not in p for p in problems)


def test_an_account_unusable_for_a_merchant_khqr_is_refused(paid_service):
    account = khqr_account(paid_service.institution, bakong_account_id="no-at-sign", merchant_id="")
    problems = get_provider("khqr").usable_with(account)
    assert len(problems) == 2


def test_a_service_offers_its_institution_s_active_accounts(waiting, paid_service, free_service, account):
    assert [o.provider for o in services.offered(waiting)] == ["khqr"]
    account.licence_types.add(free_service)  # only for another service now
    assert services.offered(waiting) == []
    account.licence_types.add(paid_service)
    assert [o.provider for o in services.offered(waiting)] == ["khqr"]
    PaymentAccount.objects.filter(pk=account.pk).update(is_active=False)
    assert services.offered(waiting) == []


class FakeGateway(PaymentProvider):
    method = "CARD"

    def start(self, payment, account) -> Checkout:
        payment.status = Status.PENDING
        payment.provider_reference = "checkout-1"
        return Checkout(kind="redirect", redirect_url="https://gateway.example/checkout/1")


def test_another_provider_plugs_in_through_the_registry(waiting, applicant, paid_service):
    PaymentAccount.objects.create(institution=paid_service.institution, provider="acme")
    with payment_providers.override("acme", FakeGateway()):
        payment = services.start_payment(waiting, "acme", actor=applicant)
    assert payment.method == "CARD" and payment.provider_reference == "checkout-1"
    assert "acme" not in payment_providers
    # an account of an unregistered provider is not offered
    assert [o.provider for o in services.offered(waiting)] == ["khqr"]
