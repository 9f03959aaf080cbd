"""Who may call the Part 5 API (ApiConsumer, kept by national administrators in the back-office) and what
they called (ApiCall, an append-only log held by a database trigger)."""

from __future__ import annotations

import re

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camdx_api.service_codes import ServiceCode
from esb.i18n import localized

# INSTANCE/CLASS/MEMBER/SUBSYSTEM, e.g. CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING (X-Road identifiers allow
# letters, digits, '-', '_' and '.'; the member class is upper case).
XROAD_SUBSYSTEM_RE = re.compile(r"^[A-Za-z0-9_-]+/[A-Z]+/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def validate_service_codes(codes) -> None:
    unknown = sorted(set(codes or ()) - set(ServiceCode.values))
    if unknown:
        raise ValidationError(
            _("Unknown service codes: %(codes)s."), params={"codes": ", ".join(unknown)}, code="unknown"
        )


class ApiConsumer(models.Model):
    """Another institution's system allowed to call the API: identified by the `domain` claim of its
    CamDigiKey ORGANIZATION token and, through CamDX, by its X-Road subsystem."""

    name_en = models.CharField(_("name (English)"), max_length=255)
    name_km = models.CharField(_("name (Khmer)"), max_length=255)
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_consumers",
        verbose_name=_("institution"),
    )
    camdigikey_domain = models.CharField(
        _("CamDigiKey domain"),
        max_length=253,
        unique=True,
        validators=[RegexValidator(DOMAIN_RE, _("Enter a domain name in lower case, e.g. api.moc.gov.kh."))],
        help_text=_("The domain of the organization's CamDigiKey client (the token's domain claim)."),
    )
    xroad_client = models.CharField(
        _("X-Road client"),
        max_length=255,
        blank=True,
        validators=[
            RegexValidator(
                XROAD_SUBSYSTEM_RE,
                _("Enter INSTANCE/CLASS/MEMBER/SUBSYSTEM, e.g. CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING."),
            )
        ],
        help_text=_(
            "When set, a call that comes through CamDX must come from this member (X-Road-Client header)."
        ),
    )
    allowed_service_codes = ArrayField(
        models.CharField(max_length=32, choices=ServiceCode.choices),
        default=list,
        blank=True,
        validators=[validate_service_codes],
        verbose_name=_("allowed services"),
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("API consumer")
        verbose_name_plural = _("API consumers")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_km, self.name_en)

    @property
    def xroad_member(self) -> str:
        """INSTANCE/CLASS/MEMBER of the registered subsystem ("" when none is registered)."""
        return "/".join(self.xroad_client.split("/")[:3]) if self.xroad_client else ""

    def clean(self) -> None:
        super().clean()
        self.camdigikey_domain = (self.camdigikey_domain or "").strip().lower()
        self.xroad_client = (self.xroad_client or "").strip()
        self.allowed_service_codes = sorted(set(self.allowed_service_codes or ()))


class ApiCall(models.Model):
    """One request to the API, answered or refused. Rows are never changed (a trigger refuses UPDATE and
    DELETE). The path is kept without its query string: query values may be personal (a search term)."""

    consumer = models.ForeignKey(
        ApiConsumer,
        on_delete=models.PROTECT,  # the log outlives nothing it names: deactivate a consumer instead
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("consumer"),
        db_index=False,  # covered by the (consumer, at) index
    )
    service_code = models.CharField(_("service"), max_length=32, blank=True, choices=ServiceCode.choices)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    outcome = models.CharField(
        _("outcome"), max_length=40, blank=True, help_text=_("ok, or why the call was refused")
    )
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    xroad_id = models.CharField("X-Road-Id", max_length=255, blank=True)
    xroad_request_id = models.CharField("X-Road-Request-Id", max_length=255, blank=True)
    xroad_client = models.CharField("X-Road-Client", max_length=255, blank=True)
    xroad_userid = models.CharField("X-Road-UserId", max_length=255, blank=True)
    xroad_issue = models.CharField("X-Road-Issue", max_length=255, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        indexes = [models.Index(fields=["consumer", "at"], name="camdx_api_call_consumer_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status_code}"
