"""The report builder, mounted at /backoffice/reports/ inside the back-office shell."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.builder, name="builder"),
    path("export/", views.export, name="export"),
    path("save/", views.save, name="save"),
    path("saved/<uuid:public_id>/", views.open_definition, name="definition"),
    path("saved/<uuid:public_id>/delete/", views.delete_definition, name="delete_definition"),
    path("runs/<uuid:public_id>/", views.run, name="run"),
    path("runs/<uuid:public_id>/download/", views.download, name="download"),
]
