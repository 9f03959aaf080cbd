from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.faq, name="faq"),
    path("support/", views.support, name="support"),
    path("feedback/", views.feedback, name="feedback"),
]
