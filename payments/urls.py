from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("applications/<uuid:public_id>/pay/", views.pay, name="pay"),
    path("applications/<uuid:public_id>/pay/new-code/", views.new_code, name="new-code"),
    path("applications/<uuid:public_id>/pay/status/", views.status, name="status"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("receipts/<str:number>/pdf/", views.receipt_download, name="receipt-pdf"),
]
