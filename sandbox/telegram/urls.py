"""The Telegram Bot API simulator, mounted at /sandbox/telegram/."""

from django.urls import path

from sandbox.telegram import views

app_name = "sandbox-telegram"

urlpatterns = [
    path("", views.index, name="index"),
    path("chats.json", views.listing, name="listing"),
    path("t.me/<str:bot_username>", views.deep_link, name="deep-link"),
    path("bot<str:token>/<str:method>", views.api, name="api"),
]
