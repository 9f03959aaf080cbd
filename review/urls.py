"""The officer's review pages, included at /backoffice/ before the admin site (whose URLs answer the rest):
the landing page (/backoffice/ itself), the work queues, the review screen of one application, its actions
and its documents."""

from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("review/", views.queue, name="queue"),
    path("review/<uuid:public_id>/", views.screen, name="screen"),
    path("review/<uuid:public_id>/act/", views.act, name="act"),
    path("review/<uuid:public_id>/documents/<int:document_id>/", views.document, name="document"),
]
