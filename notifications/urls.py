from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("mark-read/", views.mark_read, name="mark-read"),
    path("settings/", views.channel_settings, name="settings"),
    path("settings/sms/code/", views.send_code, name="send-code"),
    path("settings/sms/confirm/", views.confirm_code, name="confirm-code"),
    path("settings/telegram/link/", views.telegram_link, name="telegram-link"),
    path("settings/forget/", views.forget_channels, name="forget"),
    path("settings/<str:channel>/toggle/", views.toggle_channel, name="toggle"),
    path("telegram/webhook/", views.telegram_webhook, name="telegram-webhook"),
]
