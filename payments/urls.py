from django.urls import path

from payments import views
from payments.contrib.gateway import views as gateway_views

app_name = "payments"

urlpatterns = [
    path("applications/<uuid:public_id>/pay/", views.pay, name="pay"),
    path("applications/<uuid:public_id>/pay/new-code/", views.new_code, name="new-code"),
    path("applications/<uuid:public_id>/pay/status/", views.status, name="status"),
    path("applications/<uuid:public_id>/pay/gateway/", views.pay_by_gateway, name="pay-gateway"),
    path("payments/webhooks/gateway/", gateway_views.webhook, name="gateway-webhook"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("receipts/<str:number>/pdf/", views.receipt_download, name="receipt-pdf"),
]
