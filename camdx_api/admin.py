"""Back-office: the API consumers (other institutions' systems allowed to call the Part 5 API) and the
read-only call log. Both are national: only a national system administrator (or a superuser) sees them,
with the model permissions of accounts/roles.py. A consumer is never deleted (its calls are evidence):
it is deactivated."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from accounts.admin_scoping import NationalOnlyMixin
from camdx_api import service_codes
from camdx_api.models import ApiCall, ApiConsumer
from esb.admin import AuditedModelAdmin, ReadOnlyLogAdmin


class ApiConsumerForm(forms.ModelForm):
    allowed_service_codes = forms.MultipleChoiceField(
        label=_("allowed services"),
        choices=[],
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("The Part 5 services this system may call (its access list)."),
    )

    class Meta:
        model = ApiConsumer
        fields = (
            "name_en",
            "name_km",
            "institution",
            "camdigikey_domain",
            "xroad_client",
            "allowed_service_codes",
            "rate_limit_per_minute",
            "is_active",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # "applications_info — All applications / ពាក្យស្នើសុំទាំងអស់": the code is what the consumer's
        # developers read in the API documentation.
        self.fields["allowed_service_codes"].choices = [
            (code, f"{code} — {service_codes.label(code)}") for code in service_codes.ALL_SERVICE_CODES
        ]

    def clean_camdigikey_domain(self) -> str:
        return (self.cleaned_data.get("camdigikey_domain") or "").strip().lower()


@admin.register(ApiConsumer)
class ApiConsumerAdmin(NationalOnlyMixin, AuditedModelAdmin):
    form = ApiConsumerForm
    list_display = (
        "name_en",
        "name_km",
        "camdigikey_domain",
        "xroad_client",
        "service_count",
        "rate_limit_per_minute",
        "is_active",
    )
    list_filter = ("is_active", "institution")
    search_fields = ("name_en", "name_km", "camdigikey_domain", "xroad_client")
    list_select_related = ("institution",)
    readonly_fields = ("created_at", "updated_at")
    ordering = ("name_en",)

    @admin.display(description=_("services"))
    def service_count(self, obj: ApiConsumer) -> int:
        return len(obj.allowed_service_codes or ())


@admin.register(ApiCall)
class ApiCallAdmin(NationalOnlyMixin, ReadOnlyLogAdmin):
    list_display = (
        "at",
        "consumer",
        "service_code",
        "method",
        "path",
        "status_code",
        "outcome",
        "duration_ms",
        "xroad_client",
    )
    list_filter = ("status_code", "service_code", "outcome", "consumer")
    list_select_related = ("consumer",)
    search_fields = ("path", "request_id", "xroad_id", "xroad_request_id", "xroad_client", "xroad_issue")
    date_hierarchy = "at"
