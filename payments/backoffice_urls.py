from django.urls import path

from payments import backoffice

app_name = "payments-backoffice"

urlpatterns = [
    path("", backoffice.fees, name="fees"),
    path("applications/<uuid:public_id>/waive/", backoffice.waive, name="waive"),
    path("payments/<uuid:public_id>/refund/", backoffice.refund, name="refund"),
]
