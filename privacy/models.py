"""Consent to data sharing (Appendix 3 Part 2 §7) and the log of who accessed an applicant's data.

Consent texts are versioned: an applicant consents to one version, and a new version needs a new consent.
A text that applicants may have read (published or retired) never changes wording, so the row a consent
points to is exactly what the person agreed to. Consents and access-log rows are appended, never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from esb.i18n import localized
from esb.versioning import ImmutableVersionError, VersionedModel, VersionStatus, version_constraints


class ConsentPurpose(models.TextChoices):
    # Required to apply: the strategy allows recording only after this consent.
    CAMDX_CLUSTER = "CAMDX_CLUSTER", _("Sharing within the CamDX cluster")
    # Optional: sharing outside the cluster is allowed only with its own consent.
    OUTSIDE_CLUSTER = "OUTSIDE_CLUSTER", _("Sharing outside the CamDX cluster")


REQUIRED_PURPOSES = frozenset({ConsentPurpose.CAMDX_CLUSTER})


class ImmutableConsentTextError(ImmutableVersionError):
    """A change to a published or retired text (PermissionDenied: a view answers 403)."""

    default_message = _(
        "This consent text is published or retired: its wording cannot change. Create a new version instead."
    )


class ConsentText(VersionedModel):
    """One version of the text applicants consent to for a purpose. The lifecycle (draft → published →
    retired, one published text per purpose, nothing read by applicants ever changes) is
    `esb.versioning`'s, shared with the catalog's form and workflow versions."""

    Status = VersionStatus
    version_key = "purpose"
    immutable_error = ImmutableConsentTextError
    delete_refused_message = _("A published or retired consent text cannot be deleted.")

    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    title_km = models.CharField(_("title (Khmer)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    body_km = models.TextField(_("text (Khmer)"))
    body_en = models.TextField(_("text (English)"))

    class Meta:
        ordering = ["purpose", "-version"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = version_constraints(
            "purpose",
            "privacy_consent_text",
            one_draft=False,
            duplicate_message=_("This version of the consent text already exists."),
            second_published_message=_("Only one version of a consent text can be published."),
        )

    def __str__(self) -> str:
        return _("%(purpose)s, version %(version)s") % {
            "purpose": self.get_purpose_display(),
            "version": self.version,
        }

    @property
    def title(self) -> str:
        return localized(self.title_km, self.title_en)

    @property
    def body(self) -> str:
        return localized(self.body_km, self.body_en)


class Consent(models.Model):
    """One consent given by one person to one version of a text. Giving again appends a row; withdrawing
    stamps `withdrawn_at` once. Rows are never deleted: they are the proof of what was agreed, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("user"),
        db_index=False,  # the (user, purpose) index leads with user
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    text = models.ForeignKey(
        ConsentText, on_delete=models.PROTECT, related_name="consents", verbose_name=_("consent text")
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["user", "purpose"], name="privacy_consent_user_purpose")]
        constraints = [
            # At most one active consent per person and text version: giving again is idempotent.
            models.UniqueConstraint(
                fields=["user", "text"],
                condition=Q(withdrawn_at__isnull=True),
                name="privacy_consent_one_active_per_text",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="privacy_consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.text}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("Consents are kept as evidence and cannot be deleted."))


class AccessorKind(models.TextChoices):
    SYSTEM = "SYSTEM", _("system")
    OFFICER = "OFFICER", _("officer")
    API = "API", _("government system (API)")
    APPLICANT = "APPLICANT", _("applicant")


class AccessPurpose(models.TextChoices):
    """Common purposes of an access. Other apps may record another short code: it is shown as is."""

    PREFILL = "PREFILL", _("filling in your application form")
    VERIFICATION = "VERIFICATION", _("checking your application")
    REVIEW = "REVIEW", _("reviewing your application")
    LICENCE = "LICENCE", _("issuing or checking a licence")
    API_REQUEST = "API_REQUEST", _("request from another government system")
    SUPPORT = "SUPPORT", _("answering your request for help")
    REPORT = "REPORT", _("a report of applications made by an officer")


class DataAccess(models.Model):
    """One access to a person's or a business's data: who, when, why, what. Appended, never changed."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
        db_index=False,  # covered by the (subject_user, at) index
        # Checked by the writers (they copy ids from rows they have just read), not by a database constraint:
        # on every row appended the constraint looked the user up and locked its row (FOR KEY SHARE), ~45 %
        # of the database's work for the 20 lines of a Part 5 list page (bench/README.md).
        db_constraint=False,
    )
    subject_business = models.ForeignKey(
        "registry.Business",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business concerned"),
        db_index=False,  # covered by the (subject_business, at) index
        db_constraint=False,  # as for subject_user
    )
    accessor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accessed by (user)"),
    )
    accessor_label = models.CharField(_("accessed by"), max_length=200)
    # The Khmer name of an accessor that has one (another institution's system); the label above is then its
    # English name. Empty for people (their name is theirs) and for our own labels (translated by gettext).
    accessor_label_km = models.CharField(_("accessed by (Khmer)"), max_length=200, blank=True)
    accessor_kind = models.CharField(_("kind of accessor"), max_length=10, choices=AccessorKind.choices)
    purpose = models.CharField(_("purpose"), max_length=32, choices=AccessPurpose.choices)
    what = models.CharField(_("data accessed"), max_length=200)
    object_ref = models.CharField(_("reference"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("data access")
        verbose_name_plural = _("data access log")
        indexes = [
            models.Index(fields=["subject_user", "at"], name="privacy_access_user_at"),
            models.Index(fields=["subject_business", "at"], name="privacy_access_business_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} · {self.accessor_label} · {self.what}"

    def save(self, *args, **kwargs) -> None:
        if self.pk and type(self)._base_manager.filter(pk=self.pk).exists():
            raise PermissionDenied(_("The data access log cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("The data access log cannot be changed."))

    @property
    def accessor_name(self) -> str:
        """Who accessed, in the active language."""
        return localized(self.accessor_label_km, gettext(self.accessor_label))

    @property
    def purpose_label(self) -> str:
        # get_purpose_display() falls back to the raw code for purposes outside AccessPurpose.
        return str(self.get_purpose_display())
