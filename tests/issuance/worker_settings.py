"""Settings of the real Celery workers the issuance tests start: the test settings, the test verification
provider (tests.issuance.fake_provider, in Redis, shared with the test), a beat that runs only the outbox
relay, and a short broker visibility timeout so that a task whose worker was SIGKILLed is handed out again
within seconds (production keeps the default hour: docs/issuance.md)."""

import esb.settings as _base

globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

CELERY_BEAT_SCHEDULE = {"relay-outbox": _base.CELERY_BEAT_SCHEDULE["relay-outbox"]}
CELERY_IMPORTS = ["tests.issuance.fake_provider", "tests.issuance.worker_tasks"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 8}
ESB_VERIFICATION = {**getattr(_base, "ESB_VERIFICATION", {}), "PROVIDER": "test-verify"}
