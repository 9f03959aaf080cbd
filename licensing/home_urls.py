"""The portal's home page (`/`), mounted by the root URLconf without an app namespace: `{% url "home" %}`."""

from django.urls import path

from licensing import views

urlpatterns = [
    path("", views.home, name="home"),
]
