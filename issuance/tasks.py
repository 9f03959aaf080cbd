"""Background work of issuance: the issuance chain, started by the outbox message that the approval wrote
(topic `issuance.issue`, payload `{"licence_id": …}`).

`issue_licence` runs the chain's steps in order (`issuance.services.chain.run`), each skipped when done, so
running it twice, or again after a worker was killed anywhere inside it, issues one licence with one number
and one verification record. A verification service that is down or refuses is retried with a growing pause
(1 min, 2, 4 … up to 1 h, with jitter, 12 times: about a day); the licence stays PENDING meanwhile with the
last error on it (`Licence.issue_error`), where the licence register shows it, and `manage.py
resume_issuance` starts the chain again by hand.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task

from esb.outbox import registry as outbox_registry
from issuance.services import chain
from issuance.services.issuing import ISSUE_TOPIC
from issuance.verification import VerificationError

logger = logging.getLogger(__name__)

FIRST_PAUSE = 60  # seconds
LONGEST_PAUSE = 3600
MAX_RETRIES = 12


def retry_pause(retries: int, *, rng: random.Random | None = None) -> float:
    """Seconds before retry number `retries + 1`: doubling from a minute up to an hour, ±20 % jitter so
    licences stuck together behind one outage do not all come back at the same second."""
    base = min(FIRST_PAUSE * 2**retries, LONGEST_PAUSE)
    return base * (rng or random).uniform(0.8, 1.2)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def issue_licence(self, licence_id: int) -> None:
    try:
        chain.run(licence_id)
    except VerificationError as error:
        chain.record_error(licence_id, error)
        logger.warning("licence %s: verification service: %s (will retry)", licence_id, error)
        raise self.retry(exc=error, countdown=retry_pause(self.request.retries)) from error
    except Exception as error:
        # Not a passing outage (a template that fails, a bug): kept on the licence for an officer to see.
        chain.record_error(licence_id, error)
        logger.exception("licence %s: issuance stopped", licence_id)
        raise


outbox_registry.register_task(ISSUE_TOPIC, issue_licence.name)

# The lifecycle's tasks (verification sync, the nightly expiry and reminders) live beside the chain's; Celery
# and the outbox discover `issuance.tasks` only, so importing them here registers them.
from issuance import lifecycle_tasks  # noqa: E402, F401
