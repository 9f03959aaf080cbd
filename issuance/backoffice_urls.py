"""The back-office licence register (/backoffice/licences/…), matched before the admin site."""

from django.urls import path

from issuance import views_backoffice as views

app_name = "issuance-backoffice"

urlpatterns = [
    path("", views.register, name="register"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/status/", views.change_status, name="change_status"),
    path("<uuid:public_id>/retry/", views.retry_issuance, name="retry_issuance"),
]
