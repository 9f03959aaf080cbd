from django.urls import path

from registry import views

app_name = "lookups"

urlpatterns = [
    path("units/", views.units, name="units"),
    path("isic/", views.isic, name="isic"),
]
