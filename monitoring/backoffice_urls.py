from django.urls import path

from monitoring import backoffice

app_name = "monitoring-backoffice"

urlpatterns = [
    path("", backoffice.status, name="status"),
]
