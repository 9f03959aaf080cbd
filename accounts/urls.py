from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("camdigikey/callback/", views.camdigikey_callback, name="camdigikey-callback"),
    path("camdigikey/error/", views.camdigikey_error, name="camdigikey-error"),
    path("logout/", views.logout_view, name="logout"),
    path("acting-for/", views.acting_for, name="acting-for"),
]
