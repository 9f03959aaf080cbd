"""The holder's licence pages on the portal (/licences/…)."""

from django.urls import path

from issuance import views

app_name = "issuance"

urlpatterns = [
    path("licences/", views.licence_list, name="list"),
    path("licences/<uuid:public_id>/", views.detail, name="detail"),
    path("licences/<uuid:public_id>/download/", views.download, name="licence_download"),
    path("licences/<uuid:public_id>/renew/", views.renew, name="renew"),
    path("licences/<uuid:public_id>/amend/", views.amend, name="amend"),
]
