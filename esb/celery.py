"""The Celery application. Workers and beat start from here (`celery -A esb worker`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")

app = Celery("esb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
