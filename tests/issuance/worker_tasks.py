"""A task the concurrency test sends to the workers: only the numbering step of the chain (the real service
function), noting which worker process drew the number."""

from __future__ import annotations

import os

import redis
from celery import shared_task
from django.conf import settings

from issuance.services import chain

DRAWN_BY = "tests:issuance:drawn-by"


@shared_task(acks_late=True, ignore_result=True, name="tests.issuance.number_only")
def number_only(licence_id: int) -> None:
    chain.number(licence_id)
    redis.Redis.from_url(settings.REDIS_URL).rpush(DRAWN_BY, os.getpid())
