"""Help for applicants: frequently asked questions, support requests to the help desk, page feedback."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.fields import EncryptedTextField, LookupHashField
from esb.i18n import localized

# The PostgreSQL sequence behind support-request references (created in migration 0001): nextval() never
# hands the same number to two requests, unlike max()+1.
SUPPORT_REFERENCE_SEQUENCE = "portal_support_request_ref_seq"


class FAQ(models.Model):
    class Category(models.TextChoices):
        GENERAL = "general", _("General")
        APPLYING = "applying", _("Applying")
        PAYMENT = "payment", _("Payment")
        DOCUMENTS = "documents", _("Documents")
        ACCOUNT = "account", _("Account and login")

    question_km = models.CharField(_("question (Khmer)"), max_length=300)
    question_en = models.CharField(_("question (English)"), max_length=300)
    answer_km = models.TextField(
        _("answer (Khmer)"), help_text=_("Plain text; separate paragraphs by a blank line.")
    )
    answer_en = models.TextField(
        _("answer (English)"), help_text=_("Plain text; separate paragraphs by a blank line.")
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.GENERAL
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "sort_order", "pk"]
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")

    def __str__(self) -> str:
        return self.question

    @property
    def question(self) -> str:
        return localized(self.question_km, self.question_en)

    @property
    def answer(self) -> str:
        return localized(self.answer_km, self.answer_en)

    @property
    def answer_paragraphs(self) -> list[str]:
        return [p.strip() for p in self.answer.replace("\r\n", "\n").split("\n\n") if p.strip()]


class SupportRequest(models.Model):
    class Topic(models.TextChoices):
        APPLICATION = "application", _("My application")
        PAYMENT = "payment", _("Payment")
        DOCUMENTS = "documents", _("Documents")
        ACCOUNT = "account", _("Login and account")
        TECHNICAL = "technical", _("Technical problem")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        NEW = "NEW", _("New")
        IN_PROGRESS = "IN_PROGRESS", _("In progress")
        ANSWERED = "ANSWERED", _("Answered")
        CLOSED = "CLOSED", _("Closed")

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = EncryptedTextField(_("phone"), hash_field="phone_hash", blank=True)
    phone_hash = LookupHashField(_("phone lookup hash"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    application_reference = models.CharField(_("application reference"), max_length=40, blank=True)
    # The service the request concerns (from the application reference or the service page it was asked
    # from): it decides which institution's help desk may read and answer it. Without one, the request is
    # national and only national roles see it (portal.admin).
    licence_type = models.ForeignKey(
        "licensing.LicenceType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
    )
    message = models.TextField(_("message"), validators=[MaxLengthValidator(5000)])
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True, help_text=_("The reply sent to the person."))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")

    def __str__(self) -> str:
        return self.reference


class Feedback(models.Model):
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, validators=[MaxLengthValidator(2000)])
    page = models.CharField(_("page"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 · {self.page or '-'}"
