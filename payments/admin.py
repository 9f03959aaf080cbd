"""Back-office: which providers each institution offers (payment accounts, editable by whoever may change
them) and the payments themselves, read-only (a payment changes status only through
`payments.services.apply_payment_status`). Both scoped to the officer's institutions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin
from payments.models import Payment, PaymentAccount, PaymentEvent, Receipt, ReconciliationMismatch, Status
from payments.providers import payment_providers, provider_choices


class PaymentAccountForm(forms.ModelForm):
    provider = forms.ChoiceField(label=_("provider"), choices=provider_choices)

    class Meta:
        model = PaymentAccount
        fields = [f.name for f in PaymentAccount._meta.fields if f.editable and f.name != "id"] + [
            "licence_types"
        ]

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("provider")
        if key in payment_providers and cleaned.get("is_active"):
            probe = PaymentAccount(**{k: v for k, v in cleaned.items() if k not in ("licence_types",)})
            for problem in payment_providers.get(key).usable_with(probe):
                self.add_error(None, problem)
        return cleaned


@admin.register(PaymentAccount)
class PaymentAccountAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_institution_path = "institution"
    form = PaymentAccountForm
    list_display = ("institution", "provider", "merchant_name", "bakong_account_id", "is_active")
    list_filter = ("provider", "is_active")
    filter_horizontal = ("licence_types",)


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "from_status", "to_status", "source", "evidence")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_institution_path = "application__licence_type__institution"
    list_display = (
        "application",
        "method",
        "amount",
        "currency",
        "status",
        "refund_due",
        "paid_at",
        "created_at",
        "refund_link",
    )
    list_filter = ("status", "method", "refund_due")
    search_fields = ("application__reference", "md5", "transaction_hash", "checkout_session_id")
    inlines = [PaymentEventInline]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if request.user.has_perm("payments.refund_payment"):
            return shown
        return tuple(name for name in shown if name != "refund_link")

    @admin.display(description=_("refund"))
    def refund_link(self, obj: Payment) -> str:
        # A refund moves the status through the service, so it is a page of its own, not an edit here.
        if obj.status == Status.PAID or (obj.status == Status.FAILED and obj.refund_due):
            url = reverse("payments-backoffice:refund", kwargs={"public_id": obj.public_id})
            return format_html('<a href="{}">{}</a>', url, _("Record a refund"))
        return ""


@admin.register(ReconciliationMismatch)
class ReconciliationMismatchAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """What the daily reconciliation found (payments.tasks.reconcile_day); read-only."""

    scope_institution_path = "institution"
    list_display = (
        "day",
        "provider",
        "kind",
        "institution",
        "payment",
        "portal_amount",
        "provider_amount",
        "currency",
        "resolution",
    )
    list_filter = ("kind", "provider", "day")
    search_fields = ("key", "payment__application__reference")
    readonly_fields = [f.name for f in ReconciliationMismatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Receipt)
class ReceiptAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_institution_path = "payment__application__licence_type__institution"
    list_display = ("number", "payment", "issued_at")
    search_fields = ("number",)
    readonly_fields = ("number", "payment", "issued_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
