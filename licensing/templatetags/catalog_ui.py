"""Template filters for catalog values: `{{ application|fee }}`, `{{ days|working_days }}`."""

from __future__ import annotations

from django import template

from licensing.formatting import format_fee, format_working_days

register = template.Library()


@register.filter
def fee(priced) -> str:
    """The fee of anything with `fee_amount` and `fee_currency` (licence type, service, application)."""
    return format_fee(priced.fee_amount, priced.fee_currency)


@register.filter
def working_days(days: int) -> str:
    return format_working_days(int(days or 0))
