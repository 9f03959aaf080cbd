"""The eight Part 5 service codes (spec/part5-api.md): the names CamDX routes by and the unit of a
consumer's access list. The codes are the contract (never translated); the labels are for people.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from esb.i18n import localized


class ServiceCode(models.TextChoices):
    APPLICATIONS_INFO = "applications_info", pgettext_lazy("API service", "All applications")
    APPLICATION_INFO = "application_info", _("Applications of a business")
    APPLICATION_DETAIL = "application_detail", _("Application detail")
    APPLICATION_DOCUMENT = "application_document", _("Application supporting document")
    APPLICATION_TIMELINE = "application_timeline", _("Application timeline")
    APPLICATION_STATISTIC = "application_statistic", _("Application statistics")
    OWNER_STATISTIC = "owner_statistic", _("Business owner statistics")
    SYSTEM_HEALTH = "system_health", _("System health")


# The Khmer name of each service, fixed beside the code (as the catalog keeps *_km/*_en pairs): the API's
# own documentation and the back-office show both, whatever the active language.
KHMER_LABELS: dict[str, str] = {
    ServiceCode.APPLICATIONS_INFO: "ពាក្យស្នើសុំទាំងអស់",
    ServiceCode.APPLICATION_INFO: "ពាក្យស្នើសុំរបស់អាជីវកម្ម",
    ServiceCode.APPLICATION_DETAIL: "ព័ត៌មានលម្អិតនៃពាក្យស្នើសុំ",
    ServiceCode.APPLICATION_DOCUMENT: "ឯកសារភ្ជាប់នៃពាក្យស្នើសុំ",
    ServiceCode.APPLICATION_TIMELINE: "ប្រវត្តិនៃពាក្យស្នើសុំ",
    ServiceCode.APPLICATION_STATISTIC: "ស្ថិតិពាក្យស្នើសុំ",
    ServiceCode.OWNER_STATISTIC: "ស្ថិតិម្ចាស់អាជីវកម្ម",
    ServiceCode.SYSTEM_HEALTH: "ស្ថានភាពប្រព័ន្ធ",
}

ALL_SERVICE_CODES: tuple[str, ...] = tuple(ServiceCode.values)


def english_label(code: str) -> str:
    """The English name of a service code (untranslated), or the code itself when unknown."""
    from django.utils.translation import override

    with override("en"):
        return str(ServiceCode(code).label) if code in ServiceCode.values else code


def khmer_label(code: str) -> str:
    return KHMER_LABELS.get(code, code)


def label(code: str) -> str:
    """The name in the active language (Khmer or English)."""
    return localized(khmer_label(code), english_label(code))
