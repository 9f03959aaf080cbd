"""Back-office: which providers each institution offers (payment accounts, editable by whoever may change
them) and the payments themselves, read-only (a payment changes status only through
`payments.services.apply_payment_status`). Both scoped to the officer's institutions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedAdminMixin
from esb.admin import AuditedModelAdmin
from payments.models import Payment, PaymentAccount, PaymentEvent, Receipt
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
    )
    list_filter = ("status", "method", "refund_due")
    search_fields = ("application__reference", "md5", "transaction_hash")
    inlines = [PaymentEventInline]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
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
