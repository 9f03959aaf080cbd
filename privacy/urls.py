from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.my_data, name="my-data"),
    path("consent/", views.consent, name="consent"),
    path("consents/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
