"""State of the CamDigiKey simulator: registered client apps, demo identities and issued tokens.

This is the *external* service's state (what CamDigiKey would hold), not the portal's: the portal never
reads these tables, only talks to the simulator over HTTP.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientApp(models.Model):
    """A system registered at CamDigiKey onboarding, with its credentials (base64, dev-only values)."""

    client_id = models.CharField(_("client id"), max_length=100, unique=True)
    app_name = models.CharField(_("application name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253)
    hmac_key = models.CharField(_("HMAC key (base64)"), max_length=200)
    aes_secret_key = models.CharField(_("AES secret key (base64)"), max_length=100)
    aes_iv = models.CharField(_("AES IV (base64)"), max_length=100)
    success_url = models.URLField(_("success callback URL"), max_length=500, blank=True)
    error_url = models.URLField(_("error callback URL"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["client_id"]
        verbose_name = _("CamDigiKey client app")
        verbose_name_plural = _("CamDigiKey client apps")

    def __str__(self) -> str:
        return self.client_id


class DemoIdentity(models.Model):
    """A person with a (simulated) CamDigiKey account."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        OFFICER = "officer", _("officer")

    camdigikey_id = models.CharField(_("CamDigiKey id"), max_length=64, unique=True)
    personal_code = models.CharField(_("personal code"), max_length=50, unique=True)
    first_name_km = models.CharField(_("first name (Khmer)"), max_length=100)
    last_name_km = models.CharField(_("last name (Khmer)"), max_length=100)
    first_name_en = models.CharField(_("first name (English)"), max_length=100)
    last_name_en = models.CharField(_("last name (English)"), max_length=100)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    dob = models.DateField(_("date of birth"), null=True, blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    description_km = models.CharField(_("description (Khmer)"), max_length=200, blank=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["-kind", "last_name_en", "first_name_en"]
        verbose_name = _("CamDigiKey demo identity")
        verbose_name_plural = _("CamDigiKey demo identities")

    def __str__(self) -> str:
        return f"{self.last_name_en} {self.first_name_en} ({self.personal_code})"


class LoginToken(models.Model):
    """A login started by a client (getLoginToken); the token itself is a signed JWT whose id is `jti`."""

    jti = models.CharField(_("token id"), max_length=64, unique=True)
    client = models.ForeignKey(ClientApp, on_delete=models.CASCADE, verbose_name=_("client app"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    callback_vars = models.JSONField(_("callback variables"), null=True, blank=True)
    success_return_url = models.URLField(_("success return URL"), max_length=1000, blank=True)

    class Meta:
        app_label = "sandbox"
        verbose_name = _("CamDigiKey login token")
        verbose_name_plural = _("CamDigiKey login tokens")

    def __str__(self) -> str:
        return self.jti


class AuthCode(models.Model):
    """The single-use authToken handed to the client's success callback after the person approved."""

    jti = models.CharField(_("token id"), max_length=64, unique=True)
    client = models.ForeignKey(ClientApp, on_delete=models.CASCADE, verbose_name=_("client app"))
    identity = models.ForeignKey(DemoIdentity, on_delete=models.CASCADE, verbose_name=_("identity"))
    login_token = models.ForeignKey(
        LoginToken, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("login token")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        app_label = "sandbox"
        verbose_name = _("CamDigiKey auth token")
        verbose_name_plural = _("CamDigiKey auth tokens")

    def __str__(self) -> str:
        return self.jti


class IssuedToken(models.Model):
    """An access token the simulator issued: what the status, refresh and logout APIs look up by `jti`."""

    class Type(models.TextChoices):
        USER = "USER", _("user")
        ORGANIZATION = "ORGANIZATION", _("organization")

    jti = models.CharField(_("token id"), max_length=64, unique=True)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    client = models.ForeignKey(ClientApp, on_delete=models.CASCADE, verbose_name=_("client app"))
    identity = models.ForeignKey(
        DemoIdentity, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("identity")
    )
    domain = models.CharField(_("domain"), max_length=253)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        app_label = "sandbox"
        verbose_name = _("CamDigiKey issued token")
        verbose_name_plural = _("CamDigiKey issued tokens")

    def __str__(self) -> str:
        return f"{self.type} {self.jti}"
