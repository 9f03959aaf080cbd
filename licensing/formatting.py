"""How catalog values read on a page: fees, processing time, validity (in the active language)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licensing.models.catalog import Currency


def _grouped(amount: Decimal, decimals: int) -> str:
    # Django's Khmer formats name the separators (CLDR: "." groups, "," marks decimals) but set no
    # grouping size, so `number_format` would print 800000: group by three here, separators from the locale.
    text = f"{amount:,.{decimals}f}"
    thousand, decimal = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
    return "".join(thousand if ch == "," else decimal if ch == "." else ch for ch in text)


def format_fee(amount: Decimal | None, currency: str) -> str:
    """A fee as a reader expects it: "Free", "200,000 riels", "US$100" (grouping of the active language)."""
    if not amount:
        return _("Free")
    decimals = 0 if amount == amount.to_integral_value() else 2
    value = _grouped(amount, decimals)
    if currency == Currency.USD:
        return _("US$%(amount)s") % {"amount": value}
    if currency == Currency.KHR:
        return _("%(amount)s riels") % {"amount": value}
    return f"{value} {currency}"


def format_working_days(days: int) -> str:
    return ngettext("%(count)s working day", "%(count)s working days", days) % {"count": days}


def format_validity(months: int | None) -> str:
    if not months:
        return _("Does not expire")
    if months % 12 == 0:
        years = months // 12
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    return ngettext("%(count)s month", "%(count)s months", months) % {"count": months}


__all__ = ["format_fee", "format_validity", "format_working_days"]
