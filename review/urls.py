"""The officer's review pages inside the back-office (/backoffice/review/…): the review screen of one
application and its documents."""

from django.urls import path

from review import views

app_name = "review"

urlpatterns = [
    path("<uuid:public_id>/", views.screen, name="screen"),
    path("<uuid:public_id>/documents/<int:document_id>/", views.document, name="document"),
]
