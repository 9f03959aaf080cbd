"""The simulated member systems, mounted at /sandbox/member/."""

from django.urls import path

from sandbox.member import views

app_name = "sandbox-member"

urlpatterns = [
    path("", views.page, name="page"),
    path("<slug:code>/health", views.health, name="health"),
    path("<slug:code>/state", views.state, name="state"),
]
