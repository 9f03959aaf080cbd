"""Settings of the real Celery worker started by test_outbox_worker.py: the test settings, with e-mails
written to files the test can count (the locmem outbox lives in the worker's memory), a beat that runs only
the outbox relay, and a probe task to look inside a task's request context."""

import os

import esb.settings as _base

globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["ESB_TEST_MAIL_DIR"]
CELERY_BEAT_SCHEDULE = {"relay-outbox": _base.CELERY_BEAT_SCHEDULE["relay-outbox"]}
CELERY_IMPORTS = ["tests.esb.outbox_probe"]
