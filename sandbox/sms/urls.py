"""The SMS simulator (Twilio's Messages API), mounted at /sandbox/sms/."""

from django.urls import path

from sandbox.sms import views

app_name = "sandbox-sms"

urlpatterns = [
    path("", views.index, name="index"),
    path("messages.json", views.listing, name="listing"),
    path("2010-04-01/Accounts/<str:account_sid>/Messages.json", views.create_message, name="create-message"),
]
