"""State of the CamDX (X-Road 7) security-server simulator: the registry a real security server gets from the
global configuration (members, subsystems) and its own server configuration (services, access rights).

The *external* system's state: the portal never reads these tables, it talks to the simulator over HTTP.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimXRoadMember(models.Model):
    instance = models.CharField(_("X-Road instance"), max_length=64)
    member_class = models.CharField(_("member class"), max_length=16)
    member_code = models.CharField(_("member code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        app_label = "sandbox"
        ordering = ["instance", "member_class", "member_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "member_class", "member_code"], name="sandbox_xroad_member_unique"
            ),
        ]
        verbose_name = _("CamDX simulated member")
        verbose_name_plural = _("CamDX simulated members")

    def __str__(self) -> str:
        return f"{self.instance}/{self.member_class}/{self.member_code}"


class SimXRoadSubsystem(models.Model):
    member = models.ForeignKey(SimXRoadMember, on_delete=models.CASCADE, related_name="subsystems")
    subsystem_code = models.CharField(_("subsystem code"), max_length=64)

    class Meta:
        app_label = "sandbox"
        ordering = ["member__instance", "member__member_class", "member__member_code", "subsystem_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "subsystem_code"], name="sandbox_xroad_subsystem_unique"
            ),
        ]
        verbose_name = _("CamDX simulated subsystem")
        verbose_name_plural = _("CamDX simulated subsystems")

    def __str__(self) -> str:
        return f"{self.member}/{self.subsystem_code}"

    @property
    def identifier(self) -> str:
        return str(self)


class SimXRoadService(models.Model):
    class Type(models.TextChoices):
        REST = "REST", "REST"
        OPENAPI = "OPENAPI", "OpenAPI"

    provider = models.ForeignKey(SimXRoadSubsystem, on_delete=models.CASCADE, related_name="services")
    service_code = models.CharField(_("service code"), max_length=128)
    url = models.URLField(_("provider URL"), max_length=500)
    service_type = models.CharField(_("type"), max_length=8, choices=Type.choices, default=Type.REST)
    # Path to the service's OpenAPI 3 document, relative to the project directory (or absolute); getOpenAPI
    # serves it. Read at every call, so a regenerated document is served without re-seeding.
    openapi_path = models.CharField(_("OpenAPI document"), max_length=500, blank=True)
    # [{"method": "GET", "path": "/licenses/*"}, ...]: what listMethods/allowedMethods show (PR-MREST)
    endpoints = models.JSONField(_("endpoints"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_notice = models.CharField(_("disabled notice"), max_length=500, blank=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["provider__member__member_code", "provider__subsystem_code", "service_code"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "service_code"], name="sandbox_xroad_service_unique"),
        ]
        verbose_name = _("CamDX simulated service")
        verbose_name_plural = _("CamDX simulated services")

    def __str__(self) -> str:
        return f"{self.provider}/{self.service_code}"

    @property
    def identifier(self) -> str:
        return str(self)


class SimXRoadAccessRight(models.Model):
    """`client` may call `service`: the whole service when method and path are blank, otherwise only the
    requests matching the method ("*" for any) and the path pattern (`*` matches any run of characters)."""

    client = models.ForeignKey(SimXRoadSubsystem, on_delete=models.CASCADE, related_name="access_rights")
    service = models.ForeignKey(SimXRoadService, on_delete=models.CASCADE, related_name="access_rights")
    method = models.CharField(_("method"), max_length=8, blank=True)
    path = models.CharField(_("path pattern"), max_length=300, blank=True)

    class Meta:
        app_label = "sandbox"
        ordering = ["client_id", "service_id", "method", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "service", "method", "path"], name="sandbox_xroad_access_right_unique"
            ),
        ]
        verbose_name = _("CamDX simulated access right")
        verbose_name_plural = _("CamDX simulated access rights")

    def __str__(self) -> str:
        scope = f" {self.method or '*'} {self.path or '*'}" if (self.method or self.path) else ""
        return f"{self.client} -> {self.service}{scope}"
