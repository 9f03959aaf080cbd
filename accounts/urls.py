from django.urls import path

from accounts import views
from esb.throttle import throttle

app_name = "accounts"

# The anonymous doors that write (a CamDigiKey login token, audit rows of failed logins) are rate-limited
# per client (esb.throttle): beyond the limit they answer 429 without running the view.
urlpatterns = [
    path("login/", throttle("login", methods=("POST",))(views.login_page), name="login"),
    path(
        "camdigikey/callback/",
        throttle("login-callback")(views.camdigikey_callback),
        name="camdigikey-callback",
    ),
    path("camdigikey/error/", throttle("login-error")(views.camdigikey_error), name="camdigikey-error"),
    path("logout/", views.logout_view, name="logout"),
    path("acting-for/", views.acting_for, name="acting-for"),
]
